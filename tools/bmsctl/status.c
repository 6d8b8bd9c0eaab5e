// SPDX-License-Identifier: GPL-2.0
/*
 * bmsctl: the status screen of manual section 3.5.1, once or live.
 *
 * monitor sleeps in poll() on what the driver notifies: its settings files,
 * "codes" and "system_status" (sysfs_notify), and the kernel's uevents for
 * the BMS's two power supplies (power_supply_changed).  It reads the
 * status again only when one of them fires, so it uses no CPU while
 * nothing changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bmsctl.h"

/* A measurement: @ok is false while the driver has none (ENODATA). */
struct reading {
	long long v;
	bool ok;
};

struct snapshot {
	struct reading battery_uv;
	struct reading alternator_uv;
	struct reading alternator_ua;
	struct reading alternator_online;
	struct reading system_mv;
	struct reading temp_mc;
	struct reading current_percent;
	char soft_switch[NAME_MAX_LEN];
	char system[NAME_MAX_LEN];
	char fuse[NAME_MAX_LEN];
	char codes[ATTR_MAX];
};

static int read_text(const char *dir, const char *attr, char *buf, size_t size)
{
	return attr_read_or_die(dir, attr, buf, size, NULL);
}

static int read_number(const char *dir, const char *attr, struct reading *r)
{
	char buf[64], *end;
	bool nodata;
	int ret;

	r->ok = false;
	if (!dir[0] || !attr[0])
		return 0;	/* no such channel: nothing to show */
	ret = attr_read_or_die(dir, attr, buf, sizeof(buf), &nodata);
	if (ret || nodata)
		return ret;
	errno = 0;
	r->v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return errmsg(EXIT_RUNTIME, "%s/%s: unexpected value '%s'", dir, attr, buf);
	r->ok = true;
	return 0;
}

static int snapshot_read(const struct bmsctl *ctl, struct snapshot *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = read_number(ctl->battery, "voltage_now", &s->battery_uv);
	if (!ret)
		ret = read_text(ctl->battery, "soft_switch", s->soft_switch,
				sizeof(s->soft_switch));
	if (!ret)
		ret = read_text(ctl->battery, "system_status", s->system, sizeof(s->system));
	if (!ret)
		ret = read_number(ctl->alternator, "voltage_now", &s->alternator_uv);
	if (!ret)
		ret = read_number(ctl->alternator, "current_now", &s->alternator_ua);
	if (!ret)
		ret = read_number(ctl->alternator, "online", &s->alternator_online);
	if (!ret)
		ret = read_number(ctl->hwmon, ctl->hwmon_system, &s->system_mv);
	if (!ret)
		ret = read_text(ctl->battery, "fuse_rating", s->fuse, sizeof(s->fuse));
	/* No percentage of an unknown limit: "set the fuse type" first. */
	if (!ret && strcmp(s->fuse, "not-set") != 0)
		ret = read_number(ctl->battery, "alternator_current_percent", &s->current_percent);
	if (!ret)
		ret = read_number(ctl->hwmon, ctl->hwmon_temp, &s->temp_mc);
	if (!ret)
		ret = read_text(ctl->battery, "codes", s->codes, sizeof(s->codes));
	return ret;
}

/* Milli-units, rounded half away from zero. */
static long long to_milli(long long micro)
{
	return (micro + (micro < 0 ? -500 : 500)) / 1000;
}

/*
 * "13.20 V" from a reading in units of @per_uv microvolts (1: microvolts,
 * 1000: millivolts), or "n/a".  Rounded once, to the hundredths shown:
 * 13 204 500 uV is 13.20 V.
 */
static void print_volts(FILE *f, const char *what, const struct reading *r, long long per_uv)
{
	long long uv, cv;

	fprintf(f, "  %-18s ", what);
	if (!r->ok) {
		fprintf(f, "n/a");
		return;
	}
	uv = r->v * per_uv;
	cv = (uv + (uv < 0 ? -5000 : 5000)) / 10000;
	fprintf(f, "%s%lld.%02lld V", cv < 0 ? "-" : "", llabs(cv) / 100, llabs(cv) % 100);
}

/* The next code of a space-separated list; NULL at the end. */
static const char *next_code(const char **p, char *code, size_t size)
{
	size_t n;

	*p += strspn(*p, " ");
	n = strcspn(*p, " ");
	if (!n)
		return NULL;
	snprintf(code, size, "%.*s", (int)n, *p);
	*p += n;
	return code;
}

static void status_text(FILE *f, const struct bmsctl *ctl, const struct snapshot *s)
{
	char code[ATTR_MAX];
	const char *p = s->codes;
	bool any = false;

	fprintf(f, "Smart BMS %s\n", ctl->name);
	print_volts(f, "Battery", &s->battery_uv, 1);
	fprintf(f, "\n  %-18s %s\n  %-18s %s\n", "Soft switch", s->soft_switch,
		"System+", s->system);
	print_volts(f, "Alternator", &s->alternator_uv, 1);
	fprintf(f, "%s\n", s->alternator_online.ok && s->alternator_online.v ?
		", charging" : "");
	print_volts(f, "System+ voltage", &s->system_mv, 1000);
	fprintf(f, "\n  %-18s ", "Charge current");
	if (s->current_percent.ok)
		fprintf(f, "%lld %% of the limit (fuse %s)\n", s->current_percent.v, s->fuse);
	else if (!strcmp(s->fuse, "not-set") || strstr(s->codes, "E-B31"))
		/* The fuse unknown, or forgotten with the settings: 9 A for now. */
		fprintf(f, "set the fuse type (bmsctl set fuse ...)\n");
	else
		fprintf(f, "n/a\n");
	fprintf(f, "  %-18s ", "Temperature");
	if (s->temp_mc.ok)
		fprintf(f, "%.1f °C\n", (double)s->temp_mc.v / 1000);
	else
		fprintf(f, "n/a\n");

	fprintf(f, "Status\n");
	while (next_code(&p, code, sizeof(code))) {
		const struct code *c = code_find(code);

		fprintf(f, "  %-6s %-8s %s\n", code, c ? c->kind : "", c ? c->text : "");
		any = true;
	}
	if (!any)
		fprintf(f, "  no errors, alarms or warnings\n");
}

static void json_number(FILE *f, const char *key, const struct reading *r, bool micro)
{
	fprintf(f, ", \"%s\": ", key);
	if (r->ok)
		fprintf(f, "%lld", micro ? to_milli(r->v) : r->v);
	else
		fprintf(f, "null");
}

static void status_json(FILE *f, const struct bmsctl *ctl, const struct snapshot *s)
{
	const char *p = s->codes;
	char code[ATTR_MAX];
	bool first = true;

	fprintf(f, "{\"device\": ");
	json_string(f, ctl->name);
	json_number(f, "battery_mv", &s->battery_uv, true);
	fprintf(f, ", \"soft_switch\": ");
	json_string(f, s->soft_switch);
	fprintf(f, ", \"system\": ");
	json_string(f, s->system);
	json_number(f, "alternator_mv", &s->alternator_uv, true);
	json_number(f, "alternator_ma", &s->alternator_ua, true);
	fprintf(f, ", \"alternator_charging\": %s",
		!s->alternator_online.ok ? "null" : s->alternator_online.v ? "true" : "false");
	json_number(f, "system_mv", &s->system_mv, false);
	json_number(f, "alternator_current_percent", &s->current_percent, false);
	fprintf(f, ", \"fuse\": ");
	json_string(f, s->fuse);
	json_number(f, "temperature_mdegc", &s->temp_mc, false);
	fprintf(f, ", \"codes\": [");
	while (next_code(&p, code, sizeof(code))) {
		const struct code *c = code_find(code);

		fprintf(f, "%s{\"code\": ", first ? "" : ", ");
		json_string(f, code);
		fprintf(f, ", \"kind\": ");
		json_string(f, c ? c->kind : "unknown");
		fprintf(f, ", \"text\": ");
		json_string(f, c ? c->text : "");
		fputc('}', f);
		first = false;
	}
	fprintf(f, "]}");
}

/* The status, rendered into a new string (text or JSON). */
static char *status_render(const struct bmsctl *ctl, const struct snapshot *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (ctl->json)
		status_json(f, ctl, s);
	else
		status_text(f, ctl, s);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int json_option(void *data, int opt, const char *arg)
{
	struct bmsctl *ctl = data;

	(void)arg;
	if (opt != 'j')
		return EXIT_USAGE;
	ctl->json = true;
	return 0;
}

int cmd_status(struct bmsctl *ctl, int argc, char **argv)
{
	static const struct cmd_option opts[] = {
		{ "json", no_argument, 'j' },
		{ NULL, 0, 0 },
	};
	struct snapshot s;
	int ret, first;
	char *out;

	ret = parse_options(ctl, argc, argv, opts, json_option, ctl, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 0, 0);
	if (!ret)
		ret = device_open(ctl);
	if (!ret)
		ret = snapshot_read(ctl, &s);
	if (ret)
		return ret;
	out = status_render(ctl, &s);
	if (!out)
		return errmsg(EXIT_RUNTIME, "out of memory");
	printf("%s\n", out);
	free(out);
	return stdout_check();
}

/* ---- monitor ------------------------------------------------------------ */

#define MAX_WATCH	16
#define UEVENT_BUF	8192

struct monitor_opts {
	struct bmsctl *ctl;
	int interval_ms;
	long count;
};

static int monitor_option(void *data, int opt, const char *arg)
{
	struct monitor_opts *o = data;
	char *end;
	double secs;
	long n;

	switch (opt) {
	case 'j':
		o->ctl->json = true;
		return 0;
	case 'i':
		errno = 0;
		secs = strtod(arg, &end);
		if (errno || end == arg || *end || !(secs >= 0.1 && secs <= 86400))
			return usage_error("monitor", "invalid interval '%s': seconds from 0.1 to 86400",
					   arg);
		o->interval_ms = (int)(secs * 1000);
		return 0;
	case 'n':
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 1)
			return usage_error("monitor", "invalid count '%s': a number from 1", arg);
		o->count = n;
		return 0;
	}
	return EXIT_USAGE;
}

/* A pollable sysfs file: read it to the end, which arms the next wake-up. */
static int watch_arm(int fd, const char *dir, const char *attr)
{
	char buf[ATTR_MAX];

	if (pread(fd, buf, sizeof(buf), 0) >= 0 || errno == ENODATA)
		return 0;
	return errmsg(EXIT_RUNTIME, "cannot read %s/%s: %s", dir, attr, strerror(errno));
}

static int watch_open(struct pollfd *pfd, const char *dir, const char *attr)
{
	char path[PATH_MAX];

	if (attr_path(path, sizeof(path), dir, attr))
		return errmsg(EXIT_RUNTIME, "%s/%s: %s", dir, attr, strerror(ENAMETOOLONG));
	pfd->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pfd->fd < 0)
		return errmsg(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(errno));
	pfd->events = POLLPRI | POLLERR;
	return watch_arm(pfd->fd, dir, attr);
}

/* The kernel's uevents; -1 (and no uevents) where they cannot be had. */
static int uevent_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Drain the uevents; true when one was about the BMS's supplies. */
static bool uevent_ours(int fd, const struct bmsctl *ctl)
{
	char buf[UEVENT_BUF], bat[NAME_MAX_LEN + 32], alt[NAME_MAX_LEN + 32];
	bool ours = false;

	snprintf(bat, sizeof(bat), "/power_supply/%s-battery", ctl->name);
	snprintf(alt, sizeof(alt), "/power_supply/%s-alternator", ctl->name);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		const char *at;
		size_t len;

		if (n < 0)
			return ours || errno == ENOBUFS;	/* lost some: look anyway */
		buf[n] = '\0';
		/* "ACTION@DEVPATH", then the variables. */
		at = strchr(buf, '@');
		if (!at)
			continue;
		len = strlen(at);
		if ((len >= strlen(bat) && !strcmp(at + len - strlen(bat), bat)) ||
		    (len >= strlen(alt) && !strcmp(at + len - strlen(alt), alt)))
			ours = true;
	}
}

/*
 * Sleep until the driver reports something about the BMS (or the interval
 * runs out).  The sysfs files are @pfd[0..@n), the uevent socket @pfd[@n].
 */
static int monitor_wait(const struct bmsctl *ctl, struct pollfd *pfd, int n,
			const char *const *watched, int interval_ms)
{
	bool wake = false;

	while (!wake) {
		int ret = poll(pfd, (nfds_t)n + 1, interval_ms), i;

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return errmsg(EXIT_RUNTIME, "poll: %s", strerror(errno));
		wake = ret == 0;	/* the interval is over */
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			ret = watch_arm(pfd[i].fd, ctl->battery, watched[i]);
			if (ret)
				return ret;
			wake = true;
		}
		/* Other devices' uevents are no reason to look. */
		if (pfd[n].revents && uevent_ours(pfd[n].fd, ctl))
			wake = true;
	}
	return 0;
}

/* Returns 0, or EXIT_RUNTIME when standard output cannot take it. */
static int print_update(const struct bmsctl *ctl, const char *out, bool tty)
{
	struct timespec ts;

	if (ctl->json) {
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("{\"time\": %lld.%03ld, %s\n", (long long)ts.tv_sec,
		       ts.tv_nsec / 1000000, out + 1);
	} else if (tty) {
		printf("\033[H\033[2J%s\n", out);
	} else {
		printf("%s\n\n", out);
	}
	return stdout_check();
}

int cmd_monitor(struct bmsctl *ctl, int argc, char **argv)
{
	static const struct cmd_option opts[] = {
		{ "json", no_argument, 'j' },
		{ "interval", required_argument, 'i' },
		{ "count", required_argument, 'n' },
		{ NULL, 0, 0 },
	};
	struct monitor_opts o = { .ctl = ctl, .interval_ms = -1 };
	struct pollfd pfd[MAX_WATCH];
	const char *watched[MAX_WATCH];
	char *out, *last = NULL;
	bool tty = isatty(STDOUT_FILENO);
	struct snapshot s;
	int ret, first, i, n = 0;
	long shown = 0;
	size_t k;

	ret = parse_options(ctl, argc, argv, opts, monitor_option, &o, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 0, 0);
	if (!ret)
		ret = device_open(ctl);
	if (ret)
		return ret;

	for (i = 0; i < MAX_WATCH; i++)
		pfd[i].fd = -1;

	/* Open and arm everything before the first read: no change is lost. */
	watched[n++] = "codes";
	watched[n++] = "system_status";
	for (k = 0; setting_file(k) && n < MAX_WATCH - 1; k++)
		watched[n++] = setting_file(k);
	for (i = 0; i < n; i++) {
		ret = watch_open(&pfd[i], ctl->battery, watched[i]);
		if (ret)
			goto out;
	}
	pfd[n].fd = uevent_open();
	pfd[n].events = POLLIN;

	for (;;) {
		ret = snapshot_read(ctl, &s);
		if (ret)
			break;
		out = status_render(ctl, &s);
		if (!out) {
			ret = errmsg(EXIT_RUNTIME, "out of memory");
			break;
		}
		/* One update per change: notifications come in bursts. */
		if (!last || strcmp(out, last) != 0) {
			ret = print_update(ctl, out, tty);
			free(last);
			last = out;
			if (ret)
				break;
			if (o.count && ++shown >= o.count)
				break;
		} else {
			free(out);
		}

		ret = monitor_wait(ctl, pfd, n, watched, o.interval_ms);
		if (ret)
			break;
	}
out:
	free(last);
	for (i = 0; i < MAX_WATCH; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return ret;
}
