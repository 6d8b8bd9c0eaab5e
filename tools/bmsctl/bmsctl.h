/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bmsctl: configure, monitor and diagnose a Smart BMS 12-200 class battery
 * management system driven by the smartbms driver, through sysfs.
 */
#ifndef BMSCTL_H
#define BMSCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define BMSCTL_COMPATIBLE	"victron,smart-bms-12-200"
#define BMSCTL_FILE_MAGIC	"bmsctl-settings"
#define BMSCTL_FILE_VERSION	1

/* Exit codes. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

/* Longest value a sysfs attribute of the driver holds (one page). */
#define ATTR_MAX	4096
#define NAME_MAX_LEN	64

/**
 * struct bmsctl - the one configuration of a run
 * @sysfs_root: where sysfs is mounted (default /sys)
 * @device: the BMS asked for with --device, or NULL for the only one
 * @name: the BMS in use (its platform device name)
 * @battery: its battery supply's directory
 * @alternator: its alternator supply's directory
 * @hwmon: its hwmon device's directory, "" when it has none
 * @hwmon_system: the file of its System+ voltage there, "" when none
 * @hwmon_temp: the file of its temperature there, "" when none
 * @json: machine-readable output
 */
struct bmsctl {
	const char *sysfs_root;
	const char *device;
	char name[NAME_MAX_LEN];
	char battery[PATH_MAX];
	char alternator[PATH_MAX];
	char hwmon[PATH_MAX];
	char hwmon_system[32];
	char hwmon_temp[32];
	bool json;
};

/* Diagnostics: "bmsctl: <message>" on stderr; each returns its exit code. */
int errmsg(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* device.c */
int device_open(struct bmsctl *ctl);
int attr_path(char *path, size_t size, const char *dir, const char *attr);
int attr_read(const char *dir, const char *attr, char *buf, size_t size);
int attr_read_or_die(const char *dir, const char *attr, char *buf, size_t size,
		     bool *nodata);
int attr_write(const char *dir, const char *attr, const char *value);

/* settings.c */
struct setting;
const struct setting *setting_find(const char *name);
const char *setting_file(size_t i);
int cmd_list(struct bmsctl *ctl, int argc, char **argv);
int cmd_get(struct bmsctl *ctl, int argc, char **argv);
int cmd_set(struct bmsctl *ctl, int argc, char **argv);
int cmd_save(struct bmsctl *ctl, int argc, char **argv);
int cmd_load(struct bmsctl *ctl, int argc, char **argv);
int cmd_reset(struct bmsctl *ctl, int argc, char **argv);
int cmd_clear(struct bmsctl *ctl, int argc, char **argv);
int cmd_switch(struct bmsctl *ctl, int argc, char **argv);

/* status.c */
int cmd_status(struct bmsctl *ctl, int argc, char **argv);
int cmd_monitor(struct bmsctl *ctl, int argc, char **argv);

/* codes.c */
struct code {
	const char *code;
	const char *kind;
	const char *text;
	const char *meaning;
	const char *const *remedy;
};

const struct code *code_find(const char *name);
int cmd_explain(struct bmsctl *ctl, int argc, char **argv);

/* main.c: each command's option parsing, with the options every one takes. */
struct cmd_option {
	const char *name;
	int has_arg;
	int val;
};

/* Returns -1 to go on (*first: the first operand), else the exit code. */
int parse_options(struct bmsctl *ctl, int argc, char **argv,
		  const struct cmd_option *opts,
		  int (*handle)(void *data, int opt, const char *arg), void *data,
		  int *first);
int check_operands(const char *cmd, int have, int min, int max);
void json_string(FILE *f, const char *s);
int stdout_check(void);

#endif /* BMSCTL_H */
