// SPDX-License-Identifier: GPL-2.0
/*
 * bmsctl: the error, alarm and warning codes of manual Appendix B, what
 * they mean and what to do about them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bmsctl.h"

static const char *const remedy_replace[] = {
	"This cannot be put right by the user: the BMS has to be replaced.",
	"Contact the dealer or installer.",
	NULL
};

static const char *const remedy_e_b31[] = {
	"Restore the factory settings: bmsctl reset.",
	"Disconnect all power from the BMS, wait 3 minutes, then reconnect it.",
	"Set it up again (fuse, pre-alarm, charge limit, remote function), or load a saved settings file: bmsctl load FILE.",
	NULL
};

static const char *const remedy_e_b32[] = {
	"Check that the battery's BMS cables (M8 connectors) are plugged in and undamaged.",
	"If the cables are sound, check whether the battery has a pre-alarm line; if it has not: bmsctl set prealarm-usage not-available.",
	NULL
};

static const char *const remedy_a_a12[] = {
	"Look for a short circuit on System+.",
	"Check that the loads together draw no more than the BMS is rated for.",
	"Check for loose or high-resistance connections and cables too thin for the current.",
	"The port retries after 10 s; after 3 trips within a minute it stays off until the soft switch or remote input is cycled, or: bmsctl clear.",
	NULL
};

static const char *const remedy_undervoltage[] = {
	"Switch off or disconnect the loads and recharge the battery.",
	"Check that the charging system and the battery work as they should.",
	NULL
};

static const char *const remedy_a_b15[] = {
	"Check that the fuse setting matches the fuse fitted: bmsctl get fuse.",
	"Check for loose or high-resistance connections and cables too thin for the current.",
	"Move the BMS away from heat sources, somewhere cooler, or cool it actively.",
	NULL
};

/* In the order the driver reports them. */
static const struct code codes[] = {
	{ "E-B30", "error", "calibration failure",
	  "The BMS's calibration data is missing or corrupt: its measurements cannot be trusted, so the alternator port, System+ charging and the charge disconnect stay off.",
	  remedy_replace },
	{ "E-B31", "error", "configuration failure",
	  "Neither copy of the stored settings is valid (both journal slots are blank or corrupt: a single bad copy, such as a save cut by a power loss, falls back to the other without this code); the factory settings apply until the settings are saved again.",
	  remedy_e_b31 },
	{ "E-B32", "error", "battery BMS cable not connected or faulty",
	  "The battery's allow-to-charge and allow-to-discharge lines have both been off for a minute at a normal battery voltage, or the battery signals a pre-alarm while its voltage is clearly above the pre-alarm level: a detached or broken cable, or pre-alarm usage enabled with a battery that has no pre-alarm.",
	  remedy_e_b32 },
	{ "E-B33", "error", "reference voltage failure",
	  "The internal reference voltage is out of tolerance or the measurements cannot be read: the alternator port, System+ charging and the charge disconnect stay off.",
	  remedy_replace },
	{ "A-A12", "alarm", "short circuit",
	  "The System+ over-current protection opened the port: a short circuit, an overload or too large an inrush current.",
	  remedy_a_a12 },
	{ "A-B11", "alarm", "under-voltage",
	  "The battery does not allow discharging: the System+ discharge and the load disconnect are off.",
	  remedy_undervoltage },
	{ "A-B15", "alarm", "over-temperature",
	  "The BMS is too hot: at 85 °C the alternator port, System+ charging and the charge disconnect stop, at 95 °C System+ discharging too.",
	  remedy_a_b15 },
	{ "W-B12", "warning", "under-voltage warning",
	  "The pre-alarm is on: the battery is close to under-voltage and discharging will be stopped soon. Act now to avoid the shutdown.",
	  remedy_undervoltage },
};

#define NUM_CODES	(sizeof(codes) / sizeof(codes[0]))

/* "E-B31", "e-b31", "EB31" and "eb31" are the same code. */
const struct code *code_find(const char *name)
{
	size_t i;

	for (i = 0; i < NUM_CODES; i++) {
		const char *a = name, *b = codes[i].code;

		while (*a && *b) {
			if (*b == '-' && *a != '-') {
				b++;
				continue;
			}
			if (toupper((unsigned char)*a) != *b)
				break;
			a++;
			b++;
		}
		if (!*a && !*b)
			return &codes[i];
	}
	return NULL;
}

static void explain(const struct code *c)
{
	const char *const *r;
	int n = 1;

	printf("%s (%s): %s\n  %s\n", c->code, c->kind, c->text, c->meaning);
	printf("  What to do:\n");
	for (r = c->remedy; *r; r++)
		printf("  %d. %s\n", n++, *r);
}

int cmd_explain(struct bmsctl *ctl, int argc, char **argv)
{
	int ret, first;
	size_t i;

	ret = parse_options(ctl, argc, argv, NULL, NULL, NULL, &first);
	if (ret >= 0)
		return ret;
	ret = check_operands(argv[0], argc - first, 0, 1);
	if (ret)
		return ret;
	if (first < argc) {
		const struct code *c = code_find(argv[first]);

		if (!c) {
			char known[NUM_CODES * 8] = "";

			for (i = 0; i < NUM_CODES; i++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 i ? " " : "", codes[i].code);
			return usage_error(argv[0], "unknown code '%s' (codes: %s)", argv[first],
					   known);
		}
		explain(c);
		return EXIT_OK;
	}
	for (i = 0; i < NUM_CODES; i++) {
		if (i)
			putchar('\n');
		explain(&codes[i]);
	}
	return EXIT_OK;
}
