// SPDX-License-Identifier: GPL-2.0
/*
 * bmsctl: the settings of manual section 3.5.1.  One table says, for each,
 * its name, its sysfs file, its unit, what it accepts and how its values
 * read; list, get, set, save, load, on/off and the shell completion all go
 * through it.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmsctl.h"

#define LINE_MAX_LEN	256
#define VALUE_MAX	64

/**
 * struct setting - one setting
 * @name: its name on the command line and in settings files
 * @file: its file in the battery supply's directory
 * @unit: the unit its values are in, or NULL
 * @choices: the values it may be set to, NULL-terminated; NULL for a number
 * @unset: a value it may read but not be set to ("not-set"), or NULL
 * @min_uv: least value of a voltage
 * @max_uv: greatest value of a voltage
 * @def: the factory default, as shown
 * @help: what it is, in one line
 * @parse: a value as people write it to the value for its file
 * @format: the value its file holds to the value as shown
 *
 * @parse and @format return 0, -EINVAL (malformed) or -ERANGE.
 */
struct setting {
	const char *name;
	const char *file;
	const char *unit;
	const char *const *choices;
	const char *unset;
	long long min_uv;
	long long max_uv;
	const char *def;
	const char *help;
	int (*parse)(const struct setting *s, const char *in, char *out, size_t size);
	int (*format)(const struct setting *s, const char *raw, char *out, size_t size);
};

/* ---- choices ------------------------------------------------------------ */

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/*
 * Is @in the choice @c as people write it?  Case does not matter, a '-'
 * may be written '_' or ' ', the 'x' of "2x7.5A" may have spaces around
 * it, and the unit @unit may be left out or have a space before it:
 * "2 x 7.5 a" and "2x7.5" are "2x7.5A", "not available" is "not-available".
 */
static bool loose_equal(const char *in, const char *c, const char *unit)
{
	const char *a = in, *b;

	for (b = c; *b; b++) {
		if (unit && !strcmp(b, unit)) {
			a = skip_spaces(a);
			return !*a || !strcasecmp(a, unit);
		}
		if (*b == 'x' && b > c && isdigit((unsigned char)b[-1])) {
			a = skip_spaces(a);
			if (tolower((unsigned char)*a) != 'x')
				return false;
			a = skip_spaces(a + 1);
			continue;
		}
		if (*b == '-') {
			if (*a != '-' && *a != '_' && *a != ' ')
				return false;
		} else if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) {
			return false;
		}
		a++;
	}
	return !*a;
}

static int parse_choice(const struct setting *s, const char *in, char *out, size_t size)
{
	const char *const *c;

	for (c = s->choices; *c; c++) {
		if (loose_equal(in, *c, s->unit)) {
			snprintf(out, size, "%s", *c);
			return 0;
		}
	}
	return -EINVAL;
}

static int format_choice(const struct setting *s, const char *raw, char *out, size_t size)
{
	const char *const *c;

	for (c = s->choices; *c; c++)
		if (!strcmp(raw, *c))
			break;
	if (!*c && !(s->unset && !strcmp(raw, s->unset)))
		return -EINVAL;
	snprintf(out, size, "%s", raw);
	return 0;
}

/* ---- voltages ------------------------------------------------------------ */

/* "14.2V", "14.2 V", "14200mV", "14.2" (volts) to microvolts. */
static int parse_microvolts(const char *in, long long *uv)
{
	long long whole = 0, frac = 0;
	int digits = 0, frac_digits = 0, scale;
	const char *p = in;

	while (isspace((unsigned char)*p))
		p++;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (digits >= 6)
			return -ERANGE;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, frac_digits++) {
			if (frac_digits >= 6)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
	}
	if (!digits && !frac_digits)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (!strcasecmp(p, "mV"))
		scale = 3;
	else if (!*p || !strcasecmp(p, "V"))
		scale = 6;
	else
		return -EINVAL;
	if (frac_digits > scale)
		return -EINVAL;	/* finer than a microvolt */
	while (frac_digits++ < scale)
		frac *= 10;
	*uv = (scale == 6 ? whole * 1000000 : whole * 1000) + frac;
	return 0;
}

/* Microvolts as volts, with the digits that matter: "14.2V", "14.21V". */
static void format_volts(long long uv, char *out, size_t size)
{
	char frac[8];
	int n;

	snprintf(frac, sizeof(frac), "%06lld", uv % 1000000);
	for (n = 6; n > 1 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	snprintf(out, size, "%lld.%sV", uv / 1000000, frac);
}

static int parse_volts(const struct setting *s, const char *in, char *out, size_t size)
{
	long long uv;
	int ret;

	ret = parse_microvolts(in, &uv);
	if (ret)
		return ret;
	if (uv < s->min_uv || uv > s->max_uv)
		return -ERANGE;
	snprintf(out, size, "%lld", uv);
	return 0;
}

static int format_volts_raw(const struct setting *s, const char *raw, char *out,
			    size_t size)
{
	long long uv;
	char *end;

	(void)s;
	errno = 0;
	uv = strtoll(raw, &end, 10);
	if (errno || end == raw || *end || uv < 0)
		return -EINVAL;
	format_volts(uv, out, size);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const char *const fuse_choices[] = {
	"125A", "100A", "80A", "60A", "2x30A", "2x20A", "2x15A", "2x10A", "2x7.5A", NULL
};

static const char *const usage_choices[] = { "use", "not-available", NULL };
static const char *const output_choices[] = { "continuous", "intermittent", NULL };

static const char *const remote_choices[] = {
	"alternator-and-system", "alternator-only", "everything", NULL
};

/* In the driver's order (soft_switch_available). */
static const char *const switch_choices[] = { "off", "on", NULL };

/* In the order load writes them: the soft switch last. */
static const struct setting settings[] = {
	{ "fuse", "fuse_rating", "A", fuse_choices, "not-set", 0, 0,
	  "not-set or the board's preset",
	  "the alternator fuse fitted; sets the alternator current limit",
	  parse_choice, format_choice },
	{ "prealarm-usage", "prealarm_usage", NULL, usage_choices, NULL, 0, 0, "use",
	  "whether the battery has a pre-alarm line",
	  parse_choice, format_choice },
	{ "prealarm-output", "prealarm_output", NULL, output_choices, NULL, 0, 0, "continuous",
	  "how the pre-alarm output signals",
	  parse_choice, format_choice },
	{ "charge-limit", "charge_limit", "V", NULL, NULL,
	  13000000, 15300000, "14.2V",
	  "battery voltage at which alternator and System+ charging stop",
	  parse_volts, format_volts_raw },
	{ "remote-function", "remote_function", NULL, remote_choices, NULL, 0, 0,
	  "alternator-and-system", "what the remote input and the soft switch turn off",
	  parse_choice, format_choice },
	{ "soft-switch", "soft_switch", NULL, switch_choices, NULL, 0, 0, "on",
	  "off acts as the remote input being off",
	  parse_choice, format_choice },
};

#define NUM_SETTINGS	(sizeof(settings) / sizeof(settings[0]))

const struct setting *setting_find(const char *name)
{
	size_t i;

	for (i = 0; i < NUM_SETTINGS; i++)
		if (!strcmp(settings[i].name, name))
			return &settings[i];
	return NULL;
}

/* The sysfs file of the @i-th setting, NULL past the last: monitor watches them. */
const char *setting_file(size_t i)
{
	return i < NUM_SETTINGS ? settings[i].file : NULL;
}

/* What @s accepts, for messages and the list. */
static void describe(const struct setting *s, char *out, size_t size)
{
	const char *const *c;
	size_t len = 0;

	if (!s->choices) {
		char lo[16], hi[16];

		format_volts(s->min_uv, lo, sizeof(lo));
		format_volts(s->max_uv, hi, sizeof(hi));
		snprintf(out, size, "%s..%s", lo, hi);
		return;
	}
	out[0] = '\0';
	for (c = s->choices; *c && len < size; c++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", c == s->choices ? "" : " ",
					*c);
}

/* Parse @in for @s; on error say why, naming @where. Returns 0 or -errno. */
static int setting_parse(const struct setting *s, const char *in, char *out, size_t size,
			 const char *where, bool allow_unset)
{
	char accepts[256];
	int ret;

	/* What save writes for a setting never set: load leaves it so. */
	if (allow_unset && s->unset && !strcmp(in, s->unset)) {
		snprintf(out, size, "%s", s->unset);
		return 0;
	}
	ret = s->parse(s, in, out, size);
	if (!ret)
		return 0;
	describe(s, accepts, sizeof(accepts));
	if (s->choices)
		errmsg(0, "%sinvalid value '%s' for %s: expected one of %s", where, in, s->name,
		       accepts);
	else
		errmsg(0, "%s%s value '%s' for %s: expected a voltage in %s, such as %s", where,
		       ret == -ERANGE ? "out-of-range" : "malformed", in, s->name, accepts,
		       s->def);
	return ret;
}

static const struct setting *setting_lookup(const char *cmd, const char *name)
{
	const struct setting *s = setting_find(name);
	char names[256];
	size_t i, len = 0;

	if (s)
		return s;
	for (i = 0; i < NUM_SETTINGS && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
					settings[i].name);
	usage_error(cmd, "unknown setting '%s' (settings: %s)", name, names);
	return NULL;
}

/* The value of @s on the device, as shown.  Returns 0 or EXIT_RUNTIME. */
static int setting_read(const struct bmsctl *ctl, const struct setting *s, char *out,
			size_t size)
{
	char raw[ATTR_MAX];
	int ret;

	ret = attr_read_or_die(ctl->battery, s->file, raw, sizeof(raw), NULL);
	if (ret)
		return ret;
	if (s->format(s, raw, out, size))
		return errmsg(EXIT_RUNTIME, "%s/%s: unexpected value '%s'", ctl->battery, s->file,
			      raw);
	return 0;
}

/* Write the value for the file (already parsed), then show what is in force. */
static int setting_write(const struct bmsctl *ctl, const struct setting *s, const char *raw)
{
	char now[VALUE_MAX];
	int ret;

	ret = attr_write(ctl->battery, s->file, raw);
	if (!ret)
		ret = setting_read(ctl, s, now, sizeof(now));
	if (!ret)
		printf("%s = %s\n", s->name, now);
	return ret;
}

static int print_all(const struct bmsctl *ctl)
{
	char value[VALUE_MAX];
	size_t i;

	for (i = 0; i < NUM_SETTINGS; i++) {
		int ret = setting_read(ctl, &settings[i], value, sizeof(value));

		if (ret)
			return ret;
		printf("%s = %s\n", settings[i].name, value);
	}
	return 0;
}

/* ---- list, get, set ------------------------------------------------------ */

struct list_opts {
	bool names;
	const char *values;
	bool json;
};

enum { OPT_NAMES = 256, OPT_VALUES };

static int list_option(void *data, int opt, const char *arg)
{
	struct list_opts *o = data;

	switch (opt) {
	case OPT_NAMES:
		o->names = true;
		return 0;
	case OPT_VALUES:
		o->values = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	}
	return EXIT_USAGE;
}

static void list_json(const struct setting *s, const char *value, bool first)
{
	printf("%s\n  {\"name\": ", first ? "" : ",");
	json_string(stdout, s->name);
	printf(", \"value\": ");
	json_string(stdout, value);
	printf(", \"unit\": ");
	if (s->unit)
		json_string(stdout, s->unit);
	else
		printf("null");
	printf(", \"default\": ");
	json_string(stdout, s->def);
	printf(", \"description\": ");
	json_string(stdout, s->help);
	if (s->choices) {
		const char *const *c;

		printf(", \"choices\": [");
		for (c = s->choices; *c; c++) {
			printf("%s", c == s->choices ? "" : ", ");
			json_string(stdout, *c);
		}
		printf("]}");
	} else {
		char lo[16], hi[16];

		format_volts(s->min_uv, lo, sizeof(lo));
		format_volts(s->max_uv, hi, sizeof(hi));
		printf(", \"min\": \"%s\", \"max\": \"%s\"}", lo, hi);
	}
}

int cmd_list(struct bmsctl *ctl, int argc, char **argv)
{
	static const struct cmd_option opts[] = {
		{ "names", no_argument, OPT_NAMES },
		{ "values", required_argument, OPT_VALUES },
		{ "json", no_argument, 'j' },
		{ NULL, 0, 0 },
	};
	struct list_opts o = { 0 };
	char values[NUM_SETTINGS][VALUE_MAX], accepts[256];
	const struct setting *s;
	int ret, first;
	size_t i;

	ret = parse_options(ctl, argc, argv, opts, list_option, &o, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 0, 0);
	if (ret)
		return ret;

	/* For the shell completion: no device needed. */
	if (o.names) {
		for (i = 0; i < NUM_SETTINGS; i++)
			printf("%s\n", settings[i].name);
		return EXIT_OK;
	}
	if (o.values) {
		const char *const *c;

		s = setting_lookup(argv[0], o.values);
		if (!s)
			return EXIT_USAGE;
		for (c = s->choices; c && *c; c++)
			printf("%s\n", *c);
		return EXIT_OK;
	}

	/* Every value first: a table is printed whole or not at all. */
	ret = device_open(ctl);
	for (i = 0; !ret && i < NUM_SETTINGS; i++)
		ret = setting_read(ctl, &settings[i], values[i], sizeof(values[i]));
	if (ret)
		return ret;
	if (!o.json)
		printf("%-16s %-22s %-4s %-30s %s\n", "NAME", "VALUE", "UNIT", "DEFAULT",
		       "CHOICES/RANGE");
	else
		printf("[");
	for (i = 0; i < NUM_SETTINGS; i++) {
		s = &settings[i];
		if (o.json) {
			list_json(s, values[i], !i);
			continue;
		}
		describe(s, accepts, sizeof(accepts));
		printf("%-16s %-22s %-4s %-30s %s\n", s->name, values[i], s->unit ? s->unit : "-",
		       s->def, accepts);
	}
	if (o.json)
		printf("\n]\n");
	return EXIT_OK;
}

int cmd_get(struct bmsctl *ctl, int argc, char **argv)
{
	const struct setting *s;
	char value[VALUE_MAX];
	int ret, first;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 1, 1);
	if (ret)
		return ret;
	s = setting_lookup(argv[0], argv[first]);
	if (!s)
		return EXIT_USAGE;
	ret = device_open(ctl);
	if (!ret)
		ret = setting_read(ctl, s, value, sizeof(value));
	if (!ret)
		printf("%s\n", value);
	return ret;
}

/* set, on and off: check the value, then open the device and write it. */
static int set_value(struct bmsctl *ctl, const char *cmd, const char *name, const char *in)
{
	const struct setting *s;
	char raw[VALUE_MAX];
	int ret;

	s = setting_lookup(cmd, name);
	if (!s)
		return EXIT_USAGE;
	if (setting_parse(s, in, raw, sizeof(raw), "", false))
		return usage_error(cmd, "nothing was written");
	ret = device_open(ctl);
	return ret ? ret : setting_write(ctl, s, raw);
}

int cmd_set(struct bmsctl *ctl, int argc, char **argv)
{
	int ret, first;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 2, 2);
	return ret ? ret : set_value(ctl, argv[0], argv[first], argv[first + 1]);
}

/* on and off: the command is the value of the soft switch. */
int cmd_switch(struct bmsctl *ctl, int argc, char **argv)
{
	int ret, first;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 0, 0);
	return ret ? ret : set_value(ctl, argv[0], "soft-switch", argv[0]);
}

/* ---- reset, clear -------------------------------------------------------- */

/* Write "1" to @file; with @show, print the settings in force after. */
static int action_cmd(struct bmsctl *ctl, int argc, char **argv, const char *file,
		      bool show)
{
	int ret, first;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;	/* --help, or a usage error */
	ret = check_operands(argv[0], argc - first, 0, 0);
	if (!ret)
		ret = device_open(ctl);
	if (!ret)
		ret = attr_write(ctl->battery, file, "1");
	if (!ret && show)
		ret = print_all(ctl);
	return ret;
}

/* Reset shows the factory settings now in force. */
int cmd_reset(struct bmsctl *ctl, int argc, char **argv)
{
	return action_cmd(ctl, argc, argv, "reset", true);
}

int cmd_clear(struct bmsctl *ctl, int argc, char **argv)
{
	return action_cmd(ctl, argc, argv, "clear", false);
}

/* ---- save, load ------------------------------------------------------------ */

/*
 * Where to write @path: the file a symbolic link points to (replacing the
 * link by a file would cut it off), else @path itself.
 */
static int save_target(const char *path, char *target, size_t size)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) || !S_ISLNK(st.st_mode)) {
		if (snprintf(target, size, "%s", path) >= (int)size)
			return errmsg(EXIT_RUNTIME, "%s: %s", path, strerror(ENAMETOOLONG));
		return 0;
	}
	real = realpath(path, NULL);
	if (!real)
		return errmsg(EXIT_RUNTIME, "cannot resolve the link %s: %s", path,
			      strerror(errno));
	if (snprintf(target, size, "%s", real) >= (int)size) {
		free(real);
		return errmsg(EXIT_RUNTIME, "%s: %s", path, strerror(ENAMETOOLONG));
	}
	free(real);
	return 0;
}

int cmd_save(struct bmsctl *ctl, int argc, char **argv)
{
	char values[NUM_SETTINGS][VALUE_MAX], target[PATH_MAX], tmp[PATH_MAX + 8];
	const char *path;
	int ret, first, fd = -1;
	FILE *f;
	size_t i;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 1, 1);
	if (!ret)
		ret = device_open(ctl);
	for (i = 0; !ret && i < NUM_SETTINGS; i++)
		ret = setting_read(ctl, &settings[i], values[i], sizeof(values[i]));
	if (ret)
		return ret;

	/* A new file replaces the old one whole, or not at all. */
	path = argv[first];
	if (!strcmp(path, "-")) {
		f = stdout;
	} else {
		mode_t mask;

		ret = save_target(path, target, sizeof(target));
		if (ret)
			return ret;
		snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target);
		fd = mkstemp(tmp);
		if (fd < 0)
			return errmsg(EXIT_RUNTIME, "cannot create %s: %s", tmp, strerror(errno));
		/* mkstemp makes it 0600: give it the mode a new file gets. */
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w"))) {
			ret = errno;
			close(fd);
			unlink(tmp);
			return errmsg(EXIT_RUNTIME, "%s: %s", tmp, strerror(ret));
		}
	}

	fprintf(f, "# Settings of the Smart BMS \"%s\", saved by bmsctl.\n"
		"# Load them with: bmsctl --device %s load FILE\n"
		"%s %d\n", ctl->name, ctl->name, BMSCTL_FILE_MAGIC, BMSCTL_FILE_VERSION);
	for (i = 0; i < NUM_SETTINGS; i++)
		fprintf(f, "%s = %s\n", settings[i].name, values[i]);

	if (f == stdout)
		return stdout_check();
	if (ferror(f) || fflush(f) || fsync(fd)) {
		ret = errno ? errno : EIO;
		fclose(f);
		unlink(tmp);
		return errmsg(EXIT_RUNTIME, "cannot write %s: %s", target, strerror(ret));
	}
	if (fclose(f) || rename(tmp, target)) {
		ret = errno;
		unlink(tmp);
		return errmsg(EXIT_RUNTIME, "cannot write %s: %s", target, strerror(ret));
	}
	return EXIT_OK;
}

/* Trim leading and trailing white space in place. */
static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Read a settings file whole; on the first error, say which line and why.
 * @raw gets the values for the files, @given which settings the file sets
 * (on which line, from 1).  Returns 0, EXIT_USAGE for a bad line (the file
 * is wrong) or EXIT_RUNTIME when the file cannot be read.
 */
static int load_parse(FILE *f, const char *path, char raw[][VALUE_MAX], unsigned int *given)
{
	char line[LINE_MAX_LEN + 2], where[PATH_MAX + 32];
	bool have_version = false;
	unsigned int lineno = 0;
	const struct setting *s;
	char *eq, *name;

	while (fgets(line, sizeof(line), f)) {
		char *p;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
		if (!strchr(line, '\n') && !feof(f))
			return errmsg(EXIT_USAGE, "%sline longer than %d characters", where,
				      LINE_MAX_LEN);
		p = trim(line);
		if (!*p || *p == '#')
			continue;
		if (!have_version) {
			/* "MAGIC VERSION": strtol, as sscanf's %d overflows. */
			const size_t n = strlen(BMSCTL_FILE_MAGIC);
			char *end = p;
			long v = 0;

			if (!strncmp(p, BMSCTL_FILE_MAGIC, n) && isspace((unsigned char)p[n])) {
				errno = 0;
				v = strtol(p + n, &end, 10);
				if (errno || end == p + n || *end)
					end = p;
			}
			if (end == p)
				return errmsg(EXIT_USAGE,
					      "%snot a bmsctl settings file: expected '%s %d' first",
					      where, BMSCTL_FILE_MAGIC, BMSCTL_FILE_VERSION);
			if (v != BMSCTL_FILE_VERSION)
				return errmsg(EXIT_USAGE,
					      "%sversion %ld of the settings file is not supported (this bmsctl reads version %d)",
					      where, v, BMSCTL_FILE_VERSION);
			have_version = true;
			continue;
		}
		eq = strchr(p, '=');
		if (!eq)
			return errmsg(EXIT_USAGE, "%sexpected 'name = value', got '%s'", where,
				      p);
		*eq = '\0';
		name = trim(p);
		s = setting_find(name);
		if (!s)
			return errmsg(EXIT_USAGE, "%sunknown setting '%s'", where, name);
		if (given[s - settings])
			return errmsg(EXIT_USAGE, "%s%s is set twice", where, name);
		if (setting_parse(s, trim(eq + 1), raw[s - settings], VALUE_MAX, where, true))
			return EXIT_USAGE;
		given[s - settings] = lineno;
	}
	if (ferror(f))
		return errmsg(EXIT_RUNTIME, "cannot read %s: %s", path, strerror(errno));
	if (!have_version)
		return errmsg(EXIT_USAGE, "%s: not a bmsctl settings file: no '%s %d' line", path,
			      BMSCTL_FILE_MAGIC, BMSCTL_FILE_VERSION);
	return 0;
}

/* The value in the file of each setting, as the device holds it. */
static int read_raw_all(const struct bmsctl *ctl, char raw[][VALUE_MAX])
{
	char value[VALUE_MAX];
	size_t i;

	for (i = 0; i < NUM_SETTINGS; i++) {
		/* Read through the table: an unexpected value is refused here. */
		int ret = setting_read(ctl, &settings[i], value, sizeof(value));
		if (ret)
			return ret;
		ret = attr_read(ctl->battery, settings[i].file, raw[i], VALUE_MAX);
		if (ret < 0)
			return errmsg(EXIT_RUNTIME, "cannot read %s/%s: %s", ctl->battery,
				      settings[i].file, strerror(-ret));
	}
	return 0;
}

/*
 * Put the settings back as @old has them after a load failed part-way;
 * @written: the settings the load wrote.  A setting that was never set
 * (an unset fuse) cannot be written back: the factory reset brings it
 * back, then every other setting the reset changed is written again.
 * Returns 0 if all of them are back.
 */
static int load_rollback(const struct bmsctl *ctl, char old[][VALUE_MAX], const bool *written)
{
	bool reset = false;
	size_t i;
	int ret = 0;

	for (i = 0; i < NUM_SETTINGS; i++)
		if (written[i] && settings[i].unset && !strcmp(old[i], settings[i].unset))
			reset = true;
	if (reset && attr_write(ctl->battery, "reset", "1"))
		return EXIT_RUNTIME;
	for (i = 0; i < NUM_SETTINGS; i++) {
		char now[VALUE_MAX];

		if (settings[i].unset && !strcmp(old[i], settings[i].unset))
			continue;
		/* After the reset, each setting the reset changed. */
		if (!written[i] && (!reset || (attr_read(ctl->battery, settings[i].file, now,
							  sizeof(now)) >= 0 &&
					       !strcmp(now, old[i]))))
			continue;
		if (attr_write(ctl->battery, settings[i].file, old[i]))
			ret = EXIT_RUNTIME;
	}
	return ret;
}

struct load_opts {
	bool missing_ok;
};

enum { OPT_MISSING_OK = 256 };

static int load_option(void *data, int opt, const char *arg)
{
	struct load_opts *o = data;

	(void)arg;
	if (opt != OPT_MISSING_OK)
		return EXIT_USAGE;
	o->missing_ok = true;
	return 0;
}

int cmd_load(struct bmsctl *ctl, int argc, char **argv)
{
	static const struct cmd_option opts[] = {
		{ "missing-ok", no_argument, OPT_MISSING_OK },
		{ NULL, 0, 0 },
	};
	char raw[NUM_SETTINGS][VALUE_MAX], old[NUM_SETTINGS][VALUE_MAX];
	unsigned int given[NUM_SETTINGS] = { 0 };
	bool written[NUM_SETTINGS] = { false };
	struct load_opts o = { false };
	const char *path;
	int ret, first;
	FILE *f;
	size_t i;

	ret = parse_options(ctl, argc, argv, opts, load_option, &o, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 1, 1);
	if (ret)
		return ret;

	path = argv[first];
	if (!strcmp(path, "-")) {
		f = stdin;
		path = "standard input";
	} else {
		f = fopen(path, "re");
		if (!f && errno == ENOENT && o.missing_ok)
			return EXIT_OK;
		if (!f)
			return errmsg(EXIT_RUNTIME, "cannot open %s: %s", path, strerror(errno));
	}
	ret = load_parse(f, path, raw, given);
	if (f != stdin)
		fclose(f);
	if (ret)
		return errmsg(ret, "%s: nothing was written", path);

	/* The settings as they are, to put them back if a write fails. */
	ret = device_open(ctl);
	if (!ret)
		ret = read_raw_all(ctl, old);
	if (ret)
		return errmsg(ret, "%s: nothing was written", path);

	/* An unset setting is left alone; it cannot be unset once set. */
	for (i = 0; i < NUM_SETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (given[i] && s->unset && !strcmp(raw[i], s->unset)) {
			if (strcmp(old[i], s->unset) != 0)
				return errmsg(EXIT_USAGE,
					      "%s:%u: %s = %s, but it is %s on the device and only 'bmsctl reset' unsets it: nothing was written",
					      path, given[i], s->name, s->unset, old[i]);
			given[i] = 0;
		}
	}

	for (i = 0; i < NUM_SETTINGS; i++) {
		if (!given[i])
			continue;
		ret = attr_write(ctl->battery, settings[i].file, raw[i]);
		if (ret)
			break;
		written[i] = true;
	}
	if (ret) {
		if (load_rollback(ctl, old, written))
			return errmsg(EXIT_RUNTIME,
				      "%s: loading %s failed, and so did putting back the settings as they were: the device is partly loaded (see bmsctl list)",
				      path, settings[i].name);
		return errmsg(EXIT_RUNTIME,
			      "%s: loading %s failed: the settings written before it were put back as they were",
			      path, settings[i].name);
	}
	return print_all(ctl);
}
