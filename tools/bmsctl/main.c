// SPDX-License-Identifier: GPL-2.0
/*
 * bmsctl: the command line, its options and each command's help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmsctl.h"

#ifndef BMSCTL_VERSION
#define BMSCTL_VERSION "0.1"
#endif

#define MAX_OPTIONS	16

struct command {
	const char *name;
	int (*run)(struct bmsctl *ctl, int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct command commands[] = {
	{ "status", cmd_status, "[--json]",
	  "Show the status screen: battery voltage, soft switch, System+, alternator\n"
	  "and System+ voltages, alternator charge current as a percentage of the\n"
	  "fuse's limit, BMS temperature, and the active codes.\n"
	  "  -j, --json            one JSON object\n" },
	{ "monitor", cmd_monitor, "[--json] [--interval SECONDS] [--count N]",
	  "Show the status again each time the driver reports a change: of the soft\n"
	  "switch, System+, the codes or a setting (or of the supplies, when the\n"
	  "driver says so).  It sleeps while nothing is reported.  The measurements\n"
	  "(voltages, current, temperature) change without a report: without\n"
	  "--interval they are shown as they were at the last report; use\n"
	  "--interval to read them again periodically.  Stop with Ctrl-C.\n"
	  "  -j, --json            one JSON object per line per change\n"
	  "  -i, --interval SECS   also read everything again every SECS seconds\n"
	  "                        (0.1 to 86400); default: only on a report\n"
	  "  -n, --count N         stop after N updates\n" },
	{ "list", cmd_list, "[--json] [--names | --values NAME]",
	  "List every setting with its value, unit, range or choices and default.\n"
	  "  -j, --json            a JSON array of objects, one per setting\n"
	  "      --names           only the settings' names\n"
	  "      --values NAME     only the values NAME accepts, one a line\n" },
	{ "get", cmd_get, "NAME",
	  "Print the value of the setting NAME (see \"bmsctl list\").\n" },
	{ "set", cmd_set, "NAME VALUE",
	  "Set NAME to VALUE and print the value in force.  Values take the units\n"
	  "people use: 14.2V, 14200mV, 100A, 2x7.5A, intermittent.  A value out of\n"
	  "range or malformed is refused before anything is written.\n" },
	{ "save", cmd_save, "FILE",
	  "Save every setting to FILE (\"-\": standard output), a versioned text file\n"
	  "of \"name = value\" lines.\n" },
	{ "load", cmd_load, "[--missing-ok] FILE",
	  "Load the settings of FILE (\"-\": standard input).  The whole file is\n"
	  "checked first: on an error its line is reported and nothing is written.\n"
	  "If the device refuses a value, the settings written so far are put back\n"
	  "as they were.  \"fuse = not-set\" leaves an unset fuse unset.\n"
	  "      --missing-ok      a FILE that does not exist is no error: do nothing\n" },
	{ "reset", cmd_reset, "",
	  "Restore the factory settings (the recovery from E-B31).\n" },
	{ "clear", cmd_clear, "",
	  "Clear latched faults (a latched short-circuit trip).\n" },
	{ "on", cmd_switch, "",
	  "Turn the soft switch on.\n" },
	{ "off", cmd_switch, "",
	  "Turn the soft switch off: as if the remote input were off.\n" },
	{ "explain", cmd_explain, "[CODE]",
	  "Explain CODE (E-B31, A-A12, ...): what it means and what to do.\n"
	  "Without CODE, every code.\n" },
};

static const char *progname = "bmsctl";

static const char common_help[] =
	"Options:\n"
	"  -d, --device NAME       the BMS to use (default: the only one)\n"
	"  -r, --sysfs-root DIR    sysfs is at DIR (default: $BMSCTL_SYSFS_ROOT or /sys)\n"
	"  -h, --help              this help\n";

static void verrmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int errmsg(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
	return code;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s %s%s--help'.\n", progname, cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
		"Configure, monitor and diagnose a Smart BMS 12-200 class battery\n"
		"management system (the smartbms driver).\n\nCommands:\n", progname);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(f, "\n%s  -v, --version           the version\n\n"
		"'%s COMMAND --help' describes a command.  Exit status: 0 success,\n"
		"1 failure, 2 usage error.\n", common_help, progname);
}

static const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void command_help(const struct command *c)
{
	printf("Usage: %s [OPTIONS] %s %s\n\n%s\n%s", progname, c->name, c->synopsis,
	       c->help, common_help);
}

/*
 * The options every command takes, before the command or after it (@c:
 * the command, NULL before it).  Returns -1 to go on, else the exit code.
 */
static int common_option(struct bmsctl *ctl, int opt, const char *arg,
			 const struct command *c)
{
	const char *cmd = c ? c->name : NULL;

	switch (opt) {
	case 'd':
		if (!*arg)
			return usage_error(cmd, "option '--device' needs a name, not ''");
		ctl->device = arg;
		return -1;
	case 'r':
		if (!*arg)
			return usage_error(cmd, "option '--sysfs-root' needs a directory, not ''");
		ctl->sysfs_root = arg;
		return -1;
	case 'h':
		if (c)
			command_help(c);
		else
			print_usage(stdout);
		return EXIT_OK;
	}
	return usage_error(cmd, "unknown option");
}

static const struct cmd_option common_options[] = {
	{ "device", required_argument, 'd' },
	{ "sysfs-root", required_argument, 'r' },
	{ "help", no_argument, 'h' },
	{ NULL, 0, 0 },
};

/* Build getopt_long's tables from the common options and the command's. */
static void build_options(const struct cmd_option *opts, struct option *longopts,
			  char *shortopts)
{
	const struct cmd_option *sets[] = { common_options, opts };
	size_t n = 0, s = 0, i;

	shortopts[s++] = '+';	/* operands end the options ("set x -1") */
	shortopts[s++] = ':';
	for (i = 0; i < 2; i++) {
		const struct cmd_option *o;

		for (o = sets[i]; o && o->name; o++) {
			longopts[n++] = (struct option){ o->name, o->has_arg, NULL, o->val };
			if (o->val < 256) {
				shortopts[s++] = (char)o->val;
				if (o->has_arg == required_argument)
					shortopts[s++] = ':';
			}
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[s] = '\0';
}

int parse_options(struct bmsctl *ctl, int argc, char **argv,
		  const struct cmd_option *opts,
		  int (*handle)(void *data, int opt, const char *arg), void *data,
		  int *first)
{
	struct option longopts[MAX_OPTIONS];
	char shortopts[2 * MAX_OPTIONS + 3];
	const char *cmd = argv[0];
	int c, ret;

	build_options(opts, longopts, shortopts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'r':
		case 'h':
			ret = common_option(ctl, c, optarg, command_find(cmd));
			if (ret >= 0)
				return ret;
			break;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		default:
			ret = handle ? handle(data, c, optarg) : EXIT_USAGE;
			if (ret)
				return ret;
			break;
		}
	}
	*first = optind;
	return -1;
}

int check_operands(const char *cmd, int have, int min, int max)
{
	if (have < min)
		return usage_error(cmd, "missing operand");
	if (have > max)
		return usage_error(cmd, "too many operands");
	return 0;
}

/*
 * Everything written to standard output must have got there: a full disk
 * or a closed pipe is a failure.  Returns 0 or EXIT_RUNTIME.
 */
int stdout_check(void)
{
	if (fflush(stdout) || ferror(stdout))
		return errmsg(EXIT_RUNTIME, "cannot write to standard output: %s",
			      strerror(errno ? errno : EIO));
	return 0;
}

static int finish(int ret)
{
	int err = stdout_check();

	return ret ? ret : err;
}

/* The length of the UTF-8 sequence at @s, 0 if it is not a valid one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* @s as a JSON string; a byte that is not UTF-8 becomes U+FFFD. */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "sysfs-root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct bmsctl ctl = { .sysfs_root = getenv("BMSCTL_SYSFS_ROOT") };
	const struct command *c;
	int opt, ret;

	if (!ctl.sysfs_root || !*ctl.sysfs_root)
		ctl.sysfs_root = "/sys";

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:d:r:hv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
		case 'r':
		case 'h':
			ret = common_option(&ctl, opt, optarg, NULL);
			if (ret >= 0)
				return finish(ret);
			break;
		case 'v':
			printf("%s %s\n", progname, BMSCTL_VERSION);
			return finish(EXIT_OK);
		case ':':
			return usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "no command given");

	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			print_usage(stdout);
			return finish(EXIT_OK);
		}
		c = command_find(argv[optind + 1]);
		if (!c)
			return usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
		command_help(c);
		return finish(EXIT_OK);
	}

	c = command_find(argv[optind]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	return finish(c->run(&ctl, argc - optind, argv + optind));
}
