// SPDX-License-Identifier: GPL-2.0
/*
 * bmsctl: finding the BMS in sysfs and reading and writing its files.
 *
 * A BMS is a power supply "<name>-battery" whose device's devicetree node
 * is compatible with victron,smart-bms-12-200; its alternator input is the
 * power supply "<name>-alternator" and its hwmon device, named "smartbms",
 * hangs off the same device.  Every path starts at ctl->sysfs_root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmsctl.h"

#define SUPPLY_SUFFIX	"-battery"
#define MAX_DEVICES	16

int attr_path(char *path, size_t size, const char *dir, const char *attr)
{
	int n = snprintf(path, size, "%s/%s", dir, attr);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Read a file of at most @size - 1 bytes, without its trailing newline.
 * Returns its length or -errno (-ENODATA: the driver has no value now,
 * -EOVERFLOW: the value does not fit: it is not one bmsctl knows).
 */
static int file_read(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A sysfs attribute comes in one read; a plain file may take more. */
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			err = errno;
			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* Full: only the newline may be left. */
	if (len == size - 1) {
		char extra[2];

		do
			n = read(fd, extra, sizeof(extra));
		while (n < 0 && errno == EINTR);
		if (n > 1 || (n == 1 && extra[0] != '\n')) {
			close(fd);
			return -EOVERFLOW;
		}
	}
	close(fd);
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int attr_read(const char *dir, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	int ret;

	ret = attr_path(path, sizeof(path), dir, attr);
	return ret ? ret : file_read(path, buf, size);
}

/*
 * Read a file of the device, or say why it cannot be read.  With @nodata,
 * a value the driver does not have (ENODATA) is not an error: *@nodata
 * says so and @buf is empty.  Returns 0 or EXIT_RUNTIME.
 */
int attr_read_or_die(const char *dir, const char *attr, char *buf, size_t size,
		     bool *nodata)
{
	int ret = attr_read(dir, attr, buf, size);

	if (nodata)
		*nodata = ret == -ENODATA;
	if (ret >= 0 || (nodata && ret == -ENODATA)) {
		if (ret < 0)
			buf[0] = '\0';
		return 0;
	}
	return errmsg(EXIT_RUNTIME, "cannot read %s/%s: %s", dir, attr, strerror(-ret));
}

/* Write @value and a newline in one write(), as `echo VALUE >FILE` does. */
int attr_write(const char *dir, const char *attr, const char *value)
{
	char path[PATH_MAX], buf[ATTR_MAX];
	int fd, len, err = 0;
	ssize_t n;

	len = snprintf(buf, sizeof(buf), "%s\n", value);
	if (attr_path(path, sizeof(path), dir, attr) || len < 0 || (size_t)len >= sizeof(buf))
		return errmsg(EXIT_RUNTIME, "%s/%s: %s", dir, attr, strerror(ENAMETOOLONG));

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return errmsg(EXIT_RUNTIME, "cannot write %s: %s", path, strerror(errno));
	n = write(fd, buf, (size_t)len);
	if (n < 0)
		err = errno;
	else if (n != len)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	if (err)
		return errmsg(EXIT_RUNTIME, "cannot write '%s' to %s: %s", value, path,
			      strerror(err));
	return 0;
}

/* Is the power supply @entry (a "<name>-battery") a BMS of ours? */
static bool is_bms(const char *class_dir, const char *entry)
{
	char dir[PATH_MAX], compat[ATTR_MAX];
	const char *p;
	int len;

	len = snprintf(dir, sizeof(dir), "%s/%s/device/of_node", class_dir, entry);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return false;
	len = attr_read(dir, "compatible", compat, sizeof(compat));
	if (len <= 0)
		return false;
	/* A list of NUL-terminated strings. */
	for (p = compat; p < compat + len; p += strlen(p) + 1)
		if (!strcmp(p, BMSCTL_COMPATIBLE))
			return true;
	return false;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The names of the BMSes under @class_dir, sorted; returns how many,
 * -E2BIG if there are more than @max, or -errno.
 */
static int find_devices(const char *class_dir, char names[][NAME_MAX_LEN], int max)
{
	size_t sl = strlen(SUPPLY_SUFFIX);
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(class_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= sl || len - sl >= NAME_MAX_LEN ||
		    strcmp(de->d_name + len - sl, SUPPLY_SUFFIX) != 0 ||
		    !is_bms(class_dir, de->d_name))
			continue;
		if (n == max) {
			closedir(d);
			return -E2BIG;
		}
		memcpy(names[n], de->d_name, len - sl);
		names[n][len - sl] = '\0';
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, NAME_MAX_LEN, compare_names);
	return n;
}

static void join_names(char *out, size_t size, char names[][NAME_MAX_LEN], int n)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		int w = snprintf(out + len, size - len, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int hwmon_find(const struct bmsctl *ctl, const char *type, const char *label,
		      char *attr, size_t size);

/* The BMS's hwmon device: the one named "smartbms" under its device. */
static void find_hwmon(struct bmsctl *ctl)
{
	char dir[PATH_MAX], sub[PATH_MAX], name[NAME_MAX_LEN];
	struct dirent *de;
	DIR *d;

	ctl->hwmon[0] = '\0';
	if (attr_path(dir, sizeof(dir), ctl->battery, "device/hwmon"))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "hwmon", 5) != 0 ||
		    attr_path(sub, sizeof(sub), dir, de->d_name) ||
		    attr_read(sub, "name", name, sizeof(name)) < 0 ||
		    strcmp(name, "smartbms") != 0)
			continue;
		snprintf(ctl->hwmon, sizeof(ctl->hwmon), "%s", sub);
		break;
	}
	closedir(d);
}

/*
 * Choose the BMS: the one --device names (with or without its "-battery"
 * suffix), else the only one there is.
 */
int device_open(struct bmsctl *ctl)
{
	char names[MAX_DEVICES][NAME_MAX_LEN], class_dir[PATH_MAX], list[1024];
	const char *want = ctl->device;
	int n, i;

	if (attr_path(class_dir, sizeof(class_dir), ctl->sysfs_root, "class/power_supply"))
		return errmsg(EXIT_RUNTIME, "%s: %s", ctl->sysfs_root, strerror(ENAMETOOLONG));
	n = find_devices(class_dir, names, MAX_DEVICES);
	if (n == -E2BIG)
		return errmsg(EXIT_RUNTIME, "more than %d BMSes in %s: bmsctl handles %d at most",
			      MAX_DEVICES, class_dir, MAX_DEVICES);
	if (n < 0)
		return errmsg(EXIT_RUNTIME, "cannot read %s: %s", class_dir, strerror(-n));
	join_names(list, sizeof(list), names, n);

	if (want) {
		size_t wlen = strlen(want);

		if (wlen > strlen(SUPPLY_SUFFIX) &&
		    !strcmp(want + wlen - strlen(SUPPLY_SUFFIX), SUPPLY_SUFFIX))
			wlen -= strlen(SUPPLY_SUFFIX);
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == wlen && !strncmp(names[i], want, wlen))
				break;
		if (i == n)
			return errmsg(EXIT_RUNTIME, "no BMS named '%s' in %s (%s%s)", want,
				      class_dir, n ? "found: " : "found none", list);
	} else if (n == 0) {
		return errmsg(EXIT_RUNTIME,
			      "no BMS in %s: no power supply of a %s device (is the smartbms driver loaded?)",
			      class_dir, BMSCTL_COMPATIBLE);
	} else if (n > 1) {
		return usage_error(NULL, "%d BMSes in %s (%s): choose one with --device", n,
				   class_dir, list);
	} else {
		i = 0;
	}

	memcpy(ctl->name, names[i], sizeof(ctl->name));
	if (snprintf(ctl->battery, sizeof(ctl->battery), "%s/%s-battery", class_dir,
		     ctl->name) >= (int)sizeof(ctl->battery) ||
	    snprintf(ctl->alternator, sizeof(ctl->alternator), "%s/%s-alternator", class_dir,
		     ctl->name) >= (int)sizeof(ctl->alternator))
		return errmsg(EXIT_RUNTIME, "%s: %s", class_dir, strerror(ENAMETOOLONG));
	find_hwmon(ctl);
	/* The channels, by label, once: "" where there is none. */
	if (hwmon_find(ctl, "in", "system", ctl->hwmon_system, sizeof(ctl->hwmon_system)))
		ctl->hwmon_system[0] = '\0';
	if (hwmon_find(ctl, "temp", "bms", ctl->hwmon_temp, sizeof(ctl->hwmon_temp)))
		ctl->hwmon_temp[0] = '\0';
	return 0;
}

/*
 * The hwmon file "<type><n>_input" whose "<type><n>_label" is @label (hwmon
 * channels are numbered from 0 or 1 depending on the type: go by label).
 */
static int hwmon_find(const struct bmsctl *ctl, const char *type, const char *label,
		      char *attr, size_t size)
{
	char name[64], value[NAME_MAX_LEN];
	int i;

	if (!ctl->hwmon[0])
		return -ENOENT;
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "%s%d_label", type, i);
		if (attr_read(ctl->hwmon, name, value, sizeof(value)) < 0 ||
		    strcmp(value, label) != 0)
			continue;
		if (snprintf(attr, size, "%s%d_input", type, i) >= (int)size)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}
