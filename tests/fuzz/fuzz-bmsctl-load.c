// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: `bmsctl load FILE`, through cmd_load() of bmsctl.h,
 * against a fake sysfs tree (plain files, as tests/bmsctl/ lays them out)
 * in a private directory under $TMPDIR (default /dev/shm, else /tmp).
 *
 * Data: the first byte sets the device's settings before the load and
 * which setting's file refuses to be written (the driver refusing a value:
 * open() fails for it); the rest is the settings file.
 *
 * Every open() bmsctl makes is watched (the harness is linked with
 * -Wl,--wrap=open).  Invariants (each violation aborts):
 *  - bmsctl opens for writing only the settings files and "reset" of the
 *    BMS under the sysfs root it was given: never anything outside it;
 *  - a file whose first line that counts does not say "bmsctl-settings 1",
 *    the version read whole, is rejected (sscanf's %d once read
 *    "bmsctl-settings 4294967297" as version 1);
 *  - a file that is rejected writes nothing, and the tree stays as it was;
 *  - a load that fails part-way (a refused write) puts every setting back
 *    as it was; a fuse that was never set is put back with the factory
 *    reset ("reset" written 1), which a fake tree cannot carry out;
 *  - a load that succeeds leaves values that `bmsctl save` reads back, and
 *    loading the saved file on the same starting tree gives the same tree
 *    (save and load are each other's inverse);
 *  - no crash, no sanitizer report (ASan, UBSan) on any file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmsctl.h"
#include "fuzz.h"

#define NFILES	7	/* the six settings in load's order, and reset */
#define VAL_MAX	128

static const char *const files[NFILES] = {
	"fuse_rating", "prealarm_usage", "prealarm_output", "charge_limit",
	"remote_function", "soft_switch", "reset",
};

static char base[PATH_MAX], root[PATH_MAX], battery[PATH_MAX];
static char conf[PATH_MAX], saved[PATH_MAX];

/* What the watched open() saw during a load. */
static struct {
	bool on;
	int refuse;		/* index in files[] whose writes fail, or -1 */
	int writes;		/* opens for writing */
	bool refused;		/* one was refused */
	bool outside;		/* one was not a file of the BMS */
} watch;

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	size_t blen = strlen(battery);
	int i;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (watch.on && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))) {
		watch.writes++;
		for (i = 0; i < NFILES; i++)
			if (!strncmp(path, battery, blen) && path[blen] == '/' &&
			    !strcmp(path + blen + 1, files[i]))
				break;
		if (i == NFILES) {
			watch.outside = true;
			fprintf(fuzz_report(), "bmsctl opened %s for writing\n", path);
			errno = EACCES;
			return -1;
		}
		if (i == watch.refuse) {
			watch.refused = true;
			errno = EINVAL;
			return -1;
		}
	}
	return __real_open(path, flags, mode);
}

static void put(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	FUZZ_ASSERT(f && fwrite(buf, 1, len, f) == len && !fclose(f));
}

static void put_str(const char *dir, const char *name, const char *s)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put(path, s, strlen(s));
}

static void mkdirs(const char *path)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FUZZ_ASSERT(!mkdir(p, 0755) || errno == EEXIST);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* The private directory goes when the fuzzer stops (not after a crash). */
static void cleanup(void)
{
	nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The tree: one BMS "bms", found through class/power_supply as in sysfs. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char dev[PATH_MAX], path[PATH_MAX];
	FILE *null;

	(void)argc;
	(void)argv;
	fuzz_report();
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(base, sizeof(base), "%s/fuzz-bmsctl-load.XXXXXX", tmp);
	FUZZ_ASSERT(mkdtemp(base));
	atexit(cleanup);
	snprintf(root, sizeof(root), "%s/sys", base);
	snprintf(dev, sizeof(dev), "%s/devices/platform/bms", root);
	snprintf(battery, sizeof(battery), "%s/class/power_supply/bms-battery", root);
	snprintf(conf, sizeof(conf), "%s/in.conf", base);
	snprintf(saved, sizeof(saved), "%s/saved.conf", base);

	snprintf(path, sizeof(path), "%s/of_node", dev);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/of_node/compatible", dev);
	put(path, BMSCTL_COMPATIBLE, sizeof(BMSCTL_COMPATIBLE));
	snprintf(path, sizeof(path), "%s/power_supply/bms-battery", dev);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/power_supply/bms-alternator", dev);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/power_supply/bms-battery/device", dev);
	FUZZ_ASSERT(!symlink("../..", path));
	snprintf(path, sizeof(path), "%s/class/power_supply", root);
	mkdirs(path);
	FUZZ_ASSERT(!symlink("../../devices/platform/bms/power_supply/bms-battery", battery));
	snprintf(path, sizeof(path), "%s/class/power_supply/bms-alternator", root);
	FUZZ_ASSERT(!symlink("../../devices/platform/bms/power_supply/bms-alternator", path));

	/* bmsctl says what it did and why it refused: not here, thousands of times. */
	null = fopen("/dev/null", "w");
	if (null) {
		stdout = null;
		stderr = null;
	}
	return 0;
}

/* The device's settings before the load, from @cfg. */
static void tree_init(uint8_t cfg)
{
	put_str(battery, files[0], cfg & 0x01 ? "not-set\n" : "100A\n");
	put_str(battery, files[1], cfg & 0x10 ? "not-available\n" : "use\n");
	put_str(battery, files[2], cfg & 0x20 ? "intermittent\n" : "continuous\n");
	put_str(battery, files[3], cfg & 0x40 ? "13500000\n" : "14200000\n");
	put_str(battery, files[4], cfg & 0x80 ? "everything\n" : "alternator-and-system\n");
	put_str(battery, files[5], "on\n");
	put_str(battery, files[6], "");
}

static void tree_read(char vals[NFILES][VAL_MAX])
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;
	int i;

	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", battery, files[i]);
		f = fopen(path, "r");
		FUZZ_ASSERT(f);
		n = fread(vals[i], 1, VAL_MAX - 1, f);
		vals[i][n] = '\0';
		fclose(f);
	}
}

/*
 * Does the file's first line that is neither blank nor a comment say
 * "bmsctl-settings 1", the version whole (not wrapped, not past long)?
 * -1 where the file is no plain text this oracle reads (a NUL, a long line).
 */
static int version_one(const uint8_t *d, size_t n)
{
	char line[200], *p, *end;
	size_t len;
	long v;

	while (n) {
		const uint8_t *nl = memchr(d, '\n', n);

		len = nl ? (size_t)(nl - d) : n;
		if (len >= sizeof(line) || memchr(d, '\0', len))
			return -1;
		memcpy(line, d, len);
		line[len] = '\0';
		d += nl ? len + 1 : len;
		n -= nl ? len + 1 : len;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		len = strlen(BMSCTL_FILE_MAGIC);
		if (strncmp(p, BMSCTL_FILE_MAGIC, len) || !isspace((unsigned char)p[len]))
			return 0;
		errno = 0;
		v = strtol(p + len, &end, 10);
		return !errno && end != p + len && !*end && v == 1;
	}
	return 0;
}

static int load(const char *path, int refuse)
{
	char *argv[] = { (char *)"load", (char *)path, NULL };
	struct bmsctl ctl = { .sysfs_root = root };
	int ret;

	watch.on = true;
	watch.refuse = refuse;
	watch.writes = 0;
	watch.refused = false;
	ret = cmd_load(&ctl, 2, argv);
	watch.on = false;
	FUZZ_ASSERT(!watch.outside);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char before[NFILES][VAL_MAX], after[NFILES][VAL_MAX], again[NFILES][VAL_MAX];
	char *argv[] = { (char *)"save", saved, NULL };
	struct bmsctl ctl = { .sysfs_root = root };
	int refuse, ret, i;
	uint8_t cfg;

	if (!size)
		return 0;
	cfg = data[0];
	refuse = (cfg >> 1) & 7;	/* 6 and 7: no file refuses */
	if (refuse >= 6)
		refuse = -1;
	tree_init(cfg);
	tree_read(before);
	put(conf, data + 1, size - 1);

	ret = load(conf, refuse);
	tree_read(after);
	FUZZ_ASSERT(ret == EXIT_OK || ret == EXIT_RUNTIME || ret == EXIT_USAGE);
	/* A file of another version (or none) is refused, however it is written. */
	if (!version_one(data + 1, size - 1))
		FUZZ_ASSERT(ret != EXIT_OK);
	/* A bad line (exit 2) is found before anything is written. */
	if (ret == EXIT_USAGE)
		FUZZ_ASSERT(!watch.refused && watch.writes == 0);

	if (ret != EXIT_OK && !watch.refused) {
		/* Rejected: nothing written. */
		FUZZ_ASSERT(watch.writes == 0);
		for (i = 0; i < NFILES; i++)
			FUZZ_ASSERT(!strcmp(before[i], after[i]));
		return 0;
	}
	if (ret != EXIT_OK) {
		/* Failed part-way: put back, the unset fuse through reset. */
		bool unset = !strcmp(before[0], "not-set\n");
		bool reset = !strcmp(after[6], "1\n");

		FUZZ_ASSERT(reset == (unset && strcmp(after[0], before[0])));
		for (i = unset ? 1 : 0; i < NFILES - 1; i++)
			FUZZ_ASSERT(!strcmp(before[i], after[i]));
		return 0;
	}
	FUZZ_ASSERT(!watch.refused);
	FUZZ_ASSERT(!strcmp(after[6], before[6]));

	/* Loaded: save reads it back, and the saved file loads to the same tree. */
	FUZZ_ASSERT(cmd_save(&ctl, 2, argv) == EXIT_OK);
	tree_init(cfg);
	FUZZ_ASSERT(load(saved, -1) == EXIT_OK);
	tree_read(again);
	for (i = 0; i < NFILES; i++)
		FUZZ_ASSERT(!strcmp(after[i], again[i]));
	return 0;
}
