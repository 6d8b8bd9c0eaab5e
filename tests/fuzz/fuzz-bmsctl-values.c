// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: bmsctl's value parsers, what `bmsctl set NAME VALUE`
 * and each line of `bmsctl load` go through.  They are static in
 * tools/bmsctl/settings.c, so this file includes it: the real code, with
 * its table of settings.
 *
 * Data: the first byte chooses the setting, the rest is the value as typed
 * (up to a settings file's line).  Invariants (each violation aborts):
 *  - a parser returns 0, -EINVAL or -ERANGE;
 *  - an accepted value is what the driver's file takes: one of the
 *    setting's choices, or a whole number of microvolts within its range;
 *  - it shows (format) and the shown value parses back to the same value;
 *  - case does not matter: the value in upper or lower case parses the same;
 *  - a voltage that parses is the number written, scaled by its unit (checked
 *    against strtod());
 *  - the charge limit's range is exactly its min..max, to the microvolt;
 *  - any number of microvolts below 10^12 shows as volts that parse back to
 *    it; any value a file holds either is refused or shows as such;
 *  - what save writes for an unset setting ("not-set") is taken by load.
 */
#include "../../tools/bmsctl/settings.c"

#include <math.h>

#include "fuzz.h"

#define IN_MAX	(LINE_MAX_LEN + 1)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	fuzz_report();
	/* Refusals are said on stderr: not thousands of times a second. */
	if (null)
		stderr = null;
	return 0;
}

static bool is_choice(const struct setting *s, const char *v)
{
	const char *const *c;

	for (c = s->choices; *c; c++)
		if (!strcmp(*c, v))
			return true;
	return false;
}

static void recase(char *out, const char *in, int (*conv)(int))
{
	for (; *in; in++)
		*out++ = (char)conv((unsigned char)*in);
	*out = '\0';
}

static void check_accepted(const struct setting *s, const char *out)
{
	char shown[VALUE_MAX], again[VALUE_MAX];
	long long uv;
	char *end;

	FUZZ_ASSERT(*out && strlen(out) < VALUE_MAX - 1);
	if (s->choices) {
		FUZZ_ASSERT(is_choice(s, out));
	} else {
		FUZZ_ASSERT(strspn(out, "0123456789") == strlen(out));
		errno = 0;
		uv = strtoll(out, &end, 10);
		FUZZ_ASSERT(!errno && !*end && uv >= s->min_uv && uv <= s->max_uv);
	}
	/* As list and get show it, and back. */
	FUZZ_ASSERT(s->format(s, out, shown, sizeof(shown)) == 0);
	FUZZ_ASSERT(s->parse(s, shown, again, sizeof(again)) == 0);
	FUZZ_ASSERT(!strcmp(again, out));
}

/* Is @in, accepted as @uv, the number it says? */
static void check_number(const char *in, long long uv)
{
	const char *p = in + strlen(in);
	double d, scale = 1e6;

	while (p > in && isspace((unsigned char)p[-1]))
		p--;
	if (p - in >= 2 && !strncasecmp(p - 2, "mv", 2))
		scale = 1e3;
	d = strtod(in, NULL);
	FUZZ_ASSERT(llround(d * scale) == uv);
}

static void check_setting(const struct setting *s, const char *in)
{
	char out[VALUE_MAX], cased[IN_MAX], other[VALUE_MAX];
	long long uv;
	int ret;

	ret = s->parse(s, in, out, sizeof(out));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (!ret)
		check_accepted(s, out);

	recase(cased, in, toupper);
	FUZZ_ASSERT(s->parse(s, cased, other, sizeof(other)) == ret);
	FUZZ_ASSERT(ret || !strcmp(out, other));
	recase(cased, in, tolower);
	FUZZ_ASSERT(s->parse(s, cased, other, sizeof(other)) == ret);
	FUZZ_ASSERT(ret || !strcmp(out, other));

	/* The number parser on its own, whatever the setting. */
	ret = parse_microvolts(in, &uv);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (!ret) {
		FUZZ_ASSERT(uv >= 0);
		check_number(in, uv);
	}

	/* The value as a file holds it (the driver's side, or a fake tree). */
	ret = s->format(s, in, out, sizeof(out));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (!ret && s->choices && strcmp(in, s->unset ? s->unset : "")) {
		FUZZ_ASSERT(s->parse(s, out, other, sizeof(other)) == 0);
		FUZZ_ASSERT(!strcmp(other, in));
	} else if (!ret && !s->choices) {
		uv = strtoll(in, NULL, 10);
		if (uv < 1000000000000LL) {
			long long back;

			FUZZ_ASSERT(parse_microvolts(out, &back) == 0 && back == uv);
		}
	}

	/* save writes "not-set" for a fuse never set; load takes it as it is. */
	if (s->unset) {
		FUZZ_ASSERT(setting_parse(s, s->unset, out, sizeof(out), "", true) == 0);
		FUZZ_ASSERT(!strcmp(out, s->unset));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[IN_MAX], shown[32];
	unsigned long long uv = 0;
	long long back;
	size_t i, n;

	if (!size)
		return 0;
	n = size - 1 < sizeof(in) - 1 ? size - 1 : sizeof(in) - 1;
	memcpy(in, data + 1, n);
	in[n] = '\0';
	check_setting(&settings[data[0] % NUM_SETTINGS], in);

	/*
	 * The range is exactly min..max: a voltage a few microvolts (or
	 * millivolts) on either side of an end, written as volts and as
	 * millivolts, is taken as itself or refused as out of range.
	 */
	if (size >= 3) {
		const struct setting *s = setting_find("charge-limit");
		long long end = data[1] & 1 ? s->max_uv : s->min_uv;
		long long v = end + (int8_t)data[2] * (data[1] & 2 ? 1000 : 1);
		char text[2][48], raw[VALUE_MAX];
		int k;

		snprintf(text[0], sizeof(text[0]), "%lld.%06lldV", v / 1000000, v % 1000000);
		snprintf(text[1], sizeof(text[1]), "%lld.%03lld mV", v / 1000, v % 1000);
		for (k = 0; k < 2; k++) {
			int ret = s->parse(s, text[k], raw, sizeof(raw));

			if (v < s->min_uv || v > s->max_uv) {
				FUZZ_ASSERT(ret == -ERANGE);
			} else {
				FUZZ_ASSERT(ret == 0);
				FUZZ_ASSERT(strtoll(raw, NULL, 10) == v);
			}
		}
	}

	/* Any microvolts below 10^12 show and parse back. */
	for (i = 0; i < 8 && i + 1 < size; i++)
		uv = uv << 8 | data[1 + i];
	uv %= 1000000000000ULL;
	format_volts((long long)uv, shown, sizeof(shown));
	FUZZ_ASSERT(parse_microvolts(shown, &back) == 0 && back == (long long)uv);
	return 0;
}
