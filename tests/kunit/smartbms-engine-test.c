// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the smartbms protection engine.  It drives the engine
 * code of the smartbms module itself, through its KUnit-only exports.
 *
 * Every number below is the specification's (behaviour.md, the manual),
 * written out, never read from the engine's tunables table: changing a
 * delay or a level in the engine must make a case fail.
 */

#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/module.h>
#include <linux/power/smartbms-engine.h>
#include <linux/power_supply.h>
#include <linux/prandom.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#define MV(x)	((x) * 1000)	/* millivolts, in uV */
#define MA(x)	((x) * 1000)	/* milliamps, in uA */

#define IN(x)	BIT(SMARTBMS_IN_##x)
#define OUT(x)	BIT(SMARTBMS_OUT_##x)
#define CODE(x)	BIT(SMARTBMS_CODE_##x)

#define ALL_FETS	(OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE))

/*
 * The engine counts whole milliseconds and ends a delay one millisecond
 * after its nominal end, see smartbms_delay_end(): what it first saw at
 * millisecond t may have begun up to a millisecond after t began, so
 * @ms have surely passed only at t + @ms + 1.  DELAY(@ms) is how long a
 * delay of @ms really runs; a boundary case runs to DELAY(@ms) - 1, where
 * the delay must still run, then one millisecond more, where it must be
 * over, so that a delay ending a millisecond early or late fails.
 */
#define DELAY(ms)	((ms) + 1)

/**
 * struct bms - a BMS under test: settings, the current sample, the state
 * @set: settings
 * @in: the sample the next step evaluates
 * @st: the engine's state
 */
struct bms {
	struct smartbms_settings set;
	struct smartbms_inputs in;
	struct smartbms_state st;
};

/* A resting system: battery 13.2 V, engine off, every line allowing. */
static void bms_init(struct bms *b)
{
	memset(b, 0, sizeof(*b));
	smartbms_settings_init(&b->set);
	smartbms_engine_init(&b->st);
	b->in.now_ms = 1000000;
	b->in.lines = IN(CHARGE_ALLOWED) | IN(DISCHARGE_ALLOWED) | IN(REMOTE);
	b->in.meas[SMARTBMS_MEAS_BATTERY_UV] = MV(13200);
	b->in.meas[SMARTBMS_MEAS_ALTERNATOR_UV] = MV(12600);
	b->in.meas[SMARTBMS_MEAS_SYSTEM_UV] = MV(13200);
	b->in.meas[SMARTBMS_MEAS_TEMP_MC] = 25000;
	b->in.meas[SMARTBMS_MEAS_REFERENCE_UV] = MV(2500);
	b->in.meas_ok = SMARTBMS_ALL_MEAS;
}

static void bms_step(struct bms *b)
{
	smartbms_engine_step(&b->st, &b->set, &b->in);
}

/* Let @ms pass, sampling every 100 ms as the driver does at most. */
static void bms_run(struct bms *b, u32 ms)
{
	u64 end = b->in.now_ms + ms;

	while (b->in.now_ms < end) {
		b->in.now_ms = min(b->in.now_ms + 100, end);
		bms_step(b);
	}
}

/* Start, then let every delay of the start pass. */
static void bms_settle(struct bms *b)
{
	bms_step(b);
	bms_run(b, 3000);
}

static void bms_line(struct bms *b, u32 line, bool high)
{
	if (high)
		b->in.lines |= line;
	else
		b->in.lines &= ~line;
}

static void bms_set(struct bms *b, enum smartbms_meas m, s32 val)
{
	b->in.meas[m] = val;
}

static bool on(struct bms *b, u32 out)
{
	return b->st.outputs & out;
}

static bool code(struct bms *b, u32 c)
{
	return b->st.codes & c;
}

/* A running alternator, qualified, charging the battery. */
static void bms_alternator_running(struct kunit *test, struct bms *b)
{
	bms_set(b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(14000));
	bms_set(b, SMARTBMS_MEAS_BATTERY_UV, MV(12800));
	bms_step(b);
	bms_run(b, DELAY(1000));
	KUNIT_ASSERT_TRUE(test, on(b, OUT(ALTERNATOR)));
}

/* A short-circuit trip: the comparator active for one sample. */
static void bms_short(struct bms *b)
{
	bms_line(b, IN(SHORT_CIRCUIT), true);
	bms_step(b);
	bms_line(b, IN(SHORT_CIRCUIT), false);
}

/* ---- rule 14: the safe start ---------------------------------------- */

static void start_state_is_safe(struct kunit *test)
{
	struct smartbms_state st;

	/* Whatever was there before must not survive initialisation. */
	memset(&st, 0xff, sizeof(st));
	smartbms_engine_init(&st);

	KUNIT_EXPECT_EQ(test, st.outputs, 0);
	KUNIT_EXPECT_EQ(test, st.codes, 0);
	KUNIT_EXPECT_FALSE(test, st.started);
	KUNIT_EXPECT_EQ(test, st.next_ms, 0);
}

static void first_sample_qualifies_nothing_early(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	b.in.meas[SMARTBMS_MEAS_ALTERNATOR_UV] = MV(14000);
	bms_step(&b);
	/* Charging through System+ has no delay; the rest must qualify. */
	KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT));
	bms_run(&b, DELAY(1000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR) | OUT(LOAD_DISCONNECT)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM));
	KUNIT_EXPECT_EQ(test, b.st.codes, 0);
}

/* ---- settings --------------------------------------------------------- */

static void settings_defaults(struct kunit *test)
{
	struct smartbms_settings set;

	smartbms_settings_init(&set);
	KUNIT_EXPECT_EQ(test, set.fuse, SMARTBMS_FUSE_NOT_SET);
	KUNIT_EXPECT_EQ(test, set.prealarm_usage, SMARTBMS_PREALARM_USE);
	KUNIT_EXPECT_EQ(test, set.prealarm_output, SMARTBMS_PREALARM_CONTINUOUS);
	KUNIT_EXPECT_EQ(test, set.charge_limit_uv, 14200000);
	KUNIT_EXPECT_EQ(test, set.remote_function, SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM);
	KUNIT_EXPECT_TRUE(test, set.soft_switch);
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), 0);
}

struct limit_case {
	u32 uv;
	int err;
};

static const struct limit_case limit_cases[] = {
	{ 12999999, -ERANGE }, { 13000000, 0 }, { 14200000, 0 },
	{ 15300000, 0 }, { 15300001, -ERANGE }, { 0, -ERANGE },
};

static void limit_case_desc(const struct limit_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u uV", p->uv);
}

KUNIT_ARRAY_PARAM(limit, limit_cases, limit_case_desc);

static void settings_charge_limit_range(struct kunit *test)
{
	const struct limit_case *p = test->param_value;
	struct smartbms_settings set;

	smartbms_settings_init(&set);
	set.charge_limit_uv = p->uv;
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), p->err);
}

/* A charge limit as written to sysfs: the bytes, not a C string (NULs). */
struct parse_case {
	const char *name;
	const char *buf;
	size_t count;
	int err;
	u32 uv;
};

#define PARSE(_name, _s, _err, _uv) \
	{ _name, _s, sizeof(_s) - 1, _err, _uv }

static const struct parse_case parse_cases[] = {
	PARSE("default", "14200000", 0, 14200000),
	PARSE("newline", "14200000\n", 0, 14200000),
	PARSE("minimum", "13000000", 0, 13000000),
	PARSE("maximum", "15300000\n", 0, 15300000),
	PARSE("rounds down", "14204999", 0, 14200000),
	PARSE("rounds up", "14205000", 0, 14210000),
	PARSE("rounds to maximum", "15299999", 0, 15300000),
	PARSE("below", "12999999", -ERANGE, 0),
	PARSE("above", "15300001", -ERANGE, 0),
	PARSE("zero", "0", -ERANGE, 0),
	PARSE("2^32 + 14.2 V", "4309167296", -ERANGE, 0),
	PARSE("2^64", "18446744073709551616", -ERANGE, 0),
	PARSE("2^64 + 14.2 V", "18446744073723751616", -ERANGE, 0),
	PARSE("long", "99999999999999999999999999999", -ERANGE, 0),
	PARSE("empty", "", -EINVAL, 0),
	PARSE("only newline", "\n", -EINVAL, 0),
	PARSE("two newlines", "14200000\n\n", -EINVAL, 0),
	PARSE("negative", "-4280767296", -EINVAL, 0),
	PARSE("minus", "-14200000", -EINVAL, 0),
	PARSE("plus", "+14200000", -EINVAL, 0),
	PARSE("NUL garbage", "14200000\0garbage", -EINVAL, 0),
	PARSE("NUL", "14200000\0", -EINVAL, 0),
	PARSE("NUL newline", "14200000\0\n", -EINVAL, 0),
	PARSE("leading space", " 14200000", -EINVAL, 0),
	PARSE("trailing space", "14200000 ", -EINVAL, 0),
	PARSE("tab", "14200000\t", -EINVAL, 0),
	PARSE("CR LF", "14200000\r\n", -EINVAL, 0),
	PARSE("newline first", "\n14200000", -EINVAL, 0),
	PARSE("leading zero", "014200000", -EINVAL, 0),
	PARSE("zeros", "00", -EINVAL, 0),
	PARSE("hex", "0xD8AD40", -EINVAL, 0),
	PARSE("exponent", "1.42e7", -EINVAL, 0),
	PARSE("exponent sign", "1.42E+07", -EINVAL, 0),
	PARSE("point", "14200000.0", -EINVAL, 0),
	PARSE("unit", "14200000uV", -EINVAL, 0),
	PARSE("non-ASCII digits", "\xef\xbc\x91\xef\xbc\x94", -EINVAL, 0),
};

KUNIT_ARRAY_PARAM_DESC(parse, parse_cases, name);

static void settings_parse_charge_limit(struct kunit *test)
{
	const struct parse_case *p = test->param_value;
	u32 uv = 1;

	KUNIT_EXPECT_EQ(test, smartbms_parse_charge_limit(p->buf, p->count, &uv), p->err);
	/* A refusal leaves the result alone. */
	KUNIT_EXPECT_EQ(test, uv, p->err ? 1 : p->uv);
}

static void settings_unknown_choices(struct kunit *test)
{
	struct smartbms_settings set;

	smartbms_settings_init(&set);
	set.fuse = SMARTBMS_NUM_FUSES;
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), -EINVAL);
	smartbms_settings_init(&set);
	set.prealarm_usage = 2;
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), -EINVAL);
	smartbms_settings_init(&set);
	set.prealarm_output = 2;
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), -EINVAL);
	smartbms_settings_init(&set);
	set.remote_function = 3;
	KUNIT_EXPECT_EQ(test, smartbms_settings_check(&set), -EINVAL);
}

/* ---- rule 1: the alternator port ------------------------------------- */

struct qualify_case {
	s32 uv;
	bool qualifies;
};

static const struct qualify_case qualify_cases[] = {
	{ 12999999, false }, { 13000000, false }, { 13000001, true }, { MV(14400), true },
};

static void qualify_case_desc(const struct qualify_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "alternator %d uV", p->uv);
}

KUNIT_ARRAY_PARAM(qualify, qualify_cases, qualify_case_desc);

/* Above 13.0 V for 1 s qualifies; exactly 13.0 V is not above. */
static void alternator_qualifies_above_13v(struct kunit *test)
{
	const struct qualify_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(12800));
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, p->uv);
	bms_step(&b);
	bms_run(&b, DELAY(1000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(ALTERNATOR)), p->qualifies);
	bms_run(&b, 5000);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(ALTERNATOR)), p->qualifies);
}

static const struct qualify_case lose_cases[] = {
	{ 13000001, false }, { 13000000, true }, { MV(12900), true },
};

KUNIT_ARRAY_PARAM(lose, lose_cases, qualify_case_desc);

/* At or below 13.0 V for 2 s loses the qualification. */
static void alternator_loses_at_13v(struct kunit *test)
{
	const struct qualify_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(12500));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(14000));
	bms_step(&b);
	bms_run(&b, DELAY(1000));
	KUNIT_ASSERT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, p->uv);
	bms_step(&b);
	bms_run(&b, DELAY(2000) - 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, !on(&b, OUT(ALTERNATOR)), p->qualifies);
}

/*
 * One-way: the port closes only with the alternator more than 150 mV above
 * the battery (the two channels' worst disagreement).  Exactly 150 mV
 * above does not close it; 1 uV more does.
 */
static void alternator_margin_closes(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13300));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13450));
	bms_step(&b);
	bms_run(&b, DELAY(1000) + 5000);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13450) + 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
}

/*
 * Once it conducts, the current keeps it closed, not the margin: the drop
 * across a conducting port is far below it.  The voltages still open it
 * when they say clearly otherwise: the battery at the alternator plus
 * 150 mV, whatever a current channel stuck at zero reads.
 */
static void alternator_one_way(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13300));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13500));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(5000));
	bms_step(&b);
	bms_run(&b, DELAY(1000));
	KUNIT_ASSERT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	/* Charging, 10 mV across the port: stays closed. */
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13490));
	bms_run(&b, 5000);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	/* No current, the battery just below the alternator plus 150 mV. */
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13650) - 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13650));
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));

	/* Open, it needs the margin again. */
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13490));
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13350) - 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
}

/*
 * Without the alternator current (a board that does not wire it, or a
 * sample that failed to read it) the margin alone decides, for a port that
 * conducts as for one that does not.
 */
static void alternator_no_current_margin_alone(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13300));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13500));
	b.in.meas_absent |= BIT(SMARTBMS_MEAS_ALTERNATOR_UA);
	bms_step(&b);
	bms_run(&b, DELAY(1000));
	KUNIT_ASSERT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13450) + 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(13450));
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));

	/* With the current read again, the margin still closes it. */
	b.in.meas_absent = 0;
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
}

/*
 * A reverse current beyond 1 A opens the port at that sample, whatever
 * the voltages say (a divider reading high hides it from them), and is an
 * alternator trip: Over current, retried after 30 s.  Exactly 1 A back
 * is not beyond the margin.
 */
static void alternator_reverse_current(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_alternator_running(test, &b);

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, -MA(1000));
	bms_run(&b, 5000);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_GOOD);

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, -MA(1000) - 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_OVERCURRENT);

	/* The port open, nothing flows: the retry comes 30 s after the trip. */
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
	b.in.now_ms += 1;
	bms_step(&b);
	bms_run(&b, DELAY(30000) - 2);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	bms_run(&b, 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_GOOD);
}

/*
 * After A-B11 the port still charges the bank when the alternator really
 * charges, but a reverse current still opens it: never a discharge
 * through it.
 */
static void alternator_after_undervoltage(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(11000));
	bms_step(&b);
	bms_run(&b, DELAY(30000));
	KUNIT_ASSERT_TRUE(test, code(&b, CODE(A_B11)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(14000));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(5000));
	bms_step(&b);
	bms_run(&b, DELAY(1000));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B11)));
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, -MA(1000) - 1);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
}

/* Everything in rule 1 besides the voltage must hold too. */
enum blocker {
	BLOCK_CHARGE_ALLOWED,
	BLOCK_CHARGE_ALLOWED_UNREADABLE,
	BLOCK_LOCKOUT,
	BLOCK_OVERTEMP,
	BLOCK_TEMPERATURE_UNREADABLE,
	BLOCK_CALIBRATION,
	BLOCK_REFERENCE,
	BLOCK_REMOTE,
	BLOCK_SOFT_SWITCH,
	BLOCK_ALTERNATOR_UNREADABLE,
	BLOCK_BATTERY_UNREADABLE,
	BLOCK_SHORT_CIRCUIT,
	BLOCK_SHORT_CIRCUIT_UNREADABLE,
	BLOCK_DISCHARGE_ALLOWED,
};

static const char * const blocker_names[] = {
	"charge-allowed low", "charge-allowed unreadable", "lock-out",
	"over-temperature 85 C", "temperature unreadable", "calibration (E-B30)",
	"reference (E-B33)",
	"remote off", "soft switch off", "alternator voltage unreadable",
	"battery voltage unreadable", "short circuit", "short-circuit line unreadable",
	"discharge-allowed low",
};

static void bms_block(struct bms *b, enum blocker what)
{
	switch (what) {
	case BLOCK_CHARGE_ALLOWED:
		bms_line(b, IN(CHARGE_ALLOWED), false);
		break;
	case BLOCK_CHARGE_ALLOWED_UNREADABLE:
		b->in.lines_bad |= IN(CHARGE_ALLOWED);
		break;
	case BLOCK_LOCKOUT:
		bms_set(b, SMARTBMS_MEAS_BATTERY_UV, MV(14200));
		bms_set(b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(14400));
		break;
	case BLOCK_OVERTEMP:
		bms_set(b, SMARTBMS_MEAS_TEMP_MC, 85000);
		break;
	case BLOCK_TEMPERATURE_UNREADABLE:
		b->in.meas_ok &= ~BIT(SMARTBMS_MEAS_TEMP_MC);
		break;
	case BLOCK_CALIBRATION:
		b->in.calibration_bad = true;
		break;
	case BLOCK_REFERENCE:
		bms_set(b, SMARTBMS_MEAS_REFERENCE_UV, MV(2400));
		break;
	case BLOCK_REMOTE:
		bms_line(b, IN(REMOTE), false);
		break;
	case BLOCK_SOFT_SWITCH:
		b->set.soft_switch = false;
		break;
	case BLOCK_ALTERNATOR_UNREADABLE:
		b->in.meas_ok &= ~BIT(SMARTBMS_MEAS_ALTERNATOR_UV);
		break;
	case BLOCK_BATTERY_UNREADABLE:
		b->in.meas_ok &= ~BIT(SMARTBMS_MEAS_BATTERY_UV);
		break;
	case BLOCK_SHORT_CIRCUIT:
		bms_line(b, IN(SHORT_CIRCUIT), true);
		break;
	case BLOCK_SHORT_CIRCUIT_UNREADABLE:
		b->in.lines_bad |= IN(SHORT_CIRCUIT);
		break;
	case BLOCK_DISCHARGE_ALLOWED:
		bms_line(b, IN(DISCHARGE_ALLOWED), false);
		break;
	}
}

struct block_case {
	enum blocker what;
	u32 off;	/* outputs the blocker must take away at once */
	u32 stays;	/* outputs it must leave alone */
};

static const struct block_case block_cases[] = {
	{ BLOCK_CHARGE_ALLOWED,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	{ BLOCK_CHARGE_ALLOWED_UNREADABLE,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	/* The charge limit acts on the two power ports only (rule 8). */
	{ BLOCK_LOCKOUT, OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE),
	  OUT(CHARGE_DISCONNECT) | OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	{ BLOCK_OVERTEMP,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	/* A BMS that cannot read its own temperature lets nothing charge. */
	{ BLOCK_TEMPERATURE_UNREADABLE,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	/* Untrusted measurements: charging stops, discharge follows the lines. */
	{ BLOCK_CALIBRATION,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	{ BLOCK_REFERENCE,
	  OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) },
	/* The default remote function: alternator and System+. */
	{ BLOCK_REMOTE, ALL_FETS, OUT(CHARGE_DISCONNECT) | OUT(LOAD_DISCONNECT) },
	{ BLOCK_SOFT_SWITCH, ALL_FETS, OUT(CHARGE_DISCONNECT) | OUT(LOAD_DISCONNECT) },
	{ BLOCK_ALTERNATOR_UNREADABLE, OUT(ALTERNATOR),
	  OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) |
	  OUT(CHARGE_DISCONNECT) },
	/* Without the battery voltage neither lock-out nor one-way can be checked. */
	{ BLOCK_BATTERY_UNREADABLE, OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE),
	  OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
	{ BLOCK_SHORT_CIRCUIT, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE),
	  OUT(ALTERNATOR) | OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
	/* Rule 12: an unreadable comparator counts as a short. */
	{ BLOCK_SHORT_CIRCUIT_UNREADABLE, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE),
	  OUT(ALTERNATOR) | OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
	/* The 30 s lead: nothing is taken away at once. */
	{ BLOCK_DISCHARGE_ALLOWED, 0,
	  ALL_FETS | OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
};

static void block_case_desc(const struct block_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", blocker_names[p->what]);
}

KUNIT_ARRAY_PARAM(block, block_cases, block_case_desc);

/*
 * Rules 1, 3, 4, 5, 6, 8, 10-13: what each condition takes away, at the
 * very next sample, and what it leaves alone.  The fast path agrees.
 */
static void blockers_take_away(struct kunit *test)
{
	const struct block_case *p = test->param_value;
	struct bms b;
	u32 fast;

	bms_init(&b);
	bms_settle(&b);
	bms_alternator_running(test, &b);
	KUNIT_ASSERT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM));

	bms_block(&b, p->what);
	b.in.now_ms += 1;
	fast = smartbms_engine_fast_trip(&b.st, &b.set, &b.in);
	bms_step(&b);
	KUNIT_EXPECT_EQ_MSG(test, b.st.outputs & p->off, 0, "outputs %#x", b.st.outputs);
	KUNIT_EXPECT_EQ_MSG(test, b.st.outputs & p->stays, p->stays,
			    "outputs %#x", b.st.outputs);
	KUNIT_EXPECT_EQ(test, fast & b.st.outputs, 0);
}

/* ---- rule 2: current limit and its supervision ---------------------- */

struct fuse_case {
	enum smartbms_fuse fuse;
	const char *name;
	u32 limit_a;
};

static const struct fuse_case fuse_cases[] = {
	{ SMARTBMS_FUSE_NOT_SET, "not set", 9 },
	{ SMARTBMS_FUSE_125A, "125A", 100 },
	{ SMARTBMS_FUSE_100A, "100A", 90 },
	{ SMARTBMS_FUSE_80A, "80A", 60 },
	{ SMARTBMS_FUSE_60A, "60A", 50 },
	{ SMARTBMS_FUSE_2X30A, "2x30A", 40 },
	{ SMARTBMS_FUSE_2X20A, "2x20A", 25 },
	{ SMARTBMS_FUSE_2X15A, "2x15A", 20 },
	{ SMARTBMS_FUSE_2X10A, "2x10A", 12 },
	{ SMARTBMS_FUSE_2X7_5A, "2x7.5A", 9 },
};

static void fuse_case_desc(const struct fuse_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "fuse %s", p->name);
}

KUNIT_ARRAY_PARAM(fuse, fuse_cases, fuse_case_desc);

static void fuse_table_limits(struct kunit *test)
{
	const struct fuse_case *p = test->param_value;

	KUNIT_EXPECT_EQ(test, smartbms_fuse_limit_ua(p->fuse), p->limit_a * 1000000);
}

/*
 * A current at @level does not trip, however long; 1 uA more for 5 s
 * trips the port, and it retries after 30 s.
 */
static void alt_trip_at(struct kunit *test, enum smartbms_fuse fuse, bool limiter,
			s32 level)
{
	struct bms b;

	bms_init(&b);
	b.in.limiter = limiter;
	b.set.fuse = fuse;
	bms_settle(&b);
	bms_alternator_running(test, &b);

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, level);
	bms_run(&b, 60000);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, level + 1);
	bms_step(&b);
	bms_run(&b, DELAY(5000) - 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	bms_run(&b, 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_OVERCURRENT);

	/* The port is open: no current. It retries after 30 s. */
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
	bms_run(&b, DELAY(30000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	bms_run(&b, 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_GOOD);
}

/* With the limiter wired: exactly 10 % above the limit is not above it. */
static void fuse_overcurrent_supervision(struct kunit *test)
{
	const struct fuse_case *p = test->param_value;

	alt_trip_at(test, p->fuse, true, p->limit_a * 1100000);
}

/*
 * Without the limiter nothing holds the current at the limit: above the
 * limit itself (not 10 % above) for 5 s trips.
 */
static void fuse_trip_without_limiter(struct kunit *test)
{
	const struct fuse_case *p = test->param_value;

	alt_trip_at(test, p->fuse, false, p->limit_a * 1000000);
}

/*
 * The limit in force while the fuse is not set or the settings were lost
 * is the smallest of the table, 9 A, whatever the fuse setting says.
 */
static void alternator_limit_unknown_fuse(struct kunit *test)
{
	struct smartbms_settings set;
	struct bms b;

	smartbms_settings_init(&set);
	KUNIT_EXPECT_EQ(test, smartbms_alt_limit_ua(&set, false), 9000000);
	set.fuse = SMARTBMS_FUSE_125A;
	KUNIT_EXPECT_EQ(test, smartbms_alt_limit_ua(&set, false), 100000000);
	KUNIT_EXPECT_EQ(test, smartbms_alt_limit_ua(&set, true), 9000000);

	/* A board preset of 125 A with the settings lost: 9 A supervised. */
	bms_init(&b);
	b.set.fuse = SMARTBMS_FUSE_125A;
	b.in.settings_bad = true;
	bms_settle(&b);
	bms_alternator_running(test, &b);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(9000));
	bms_run(&b, 10000);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(9000) + 1);
	bms_step(&b);
	bms_run(&b, DELAY(5000));
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));

	/* The same current with the settings kept is far below 100 A. */
	bms_init(&b);
	b.set.fuse = SMARTBMS_FUSE_125A;
	bms_settle(&b);
	bms_alternator_running(test, &b);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(90000));
	bms_run(&b, 10000);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
}

/*
 * An alternator that delivers 100 A whenever the port conducts, against a
 * 9 A limit and no limiter: the port opens after 5 s above the limit and
 * stays open until the mean since the current rose is the limit, here far
 * beyond the 30 s retry.  Sampled every 100 ms, the 5 s end at the 51st
 * sample after the rise, and the current counts from the sample before
 * the rise (the engine cannot know when between the two it rose): 5200 ms
 * at 100 A, 520 A s, so the port may close again only 520 A s / 9 A =
 * 57 777.8 ms after that sample: at 57 779 ms (whole milliseconds, and one
 * more as for every delay), not a millisecond before.  Over many cycles
 * of a plant that delivers 100 A from the moment the port closes, the
 * mean stays at or below 9 A.
 */
static void alternator_mean_without_limiter(struct kunit *test)
{
	const s64 limit = 9000000, delivers = 100000000;
	u64 rise, start, last, charge = 0;
	unsigned int closes = 0;
	struct bms b;

	bms_init(&b);
	b.set.fuse = SMARTBMS_FUSE_2X7_5A;
	bms_settle(&b);
	bms_alternator_running(test, &b);

	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, delivers);
	rise = b.in.now_ms + 100;
	while (on(&b, OUT(ALTERNATOR)) && b.in.now_ms < rise + 10000) {
		b.in.now_ms += 100;
		bms_step(&b);
	}
	KUNIT_ASSERT_EQ(test, b.in.now_ms, rise + 5100);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
	b.in.now_ms = rise - 100 + 57778;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR)));
	b.in.now_ms = rise - 100 + 57779;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_GOOD);

	/* Ten whole cycles of a plant that delivers 100 A while closed. */
	start = b.in.now_ms;
	last = start;
	while (closes < 10 && b.in.now_ms < start + 3600000) {
		bool was = on(&b, OUT(ALTERNATOR));

		b.in.now_ms += 100;
		charge += was ? delivers * (b.in.now_ms - last) : 0;
		last = b.in.now_ms;
		bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, was ? delivers : 0);
		bms_step(&b);
		if (!was && on(&b, OUT(ALTERNATOR)))
			closes++;
	}
	KUNIT_ASSERT_EQ(test, closes, 10);
	KUNIT_EXPECT_LE_MSG(test, charge, limit * (b.in.now_ms - start),
			    "mean %llu uA over %llu ms",
			    div64_u64(charge, b.in.now_ms - start), b.in.now_ms - start);
}

/* ---- rule 3: charge-limit lock-out ---------------------------------- */

static const u32 lockout_limits[] = { 13000000, 14200000, 15300000 };

static void lockout_limit_desc(const u32 *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "limit %u uV", *p);
}

KUNIT_ARRAY_PARAM(lockout_limit, lockout_limits, lockout_limit_desc);

static void lockout_at_the_limit(struct kunit *test)
{
	const u32 limit = *(const u32 *)test->param_value;
	struct bms b;

	bms_init(&b);
	b.set.charge_limit_uv = limit;
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, limit - 1);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, limit + MV(200));
	bms_settle(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE)));
	KUNIT_EXPECT_EQ(test, b.st.outputs & (OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE)),
			OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE));

	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, limit);
	b.in.now_ms += 1;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE)));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(CHARGE_DISCONNECT)));
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_FULL);
	KUNIT_EXPECT_EQ(test, b.st.capacity_level, POWER_SUPPLY_CAPACITY_LEVEL_FULL);
}

struct release_case {
	s32 below_limit_uv;	/* how far below the limit the battery rests */
	bool releases;
};

static const struct release_case release_cases[] = {
	{ 499999, false }, { 500000, true }, { MV(1000), true },
};

static void release_case_desc(const struct release_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "limit - %d uV", p->below_limit_uv);
}

KUNIT_ARRAY_PARAM(release, release_cases, release_case_desc);

/* Released after 10 consecutive seconds at or below limit - 0.5 V. */
static void lockout_release_after_10s(struct kunit *test)
{
	const struct release_case *p = test->param_value;
	u32 limit = 14200000;
	struct bms b;

	bms_init(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, limit);
	bms_settle(&b);
	KUNIT_ASSERT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE)));

	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, limit - p->below_limit_uv);
	bms_step(&b);
	bms_run(&b, DELAY(10000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(SYSTEM_CHARGE)), p->releases);
	bms_run(&b, 10000);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(SYSTEM_CHARGE)), p->releases);
}

/* Any sample above the release level, or unreadable, restarts the 10 s. */
static void lockout_release_restarts(struct kunit *test)
{
	struct bms b;
	int i;

	for (i = 0; i < 2; i++) {
		bms_init(&b);
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(14200));
		bms_settle(&b);

		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13700));
		bms_step(&b);
		bms_run(&b, 9000);
		if (i == 0)
			bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13700) + 1);
		else
			b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_BATTERY_UV);
		bms_run(&b, 100);
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13700));
		b.in.meas_ok = SMARTBMS_ALL_MEAS;
		bms_run(&b, 100);
		/* 10 s from here, not from the first sample. */
		bms_run(&b, DELAY(10000) - 1);
		KUNIT_EXPECT_FALSE_MSG(test, on(&b, OUT(SYSTEM_CHARGE)), "pass %d", i);
		bms_run(&b, 1);
		KUNIT_EXPECT_TRUE_MSG(test, on(&b, OUT(SYSTEM_CHARGE)), "pass %d", i);
	}
}

/* ---- rule 6: BMS over-temperature ----------------------------------- */

struct temp_case {
	s32 mc;
	bool charge;		/* charging allowed after this sample */
	bool discharge;		/* discharging allowed after this sample */
};

/* One falling and rising sequence through both levels and releases. */
static const struct temp_case temp_sequence[] = {
	{ 84999, true, true },
	{ 85000, false, true },
	{ 94999, false, true },
	{ 95000, false, false },
	{ 85000, false, false },	/* the second level releases below 85 C */
	{ 84999, false, true },
	{ 75000, false, true },		/* the first level releases below 75 C */
	{ 74999, true, true },
	{ 94999, false, true },
	{ 74999, true, true },
};

static void overtemperature_levels(struct kunit *test)
{
	struct bms b;
	unsigned int i;

	bms_init(&b);
	bms_settle(&b);
	bms_alternator_running(test, &b);

	for (i = 0; i < ARRAY_SIZE(temp_sequence); i++) {
		const struct temp_case *p = &temp_sequence[i];

		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, p->mc);
		b.in.now_ms += 100;
		bms_step(&b);
		KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(SYSTEM_CHARGE)), p->charge,
				    "%d m degC", p->mc);
		KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(ALTERNATOR)), p->charge,
				    "%d m degC", p->mc);
		KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(CHARGE_DISCONNECT)), p->charge,
				    "%d m degC", p->mc);
		KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(SYSTEM_DISCHARGE)), p->discharge,
				    "%d m degC", p->mc);
		KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));
		KUNIT_EXPECT_EQ_MSG(test, code(&b, CODE(A_B15)), !(p->charge && p->discharge),
				    "%d m degC", p->mc);
		KUNIT_EXPECT_EQ(test, b.st.health, p->charge ? POWER_SUPPLY_HEALTH_GOOD :
				POWER_SUPPLY_HEALTH_OVERHEAT);
	}
}

/* ---- rule 7: pre-alarm and the 30 s rule ---------------------------- */

static const enum smartbms_prealarm_usage usages[] = {
	SMARTBMS_PREALARM_USE, SMARTBMS_PREALARM_NOT_AVAILABLE,
};

static void usage_desc(const enum smartbms_prealarm_usage *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *p == SMARTBMS_PREALARM_USE ? "use pre-alarm" : "pre-alarm not available");
}

KUNIT_ARRAY_PARAM(usage, usages, usage_desc);

/* Discharge-allowed low: pre-alarm at once, discharge stops 30 s later. */
static void prealarm_lead_30s(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	b.set.prealarm_usage = *(const enum smartbms_prealarm_usage *)test->param_value;
	bms_settle(&b);

	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(PREALARM)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(W_B12)));
	KUNIT_EXPECT_EQ(test, b.st.capacity_level, POWER_SUPPLY_CAPACITY_LEVEL_LOW);
	bms_run(&b, DELAY(30000) - 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_EQ(test, b.st.outputs & (OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)),
			OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_B11)));
	bms_run(&b, 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B11)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(W_B12)));
	KUNIT_EXPECT_EQ(test, b.st.capacity_level, POWER_SUPPLY_CAPACITY_LEVEL_CRITICAL);
	/* Charging goes on: it is what ends an under-voltage. */
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT)));
}

/*
 * The battery's own pre-alarm 5 s before discharge-allowed falls: the
 * pre-alarm output has been on for 5 s only, so the loads get 25 s more
 * (the manual's "minimum delay of 30 seconds", whatever raised it).  Not
 * used, the line is ignored and the 30 s run from the fall.
 */
static void prealarm_battery_first(struct kunit *test)
{
	enum smartbms_prealarm_usage usage =
		*(const enum smartbms_prealarm_usage *)test->param_value;
	bool use = usage == SMARTBMS_PREALARM_USE;
	u32 rest = use ? 25000 : 30000;
	struct bms b;

	bms_init(&b);
	b.set.prealarm_usage = usage;
	bms_settle(&b);

	bms_line(&b, IN(BATTERY_PREALARM), true);
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(PREALARM)), use);
	KUNIT_EXPECT_EQ(test, code(&b, CODE(W_B12)), use);
	bms_run(&b, 5000);

	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	KUNIT_EXPECT_EQ(test, smartbms_engine_fast_trip(&b.st, &b.set, &b.in), 0);
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(PREALARM)));
	bms_run(&b, DELAY(rest) - 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_B11)));
	bms_run(&b, 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B11)));
}

/*
 * The battery's own pre-alarm 30 s or more before the fall: the lead has
 * been given, the disconnect follows at once, from the interrupt path too.
 */
static void prealarm_battery_long_before(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_line(&b, IN(BATTERY_PREALARM), true);
	bms_step(&b);
	bms_run(&b, DELAY(30000));

	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	b.in.now_ms += 1;
	KUNIT_EXPECT_EQ(test, smartbms_engine_fast_trip(&b.st, &b.set, &b.in),
			OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE));
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B11)));
}

/* Both in the same sample: the battery's pre-alarm was not earlier. */
static void prealarm_together_gets_30s(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_line(&b, IN(BATTERY_PREALARM), true);
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	bms_run(&b, DELAY(30000) - 1);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));
	bms_run(&b, 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT)));
}

/* Permitted again after discharge-allowed has been high for 1 s. */
static void discharge_permitted_after_1s(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	bms_run(&b, DELAY(30000));
	KUNIT_ASSERT_TRUE(test, code(&b, CODE(A_B11)));

	bms_line(&b, IN(DISCHARGE_ALLOWED), true);
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(PREALARM)));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(W_B12)));
	bms_run(&b, DELAY(1000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B11)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs & (OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE)),
			OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_B11)));
}

/* Steady, or 1 s on / 1 s off; the engine asks to be woken at each edge. */
static void prealarm_output_modes(struct kunit *test)
{
	static const struct {
		u32 at_ms;
		bool intermittent_on;
	} pattern[] = {
		{ 0, true }, { 999, true }, { 1000, false }, { 1999, false },
		{ 2000, true }, { 3000, false }, { 4500, true },
	};
	struct bms b;
	unsigned int mode, i;
	u64 t0;

	for (mode = 0; mode < 2; mode++) {
		bms_init(&b);
		b.set.prealarm_output = mode ? SMARTBMS_PREALARM_INTERMITTENT :
					       SMARTBMS_PREALARM_CONTINUOUS;
		bms_settle(&b);
		bms_line(&b, IN(BATTERY_PREALARM), true);
		t0 = b.in.now_ms;
		for (i = 0; i < ARRAY_SIZE(pattern); i++) {
			b.in.now_ms = t0 + pattern[i].at_ms;
			bms_step(&b);
			KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(PREALARM)),
					    !mode || pattern[i].intermittent_on,
					    "mode %u at %u ms", mode, pattern[i].at_ms);
			KUNIT_EXPECT_TRUE(test, code(&b, CODE(W_B12)));
			if (mode)
				KUNIT_EXPECT_EQ(test, b.st.next_ms,
						t0 + (pattern[i].at_ms / 1000 + 1) * 1000);
		}
	}
}

/* ---- rule 10: the remote functions and the soft switch -------------- */

struct remote_case {
	enum smartbms_remote_function fn;
	bool soft_switch;	/* switch off with the soft switch, not the input */
	u32 remaining;		/* outputs left while not ON */
};

static const struct remote_case remote_cases[] = {
	{ SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM, false,
	  OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
	{ SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM, true,
	  OUT(LOAD_DISCONNECT) | OUT(CHARGE_DISCONNECT) },
	{ SMARTBMS_REMOTE_ALTERNATOR_ONLY, false,
	  SMARTBMS_ALL_OUTPUTS & ~OUT(ALTERNATOR) & ~OUT(PREALARM) },
	{ SMARTBMS_REMOTE_ALTERNATOR_ONLY, true,
	  SMARTBMS_ALL_OUTPUTS & ~OUT(ALTERNATOR) & ~OUT(PREALARM) },
	{ SMARTBMS_REMOTE_EVERYTHING, false, 0 },
	{ SMARTBMS_REMOTE_EVERYTHING, true, 0 },
};

static void remote_case_desc(const struct remote_case *p, char *desc)
{
	static const char * const fn[] = {
		"alternator & System+", "alternator only", "everything",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s", fn[p->fn],
		 p->soft_switch ? "soft switch" : "remote input");
}

KUNIT_ARRAY_PARAM(remote, remote_cases, remote_case_desc);

static void bms_switch(struct bms *b, const struct remote_case *p, bool on)
{
	if (p->soft_switch)
		b->set.soft_switch = on;
	else
		bms_line(b, IN(REMOTE), on);
}

static void remote_functions(struct kunit *test)
{
	const struct remote_case *p = test->param_value;
	struct bms b;
	u32 fast;

	bms_init(&b);
	b.set.remote_function = p->fn;
	b.in.settings_bad = true;
	bms_settle(&b);
	bms_alternator_running(test, &b);

	bms_switch(&b, p, false);
	b.in.now_ms += 1;
	fast = smartbms_engine_fast_trip(&b.st, &b.set, &b.in);
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.outputs, p->remaining);
	KUNIT_EXPECT_EQ(test, fast & b.st.outputs, 0);
	KUNIT_EXPECT_EQ(test, fast, (SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM)) & ~p->remaining);
	/* Only "switch everything off" suspends the BMS (the active LED). */
	KUNIT_EXPECT_EQ(test, b.st.suspended, p->fn == SMARTBMS_REMOTE_EVERYTHING);

	/* The BMS functions stay active unless everything is switched off. */
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_run(&b, 1000);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(PREALARM)), p->fn != SMARTBMS_REMOTE_EVERYTHING);
	KUNIT_EXPECT_EQ(test, code(&b, CODE(W_B12)), p->fn != SMARTBMS_REMOTE_EVERYTHING);
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(E_B31)));
	bms_line(&b, IN(DISCHARGE_ALLOWED), true);
	bms_run(&b, 5000);
	KUNIT_EXPECT_EQ(test, b.st.outputs, p->remaining);

	/*
	 * Back ON.  The remote input is no qualified signal: the alternator's
	 * voltage stayed qualified, so the port comes back at once.  After
	 * "everything off" protection starts over, and everything qualifies
	 * again from the start.
	 */
	bms_switch(&b, p, true);
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, b.st.suspended);
	if (p->fn == SMARTBMS_REMOTE_EVERYTHING)
		KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT));
	else
		KUNIT_EXPECT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM));
	bms_run(&b, DELAY(1000));
	KUNIT_EXPECT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM));
}

/*
 * Rule 10 with rule 6, 3, 2 and 11: "switch everything off" suspends the
 * BMS but forgets no trip in force.  Each trip is made, its condition eased
 * to where the trip holds but would not start again, and the remote input
 * toggled through "switch everything off": back ON, the trip is still in
 * force and ends only as its own rule says.
 */
enum suspend_trip {
	SUSPEND_OT_CHARGE,
	SUSPEND_OT_DISCHARGE,
	SUSPEND_LOCKOUT,
	SUSPEND_SHORT_CIRCUIT,
	SUSPEND_ALTERNATOR_OVERCURRENT,
};

static const enum suspend_trip suspend_trips[] = {
	SUSPEND_OT_CHARGE, SUSPEND_OT_DISCHARGE, SUSPEND_LOCKOUT, SUSPEND_SHORT_CIRCUIT,
	SUSPEND_ALTERNATOR_OVERCURRENT,
};

static void suspend_trip_desc(const enum suspend_trip *p, char *desc)
{
	static const char * const names[] = {
		"over-temperature 85 C", "over-temperature 95 C", "lock-out",
		"short-circuit retry", "alternator over-current retry",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", names[*p]);
}

KUNIT_ARRAY_PARAM(suspend_trip, suspend_trips, suspend_trip_desc);

static void trips_survive_switch_everything_off(struct kunit *test)
{
	enum suspend_trip trip = *(const enum suspend_trip *)test->param_value;
	u32 held = 0, retry = 0;
	struct bms b;

	bms_init(&b);
	b.set.remote_function = SMARTBMS_REMOTE_EVERYTHING;
	b.set.fuse = SMARTBMS_FUSE_100A;
	bms_settle(&b);
	bms_alternator_running(test, &b);

	switch (trip) {
	case SUSPEND_OT_CHARGE:
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 85000);
		bms_run(&b, 100);
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 80000);
		held = OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT);
		break;
	case SUSPEND_OT_DISCHARGE:
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 95000);
		bms_run(&b, 100);
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 90000);
		held = OUT(SYSTEM_DISCHARGE);
		break;
	case SUSPEND_LOCKOUT:
		bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(14400));
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(14200));
		bms_run(&b, 100);
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13900));
		held = OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE);
		break;
	case SUSPEND_SHORT_CIRCUIT:
		bms_short(&b);
		held = OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE);
		retry = 10000;
		break;
	case SUSPEND_ALTERNATOR_OVERCURRENT:
		bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(100000));
		bms_run(&b, DELAY(5000) + 100);
		KUNIT_ASSERT_FALSE(test, on(&b, OUT(ALTERNATOR)));
		bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
		held = OUT(ALTERNATOR);
		retry = 30000;
		break;
	}
	bms_run(&b, 100);
	KUNIT_ASSERT_EQ(test, b.st.outputs & held, 0);

	/* Everything off for 3 s: nothing on, the trip's code still shown. */
	bms_line(&b, IN(REMOTE), false);
	bms_run(&b, 3000);
	KUNIT_EXPECT_TRUE(test, b.st.suspended);
	KUNIT_EXPECT_EQ(test, b.st.outputs, 0);
	if (trip == SUSPEND_OT_CHARGE || trip == SUSPEND_OT_DISCHARGE)
		KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B15)));
	if (trip == SUSPEND_SHORT_CIRCUIT)
		KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_A12)));

	/* Back ON, and long enough for everything else to qualify again. */
	bms_line(&b, IN(REMOTE), true);
	bms_run(&b, 2000);
	KUNIT_EXPECT_FALSE(test, b.st.suspended);
	KUNIT_EXPECT_EQ_MSG(test, b.st.outputs & held, 0, "outputs %#x", b.st.outputs);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));
	if (retry) {
		/* A retry counts from its trip, suspended or not. */
		bms_run(&b, retry);
		KUNIT_EXPECT_EQ(test, b.st.outputs & held, held);
	}
}

/* ---- rule 11: short circuit ----------------------------------------- */

static void short_circuit_retry_after_10s(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_short(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_A12)));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_OVERCURRENT);
	bms_run(&b, DELAY(10000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs & (OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)),
			OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_A12)));

	/* A short still there at the retry trips again at once. */
	bms_short(&b);
	bms_line(&b, IN(SHORT_CIRCUIT), true);
	bms_run(&b, DELAY(10000));
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)));
}

enum sc_clear { SC_CLEAR_SOFT_SWITCH, SC_CLEAR_REMOTE, SC_CLEAR_EXPLICIT };

static const enum sc_clear sc_clears[] = {
	SC_CLEAR_SOFT_SWITCH, SC_CLEAR_REMOTE, SC_CLEAR_EXPLICIT,
};

static void sc_clear_desc(const enum sc_clear *p, char *desc)
{
	static const char * const names[] = { "soft switch", "remote input", "clear" };

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "cleared by %s", names[*p]);
}

KUNIT_ARRAY_PARAM(sc_clear, sc_clears, sc_clear_desc);

/* 3 trips within 60 s latch until a cycle of ON or an explicit clear. */
static void short_circuit_latch(struct kunit *test)
{
	enum sc_clear how = *(const enum sc_clear *)test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_short(&b);
	bms_run(&b, DELAY(10000));
	bms_short(&b);
	bms_run(&b, DELAY(10000));
	KUNIT_ASSERT_TRUE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
	bms_short(&b);
	bms_run(&b, 120000);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_A12)));

	switch (how) {
	case SC_CLEAR_SOFT_SWITCH:
		b.set.soft_switch = false;
		bms_run(&b, 100);
		b.set.soft_switch = true;
		break;
	case SC_CLEAR_REMOTE:
		bms_line(&b, IN(REMOTE), false);
		bms_run(&b, 100);
		bms_line(&b, IN(REMOTE), true);
		break;
	case SC_CLEAR_EXPLICIT:
		smartbms_engine_clear(&b.st);
		break;
	}
	bms_run(&b, 100);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_CHARGE)));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_A12)));
	/* The history went with the latch: one more trip only retries. */
	bms_short(&b);
	bms_run(&b, DELAY(10000));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_CHARGE)));
}

/* ---- rule 11a: System+ overload, where system-current is wired ------ */

#define SYSTEM_FETS	(OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE))

/* One sample of each size, either way: above 400 A opens System+ at once. */
struct peak_case {
	const char *what;
	s32 ua;
	bool trips;
};

static const struct peak_case peak_cases[] = {
	{ "400 A out", -MA(400000), false },
	{ "400.000001 A out", -MA(400000) - 1, true },
	{ "400 A in", MA(400000), false },
	{ "400.000001 A in", MA(400000) + 1, true },
	{ "2147 A out", S32_MIN, true },
};

static void peak_case_desc(const struct peak_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", p->what);
}

KUNIT_ARRAY_PARAM(peak, peak_cases, peak_case_desc);

static void system_overload_peak(struct kunit *test)
{
	const struct peak_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	KUNIT_ASSERT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, p->ua);
	b.in.now_ms += 100;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, !(b.st.outputs & SYSTEM_FETS), p->trips);
	KUNIT_EXPECT_EQ(test, code(&b, CODE(A_A12)), p->trips);
	if (!p->trips)
		return;
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_OVERCURRENT);
	/* The short-circuit path's retry: 10 s with System+ open. */
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, 0);
	bms_run(&b, DELAY(10000) - 1);
	KUNIT_EXPECT_FALSE(test, on(&b, SYSTEM_FETS));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_A12)));
}

/* Above 200 A, either way, for 60 s opens System+; at 200 A never. */
static const s32 continuous_signs[] = { -1, 1 };

static void sign_desc(const s32 *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", *p < 0 ? "discharge" : "charge");
}

KUNIT_ARRAY_PARAM(sign, continuous_signs, sign_desc);

static void system_overload_continuous(struct kunit *test)
{
	s32 sign = *(const s32 *)test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, sign * MA(200000));
	bms_run(&b, 120000);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);

	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, sign * (MA(200000) + 1));
	bms_step(&b);
	bms_run(&b, DELAY(60000) - 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_A12)));
	bms_run(&b, 1);
	KUNIT_EXPECT_FALSE(test, on(&b, SYSTEM_FETS));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_A12)));

	/* Retried after 10 s; the 60 s start again from there. */
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, 0);
	bms_run(&b, DELAY(10000));
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, sign * (MA(200000) + 1));
	bms_step(&b);
	bms_run(&b, DELAY(60000) - 1);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);

	/* A sample at or below 200 A restarts the 60 s. */
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, sign * MA(200000));
	bms_step(&b);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, sign * (MA(200000) + 1));
	bms_run(&b, 59000);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
}

/* Three overload trips within 60 s latch, as three short circuits do. */
static void system_overload_latch(struct kunit *test)
{
	struct bms b;
	int i;

	bms_init(&b);
	bms_settle(&b);
	for (i = 0; i < 3; i++) {
		bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, -MA(500000));
		bms_run(&b, 100);
		KUNIT_EXPECT_FALSE(test, on(&b, SYSTEM_FETS));
		bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, 0);
		bms_run(&b, DELAY(10000));
	}
	KUNIT_EXPECT_TRUE(test, b.st.sc_latched);
	bms_run(&b, 120000);
	KUNIT_EXPECT_FALSE(test, on(&b, SYSTEM_FETS));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_A12)));
	smartbms_engine_clear(&b.st);
	bms_run(&b, 100);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
}

/*
 * Not wired, or not read: no overload is made up, and a failed reading
 * neither starts nor restarts the 60 s.  The loop wakes for the 60 s end
 * even when the sampling is slow.
 */
static void system_overload_unread(struct kunit *test)
{
	struct bms b;
	u64 t0;

	bms_init(&b);
	b.in.meas_absent = BIT(SMARTBMS_MEAS_SYSTEM_UA);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, -MA(500000));
	bms_run(&b, 120000);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, -MA(250000));
	b.in.now_ms += 100;
	bms_step(&b);
	t0 = b.in.now_ms;
	b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_SYSTEM_UA);
	b.in.now_ms = t0 + 59500;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.outputs & SYSTEM_FETS, SYSTEM_FETS);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + DELAY(60000));
	b.in.now_ms = b.st.next_ms;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, SYSTEM_FETS));
}

/* Trips further apart than the 60 s window never latch. */
static void short_circuit_no_latch_outside_window(struct kunit *test)
{
	struct bms b;
	int i;

	bms_init(&b);
	bms_settle(&b);
	for (i = 0; i < 6; i++) {
		bms_short(&b);
		bms_run(&b, DELAY(30000));
		KUNIT_EXPECT_TRUE_MSG(test, on(&b, OUT(SYSTEM_DISCHARGE)), "trip %d", i);
	}
	/* ...but the third within 60 s does. */
	bms_short(&b);
	bms_run(&b, DELAY(10000));
	bms_short(&b);
	bms_run(&b, DELAY(10000));
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
}

/* ---- rule 12: signals lost (E-B32) ---------------------------------- */

struct lost_case {
	s32 battery_uv;
	bool raises;
};

static const struct lost_case lost_cases[] = {
	{ 11999999, false }, { MV(12000), true }, { MV(13200), true },
	{ MV(14400), true }, { 14400001, false },
};

static void lost_case_desc(const struct lost_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "battery %d uV", p->battery_uv);
}

KUNIT_ARRAY_PARAM(lost, lost_cases, lost_case_desc);

static void lines_lost_e_b32(struct kunit *test)
{
	const struct lost_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, p->battery_uv);
	b.set.charge_limit_uv = 15300000;
	bms_settle(&b);
	bms_line(&b, IN(CHARGE_ALLOWED) | IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	bms_run(&b, DELAY(60000) - 1);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B32)));
	bms_run(&b, 1);
	KUNIT_EXPECT_EQ(test, code(&b, CODE(E_B32)), p->raises);
	if (p->raises)
		KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_UNSPEC_FAILURE);

	/* The lines coming back clear it. */
	bms_line(&b, IN(CHARGE_ALLOWED) | IN(DISCHARGE_ALLOWED), true);
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B32)));
}

/* A battery pre-alarm well above its level: a battery without one. */
static void prealarm_implausible_e_b32(struct kunit *test)
{
	static const struct {
		s32 battery_uv;
		enum smartbms_prealarm_usage usage;
		bool raises;
	} cases[] = {
		{ 13000001, SMARTBMS_PREALARM_USE, true },
		{ MV(13000), SMARTBMS_PREALARM_USE, false },
		{ MV(13500), SMARTBMS_PREALARM_NOT_AVAILABLE, false },
	};
	struct bms b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bms_init(&b);
		b.set.prealarm_usage = cases[i].usage;
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, cases[i].battery_uv);
		bms_settle(&b);
		bms_line(&b, IN(BATTERY_PREALARM), true);
		bms_step(&b);
		bms_run(&b, DELAY(60000) - 1);
		KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B32)));
		bms_run(&b, 1);
		KUNIT_EXPECT_EQ_MSG(test, code(&b, CODE(E_B32)), cases[i].raises, "case %u", i);
	}
}

/* ---- rule 13: self-checks ------------------------------------------- */

/* E-B33 after 5 consecutive failed samples; the fail-safe follows. */
static void adc_failures_e_b33(struct kunit *test)
{
	struct bms b;
	int i;

	bms_init(&b);
	bms_settle(&b);
	bms_alternator_running(test, &b);

	/* A failing System+ current alone leaves everything else readable. */
	b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_SYSTEM_UA);
	for (i = 0; i < 4; i++) {
		b.in.now_ms += 100;
		bms_step(&b);
		KUNIT_EXPECT_FALSE_MSG(test, code(&b, CODE(E_B33)), "sample %d", i + 1);
		KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR)));
	}
	/* A good sample in between starts the count again. */
	b.in.meas_ok = SMARTBMS_ALL_MEAS;
	bms_run(&b, 100);
	b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_SYSTEM_UA);
	bms_run(&b, 400);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B33)));
	bms_run(&b, 100);
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(E_B33)));
	KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_UNSPEC_FAILURE);

	b.in.meas_ok = SMARTBMS_ALL_MEAS;
	bms_run(&b, 100);
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B33)));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE)));
}

struct reference_case {
	s32 uv;
	bool fails;
};

static const struct reference_case reference_cases[] = {
	{ 2449999, true }, { 2450000, false }, { 2550000, false }, { 2550001, true },
};

static void reference_case_desc(const struct reference_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "reference %d uV", p->uv);
}

KUNIT_ARRAY_PARAM(reference, reference_cases, reference_case_desc);

/*
 * The reference out of tolerance: untrusted, charging stops, discharge
 * follows the battery's lines.  A reading at the 95 C level still stops
 * discharge, trusted or not: taking away is always safe.
 */
static void reference_tolerance_e_b33(struct kunit *test)
{
	const struct reference_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_set(&b, SMARTBMS_MEAS_REFERENCE_UV, p->uv);
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, code(&b, CODE(E_B33)), p->fails);
	KUNIT_EXPECT_EQ(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT)), !p->fails);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));

	bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 95000);
	b.in.now_ms += 100;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(A_B15)));
}

static void calibration_e_b30(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	b.in.calibration_bad = true;
	bms_settle(&b);
	KUNIT_EXPECT_TRUE(test, code(&b, CODE(E_B30)));
	KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_CALIBRATION_REQUIRED);
	/* Discharge still follows the battery's lines. */
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	bms_run(&b, DELAY(30000));
	KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(PREALARM));
}

static void settings_e_b31(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	b.in.settings_bad = true;
	bms_settle(&b);
	KUNIT_EXPECT_EQ(test, b.st.codes, CODE(E_B31));
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_UNSPEC_FAILURE);
	/* The defaults apply: everything works. */
	KUNIT_EXPECT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM) &
			~OUT(ALTERNATOR));
	b.in.settings_bad = false;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.codes, 0);
}

/*
 * Rule 13: a trip in force is never released by a loss of trust or a
 * missing reading.  Every trip, against every way of losing trust: the trip
 * is made, trust goes, the trip's own condition clears for 20 s, and the
 * trip must hold all along; trust comes back, and the trip ends only as its
 * own rule says.
 */
enum trust_trip {
	TRUST_TRIP_OT_CHARGE,		/* 85 C */
	TRUST_TRIP_OT_DISCHARGE,	/* 95 C */
	TRUST_TRIP_LOCKOUT,
	TRUST_TRIP_SC_LATCH,
};

enum trust_loss {
	TRUST_LOSS_REFERENCE,		/* E-B33: reference out of tolerance */
	TRUST_LOSS_READS,		/* E-B33: the optional System+ current fails */
	TRUST_LOSS_OWN_READS,		/* the trip's own channel unreadable */
	TRUST_LOSS_CALIBRATION,		/* E-B30, for good */
};

struct trust_case {
	enum trust_trip trip;
	enum trust_loss loss;
};

static const struct trust_case trust_cases[] = {
	{ TRUST_TRIP_OT_CHARGE, TRUST_LOSS_REFERENCE },
	{ TRUST_TRIP_OT_CHARGE, TRUST_LOSS_READS },
	{ TRUST_TRIP_OT_CHARGE, TRUST_LOSS_OWN_READS },
	{ TRUST_TRIP_OT_CHARGE, TRUST_LOSS_CALIBRATION },
	{ TRUST_TRIP_OT_DISCHARGE, TRUST_LOSS_REFERENCE },
	{ TRUST_TRIP_OT_DISCHARGE, TRUST_LOSS_READS },
	{ TRUST_TRIP_OT_DISCHARGE, TRUST_LOSS_OWN_READS },
	{ TRUST_TRIP_OT_DISCHARGE, TRUST_LOSS_CALIBRATION },
	{ TRUST_TRIP_LOCKOUT, TRUST_LOSS_REFERENCE },
	{ TRUST_TRIP_LOCKOUT, TRUST_LOSS_READS },
	{ TRUST_TRIP_LOCKOUT, TRUST_LOSS_OWN_READS },
	{ TRUST_TRIP_LOCKOUT, TRUST_LOSS_CALIBRATION },
	{ TRUST_TRIP_SC_LATCH, TRUST_LOSS_REFERENCE },
	{ TRUST_TRIP_SC_LATCH, TRUST_LOSS_READS },
	{ TRUST_TRIP_SC_LATCH, TRUST_LOSS_CALIBRATION },
};

static void trust_case_desc(const struct trust_case *p, char *desc)
{
	static const char * const trips[] = {
		"over-temperature 85 C", "over-temperature 95 C", "lock-out",
		"short-circuit latch",
	};
	static const char * const losses[] = {
		"reference (E-B33)", "System+ current reads (E-B33)",
		"own channel unreadable", "calibration (E-B30)",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s", trips[p->trip], losses[p->loss]);
}

KUNIT_ARRAY_PARAM(trust, trust_cases, trust_case_desc);

static void bms_trust(struct bms *b, const struct trust_case *p, bool trusted)
{
	b->in.meas_ok = SMARTBMS_ALL_MEAS;
	bms_set(b, SMARTBMS_MEAS_REFERENCE_UV, MV(2500));
	if (trusted)
		return;
	switch (p->loss) {
	case TRUST_LOSS_REFERENCE:
		bms_set(b, SMARTBMS_MEAS_REFERENCE_UV, MV(2400));
		break;
	case TRUST_LOSS_READS:
		b->in.meas_ok &= ~BIT(SMARTBMS_MEAS_SYSTEM_UA);
		break;
	case TRUST_LOSS_OWN_READS:
		b->in.meas_ok &= ~BIT(p->trip == TRUST_TRIP_LOCKOUT ? SMARTBMS_MEAS_BATTERY_UV :
				      SMARTBMS_MEAS_TEMP_MC);
		break;
	case TRUST_LOSS_CALIBRATION:
		b->in.calibration_bad = true;
		break;
	}
}

/* Is the trip still in force?  Seen from the outputs and the codes. */
static bool trust_trip_held(struct bms *b, enum trust_trip trip)
{
	switch (trip) {
	case TRUST_TRIP_OT_CHARGE:
		return code(b, CODE(A_B15));
	case TRUST_TRIP_OT_DISCHARGE:
		return code(b, CODE(A_B15)) && !on(b, OUT(SYSTEM_DISCHARGE));
	case TRUST_TRIP_LOCKOUT:
		return b->st.lockout && !on(b, OUT(SYSTEM_CHARGE) | OUT(ALTERNATOR));
	case TRUST_TRIP_SC_LATCH:
		return code(b, CODE(A_A12)) && !on(b, OUT(SYSTEM_DISCHARGE));
	}
	return false;
}

static void trips_hold_without_trust(struct kunit *test)
{
	const struct trust_case *p = test->param_value;
	struct bms b;
	int i;

	bms_init(&b);
	bms_settle(&b);
	switch (p->trip) {
	case TRUST_TRIP_OT_CHARGE:
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 85000);
		break;
	case TRUST_TRIP_OT_DISCHARGE:
		bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 95000);
		break;
	case TRUST_TRIP_LOCKOUT:
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(14200));
		break;
	case TRUST_TRIP_SC_LATCH:
		for (i = 0; i < 3; i++) {
			bms_short(&b);
			bms_run(&b, DELAY(10000));
		}
		break;
	}
	bms_run(&b, 100);
	KUNIT_ASSERT_TRUE(test, trust_trip_held(&b, p->trip));

	/*
	 * Trust goes (E-B33 for failing reads after their 5 samples); then
	 * the trip's own condition clears, for 20 s.
	 */
	bms_trust(&b, p, false);
	bms_run(&b, 500);
	bms_set(&b, SMARTBMS_MEAS_TEMP_MC, 25000);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(13000));
	for (i = 0; i < 200; i++) {
		bms_run(&b, 100);
		KUNIT_ASSERT_TRUE_MSG(test, trust_trip_held(&b, p->trip),
				      "released %d ms after trust was lost", (i + 1) * 100);
	}
	if (p->loss != TRUST_LOSS_OWN_READS)
		KUNIT_EXPECT_TRUE(test, code(&b, CODE(E_B30) | CODE(E_B33)));
	if (p->loss == TRUST_LOSS_CALIBRATION)
		return;

	/* Trust is back: the trip ends as its own rule says, and no sooner. */
	bms_trust(&b, p, true);
	switch (p->trip) {
	case TRUST_TRIP_OT_CHARGE:
	case TRUST_TRIP_OT_DISCHARGE:
		bms_run(&b, 100);
		KUNIT_EXPECT_FALSE(test, code(&b, CODE(A_B15)));
		KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)));
		break;
	case TRUST_TRIP_LOCKOUT:
		b.in.now_ms += 1;
		bms_step(&b);
		bms_run(&b, DELAY(10000) - 1);
		KUNIT_EXPECT_TRUE(test, trust_trip_held(&b, p->trip));
		bms_run(&b, 1);
		KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_CHARGE)));
		break;
	case TRUST_TRIP_SC_LATCH:
		bms_run(&b, 120000);
		KUNIT_EXPECT_TRUE(test, trust_trip_held(&b, p->trip));
		break;
	}
}

/* While the BMS's own temperature is unknown, charging stops at once. */
static void temperature_unknown_stops_charging(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	bms_alternator_running(test, &b);
	b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_TEMP_MC);
	b.in.now_ms += 100;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.outputs, OUT(SYSTEM_DISCHARGE) | OUT(LOAD_DISCONNECT));
	KUNIT_EXPECT_FALSE(test, code(&b, CODE(E_B33)));
	/* A reading again: charging comes back (the alternator stayed qualified). */
	b.in.meas_ok = SMARTBMS_ALL_MEAS;
	b.in.now_ms += 100;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.outputs, SMARTBMS_ALL_OUTPUTS & ~OUT(PREALARM));
}

/* ---- the power supply view ------------------------------------------ */

static void power_supply_status(struct kunit *test)
{
	struct bms b;

	bms_init(&b);
	b.in.meas_absent = BIT(SMARTBMS_MEAS_SYSTEM_UA);
	bms_settle(&b);
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_UNKNOWN);
	KUNIT_EXPECT_EQ(test, b.st.health, POWER_SUPPLY_HEALTH_GOOD);
	KUNIT_EXPECT_EQ(test, b.st.capacity_level, POWER_SUPPLY_CAPACITY_LEVEL_NORMAL);

	bms_alternator_running(test, &b);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, MA(40000));
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_CHARGING);

	b.in.meas_absent = 0;
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UA, 0);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, MA(-20000));
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_DISCHARGING);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, MA(20000));
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_CHARGING);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, 0);
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.status, POWER_SUPPLY_STATUS_NOT_CHARGING);

	b.in.meas_ok &= ~BIT(SMARTBMS_MEAS_BATTERY_UV);
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.capacity_level, POWER_SUPPLY_CAPACITY_LEVEL_UNKNOWN);
}

/* ---- scheduling: exact deadlines and the adaptive rate -------------- */

static void next_evaluation(struct kunit *test)
{
	struct bms b;
	u64 t0;

	bms_init(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(12800));
	bms_settle(&b);
	/* At rest: the slow rate. */
	KUNIT_EXPECT_EQ(test, b.st.next_ms, b.in.now_ms + 1000);

	/* Current flows: the fast rate. */
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, MA(-10000));
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, b.in.now_ms + 100);
	bms_set(&b, SMARTBMS_MEAS_SYSTEM_UA, 0);

	/* Near the alternator's qualification level: fast too. */
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(12900));
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, b.in.now_ms + 100);
	bms_set(&b, SMARTBMS_MEAS_ALTERNATOR_UV, MV(11000));

	/* A delay ends before the next slow sample: wake exactly then. */
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	t0 = b.in.now_ms;
	b.in.now_ms = t0 + 29500;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + DELAY(30000));
	b.in.now_ms = b.st.next_ms;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT)));
}

/*
 * The levels of the adaptive rate (section 4) and of the status, on both
 * sides: current flows above 0.5 A either way; a voltage within 0.2 V of a
 * threshold and a temperature within 5 C of the first release level are
 * near.  Each case moves one reading from a resting system.
 */
struct rate_case {
	const char *what;
	enum smartbms_meas m;
	s32 val;
	bool fast;
	int status;
};

static const struct rate_case rate_cases[] = {
	{ "System+ 0.5 A in", SMARTBMS_MEAS_SYSTEM_UA, MA(500), false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "System+ 0.500001 A in", SMARTBMS_MEAS_SYSTEM_UA, MA(500) + 1, true,
	  POWER_SUPPLY_STATUS_CHARGING },
	{ "System+ 0.5 A out", SMARTBMS_MEAS_SYSTEM_UA, -MA(500), false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "System+ 0.500001 A out", SMARTBMS_MEAS_SYSTEM_UA, -MA(500) - 1, true,
	  POWER_SUPPLY_STATUS_DISCHARGING },
	{ "alternator 0.5 A", SMARTBMS_MEAS_ALTERNATOR_UA, MA(500), false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "alternator 0.500001 A", SMARTBMS_MEAS_ALTERNATOR_UA, MA(500) + 1, true,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "alternator 13.2 V", SMARTBMS_MEAS_ALTERNATOR_UV, MV(13200), true,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "alternator 13.200001 V", SMARTBMS_MEAS_ALTERNATOR_UV, MV(13200) + 1, false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "alternator 12.8 V", SMARTBMS_MEAS_ALTERNATOR_UV, MV(12800), true,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "alternator 12.799999 V", SMARTBMS_MEAS_ALTERNATOR_UV, MV(12800) - 1, false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "battery 14.0 V, 0.2 V below the limit", SMARTBMS_MEAS_BATTERY_UV, MV(14000), true,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "battery 13.999999 V", SMARTBMS_MEAS_BATTERY_UV, MV(14000) - 1, false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "temperature 70 C", SMARTBMS_MEAS_TEMP_MC, 70000, true,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
	{ "temperature 69.999 C", SMARTBMS_MEAS_TEMP_MC, 69999, false,
	  POWER_SUPPLY_STATUS_NOT_CHARGING },
};

static void rate_case_desc(const struct rate_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", p->what);
}

KUNIT_ARRAY_PARAM(rate, rate_cases, rate_case_desc);

static void sampling_rate_levels(struct kunit *test)
{
	const struct rate_case *p = test->param_value;
	struct bms b;

	bms_init(&b);
	bms_settle(&b);
	KUNIT_ASSERT_EQ(test, b.st.next_ms, b.in.now_ms + 1000);
	bms_set(&b, p->m, p->val);
	b.in.now_ms += 100;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, b.in.now_ms + (p->fast ? 100 : 1000));
	KUNIT_EXPECT_EQ(test, b.st.status, p->status);
}

/*
 * Whole milliseconds: a condition first seen at millisecond t0 may have
 * begun as late as t0 + 0.999 ms, so at t0 + 30000 the 30 s lead may have
 * run only 29 999.001 ms.  Every delay, held condition or retry after a
 * trip, ends at t0 + ms + 1; the engine wakes exactly then, and the fast
 * path agrees with it on both sides.
 */
static void delays_end_when_surely_passed(struct kunit *test)
{
	struct bms b;
	u64 t0;

	bms_init(&b);
	bms_settle(&b);

	/* A condition held: the pre-alarm lead. */
	bms_line(&b, IN(DISCHARGE_ALLOWED), false);
	bms_step(&b);
	t0 = b.in.now_ms;
	b.in.now_ms = t0 + 29500;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + 30001);
	b.in.now_ms = t0 + 30000;
	KUNIT_EXPECT_EQ(test, smartbms_engine_fast_trip(&b.st, &b.set, &b.in), 0);
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(LOAD_DISCONNECT)));
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + 30001);
	b.in.now_ms = t0 + 30001;
	KUNIT_EXPECT_EQ(test, smartbms_engine_fast_trip(&b.st, &b.set, &b.in),
			OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE));
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(LOAD_DISCONNECT)));

	/* A retry after a trip: the short circuit. */
	bms_init(&b);
	bms_settle(&b);
	t0 = b.in.now_ms;
	bms_short(&b);
	b.in.now_ms = t0 + 9500;
	bms_step(&b);
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + 10001);
	b.in.now_ms = t0 + 10000;
	bms_step(&b);
	KUNIT_EXPECT_FALSE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
	KUNIT_EXPECT_EQ(test, b.st.next_ms, t0 + 10001);
	b.in.now_ms = t0 + 10001;
	bms_step(&b);
	KUNIT_EXPECT_TRUE(test, on(&b, OUT(SYSTEM_DISCHARGE)));
}

/* ---- randomised sequences with invariants --------------------------- */

/*
 * An independent oracle for the invariants: what the specification says
 * about the recent past, tracked here from the inputs alone.
 */
struct oracle {
	bool lockout;
	bool release_running;
	u64 release_since;
	bool alt_qualified;
	bool above_running, below_running;
	u64 above_since, below_since;
	bool pre_running, high_running;
	u64 pre_since, high_since;
	u64 sc_open_ms;
	bool sc_open;
	bool sys_over_running, sys_over_tripped;
	u64 sys_over_since;
};

static s32 rand_range(struct rnd_state *r, s32 lo, s32 hi)
{
	return lo + (s32)(prandom_u32_state(r) % (u32)(hi - lo + 1));
}

static bool chance(struct rnd_state *r, u32 per_mille)
{
	return prandom_u32_state(r) % 1000 < per_mille;
}

/* Values right at the thresholds the rules care about. */
static s32 interesting_uv(struct rnd_state *r, const struct bms *b)
{
	s32 limit = b->set.charge_limit_uv;
	const s32 v[] = {
		MV(13000), MV(13000) + 1, limit, limit - 1, limit - 500000,
		limit - 500001, MV(12000), MV(14400), b->in.meas[SMARTBMS_MEAS_BATTERY_UV],
		b->in.meas[SMARTBMS_MEAS_BATTERY_UV] + 1,
	};

	return v[prandom_u32_state(r) % ARRAY_SIZE(v)];
}

static void random_inputs(struct rnd_state *r, struct bms *b)
{
	static const s32 temps[] = { 74999, 75000, 84999, 85000, 94999, 95000 };
	s32 *m = b->in.meas;
	u32 p = prandom_u32_state(r) % 100;
	unsigned int i;

	b->in.now_ms += p < 70 ? rand_range(r, 1, 200) :
			p < 95 ? rand_range(r, 200, 3000) : rand_range(r, 3000, 40000);

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++)
		if (chance(r, i == SMARTBMS_IN_SHORT_CIRCUIT ? 10 : 40))
			b->in.lines ^= BIT(i);
	if (chance(r, 300))
		b->in.lines &= ~IN(SHORT_CIRCUIT);
	b->in.lines_bad = chance(r, 20) ? BIT(prandom_u32_state(r) % SMARTBMS_NUM_INPUTS) : 0;

	m[SMARTBMS_MEAS_BATTERY_UV] = clamp(m[SMARTBMS_MEAS_BATTERY_UV] +
					    rand_range(r, -60000, 60000), MV(11000), MV(15800));
	m[SMARTBMS_MEAS_ALTERNATOR_UV] = clamp(m[SMARTBMS_MEAS_ALTERNATOR_UV] +
					       rand_range(r, -150000, 150000),
					       MV(10000), MV(15800));
	if (chance(r, 50))
		m[SMARTBMS_MEAS_BATTERY_UV] = interesting_uv(r, b);
	if (chance(r, 50))
		m[SMARTBMS_MEAS_ALTERNATOR_UV] = interesting_uv(r, b);
	m[SMARTBMS_MEAS_TEMP_MC] = clamp(m[SMARTBMS_MEAS_TEMP_MC] + rand_range(r, -1500, 1500),
					 -20000, 110000);
	if (chance(r, 30))
		m[SMARTBMS_MEAS_TEMP_MC] = temps[prandom_u32_state(r) % ARRAY_SIZE(temps)];
	m[SMARTBMS_MEAS_ALTERNATOR_UA] = b->st.outputs & OUT(ALTERNATOR) ?
					 rand_range(r, 0, MA(130000)) : 0;
	m[SMARTBMS_MEAS_SYSTEM_UA] = rand_range(r, MA(-200000), MA(200000));
	if (chance(r, 20)) {
		static const s32 sys[] = {
			MA(200000), MA(200000) + 1, MA(400000), MA(400000) + 1,
		};

		m[SMARTBMS_MEAS_SYSTEM_UA] = sys[prandom_u32_state(r) % ARRAY_SIZE(sys)] *
					     (chance(r, 500) ? -1 : 1);
	} else if (chance(r, 10)) {
		m[SMARTBMS_MEAS_SYSTEM_UA] = rand_range(r, MA(-500000), MA(500000));
	}
	m[SMARTBMS_MEAS_REFERENCE_UV] = chance(r, 20) ?
					rand_range(r, MV(2300), MV(2700)) : MV(2500);
	b->in.meas_ok = SMARTBMS_ALL_MEAS;
	if (chance(r, 30))
		b->in.meas_ok &= ~BIT(prandom_u32_state(r) % SMARTBMS_NUM_MEAS);
	if (chance(r, 5))
		b->in.meas_ok = 0;
	b->in.calibration_bad = chance(r, 3) ? !b->in.calibration_bad : b->in.calibration_bad;
	b->in.settings_bad = chance(r, 3) ? !b->in.settings_bad : b->in.settings_bad;
	b->in.limiter = chance(r, 3) ? !b->in.limiter : b->in.limiter;

	if (chance(r, 4))
		b->set.fuse = prandom_u32_state(r) % SMARTBMS_NUM_FUSES;
	if (chance(r, 4))
		b->set.prealarm_usage = prandom_u32_state(r) % 2;
	if (chance(r, 4))
		b->set.prealarm_output = prandom_u32_state(r) % 2;
	if (chance(r, 4))
		b->set.charge_limit_uv = rand_range(r, 1300, 1530) * 10000;
	if (chance(r, 4))
		b->set.remote_function = prandom_u32_state(r) % 3;
	if (chance(r, 8))
		b->set.soft_switch = !b->set.soft_switch;
}

/* The lines as the specification reads them (rule 12 for unreadable ones). */
static u32 spec_lines(const struct bms *b)
{
	u32 l = b->in.lines & ~b->in.lines_bad;

	l |= b->in.lines_bad & (IN(BATTERY_PREALARM) | IN(SHORT_CIRCUIT));
	if (b->set.prealarm_usage == SMARTBMS_PREALARM_NOT_AVAILABLE)
		l &= ~IN(BATTERY_PREALARM);
	return l;
}

static void oracle_track(bool cond, bool *running, u64 *since, u64 now)
{
	if (!cond) {
		*running = false;
	} else if (!*running) {
		*running = true;
		*since = now;
	}
}

static void oracle_update(struct oracle *o, const struct bms *b, bool suspended)
{
	const s32 *m = b->in.meas;
	u64 now = b->in.now_ms;
	u32 l = spec_lines(b);
	bool bat_ok = b->in.meas_ok & BIT(SMARTBMS_MEAS_BATTERY_UV);
	bool alt_ok = b->in.meas_ok & BIT(SMARTBMS_MEAS_ALTERNATOR_UV);
	bool low = !(l & IN(DISCHARGE_ALLOWED));
	bool bat = l & IN(BATTERY_PREALARM);

	if (suspended) {
		/* Trips in force survive "switch everything off" (rule 10). */
		bool lockout = o->lockout;

		memset(o, 0, sizeof(*o));
		o->lockout = lockout;
		return;
	}

	/* Rule 3. */
	if (bat_ok && !o->lockout && m[SMARTBMS_MEAS_BATTERY_UV] >= (s32)b->set.charge_limit_uv) {
		o->lockout = true;
		o->release_running = false;
	}
	if (o->lockout) {
		oracle_track(bat_ok && m[SMARTBMS_MEAS_BATTERY_UV] <=
			     (s32)b->set.charge_limit_uv - 500000,
			     &o->release_running, &o->release_since, now);
		if (o->release_running && now - o->release_since >= DELAY(10000))
			o->lockout = false;
	}

	/* Rule 1: qualified above 13.0 V for 1 s, lost at or below for 2 s. */
	if (!alt_ok) {
		o->alt_qualified = false;
		o->above_running = false;
		o->below_running = false;
	} else {
		bool above = m[SMARTBMS_MEAS_ALTERNATOR_UV] > MV(13000);

		oracle_track(above, &o->above_running, &o->above_since, now);
		oracle_track(!above, &o->below_running, &o->below_since, now);
		if (o->above_running && now - o->above_since >= DELAY(1000))
			o->alt_qualified = true;
		if (o->below_running && now - o->below_since >= DELAY(2000))
			o->alt_qualified = false;
	}

	/* Rule 7. */
	oracle_track(bat || low, &o->pre_running, &o->pre_since, now);
	oracle_track(!low, &o->high_running, &o->high_since, now);

	/*
	 * Rule 11a: above 200 A either way for 60 s (a failed reading neither
	 * starts nor restarts it).  A short-circuit trip during the 60 s may
	 * restart them: only a run without one is held to the 60 s.
	 */
	if (b->in.meas_ok & BIT(SMARTBMS_MEAS_SYSTEM_UA)) {
		bool was = o->sys_over_running;

		oracle_track(abs(m[SMARTBMS_MEAS_SYSTEM_UA]) > MA(200000), &o->sys_over_running,
			     &o->sys_over_since, now);
		if (!was)
			o->sys_over_tripped = false;
	}
	if (o->sys_over_running && (b->st.codes & CODE(A_A12)))
		o->sys_over_tripped = true;
}

/* Must System+ be open now for an overload (rule 11a)? */
static bool oracle_overload(const struct oracle *o, const struct bms *b)
{
	s64 sys = b->in.meas[SMARTBMS_MEAS_SYSTEM_UA];

	if ((b->in.meas_ok & BIT(SMARTBMS_MEAS_SYSTEM_UA)) && abs(sys) > MA(400000))
		return true;
	return o->sys_over_running && !o->sys_over_tripped &&
	       b->in.now_ms - o->sys_over_since >= DELAY(60000);
}

static void check_invariants(struct kunit *test, const struct bms *b,
			     const struct oracle *o, u32 before, u32 fast,
			     bool suspended, unsigned int step)
{
	u32 now_on = b->st.outputs, came = now_on & ~before, went = before & ~now_on;
	const s32 *m = b->in.meas;
	u32 l = spec_lines(b);
	u64 now = b->in.now_ms;
	bool on = b->set.soft_switch && (l & IN(REMOTE));

	KUNIT_EXPECT_EQ_MSG(test, now_on & ~SMARTBMS_ALL_OUTPUTS, 0, "step %u", step);
	KUNIT_EXPECT_GT_MSG(test, b->st.next_ms, now, "step %u", step);

	/* The alternator port never conducts backwards or against the battery. */
	if (now_on & OUT(ALTERNATOR)) {
		KUNIT_EXPECT_TRUE_MSG(test, (b->in.meas_ok & BIT(SMARTBMS_MEAS_ALTERNATOR_UV)) &&
				      (b->in.meas_ok & BIT(SMARTBMS_MEAS_BATTERY_UV)) &&
				      m[SMARTBMS_MEAS_ALTERNATOR_UV] > m[SMARTBMS_MEAS_BATTERY_UV],
				      "step %u: alternator port on at or below the battery", step);
		KUNIT_EXPECT_TRUE_MSG(test, l & IN(CHARGE_ALLOWED),
				      "step %u: alternator on, charge-allowed low", step);
		KUNIT_EXPECT_FALSE_MSG(test, o->lockout,
				       "step %u: alternator on in lock-out", step);
		KUNIT_EXPECT_TRUE_MSG(test, o->alt_qualified,
				      "step %u: alternator on without qualification", step);
	}
	/* System+ charging never without charge-allowed or during lock-out. */
	if (now_on & OUT(SYSTEM_CHARGE)) {
		KUNIT_EXPECT_TRUE_MSG(test, l & IN(CHARGE_ALLOWED),
				      "step %u: System+ charging, charge-allowed low", step);
		KUNIT_EXPECT_FALSE_MSG(test, o->lockout, "step %u: System+ charging in lock-out",
				       step);
	}
	/*
	 * Load disconnect floats only after the pre-alarm has been on for the
	 * 30 s lead, whatever raised it, unless everything is switched off.
	 */
	if ((went & OUT(LOAD_DISCONNECT)) && !suspended)
		KUNIT_EXPECT_TRUE_MSG(test, o->pre_running && now - o->pre_since >= DELAY(30000),
				      "step %u: loads cut %llu ms into the pre-alarm", step,
				      now - o->pre_since);
	/* Nothing taken away comes back before its qualification delay. */
	if (came & OUT(LOAD_DISCONNECT))
		KUNIT_EXPECT_TRUE_MSG(test, o->high_running && now - o->high_since >= DELAY(1000),
				      "step %u: discharge back too early", step);
	if (came & (OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)) && o->sc_open)
		KUNIT_EXPECT_GE_MSG(test, now - o->sc_open_ms, DELAY(10000),
				    "step %u: System+ back before the short-circuit retry", step);
	/* A System+ overload opens both System+ FETs, as a short circuit. */
	if (oracle_overload(o, b)) {
		KUNIT_EXPECT_FALSE_MSG(test, now_on & (OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)),
				       "step %u: System+ on in an overload", step);
		if (!suspended)
			KUNIT_EXPECT_TRUE_MSG(test, b->st.codes & CODE(A_A12),
					      "step %u: overload without A-A12", step);
	}
	/* Switch everything off: every output in its not-allowed state. */
	if (!on && b->set.remote_function == SMARTBMS_REMOTE_EVERYTHING)
		KUNIT_EXPECT_EQ_MSG(test, now_on, 0, "step %u: output on while switched off", step);
	KUNIT_EXPECT_EQ_MSG(test, b->st.suspended,
			    !on && b->set.remote_function == SMARTBMS_REMOTE_EVERYTHING,
			    "step %u: suspended %d", step, b->st.suspended);
	/* The fast path only takes away what the full evaluation takes away. */
	KUNIT_EXPECT_EQ_MSG(test, fast & now_on, 0,
			    "step %u: fast path dropped %#x, full evaluation kept %#x",
			    step, fast, now_on);
}

static const u64 random_seeds[] = { 1, 0x5eed, 20261124, 0xba77e4 };

static void random_seed_desc(const u64 *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %llu", *p);
}

KUNIT_ARRAY_PARAM(random_seed, random_seeds, random_seed_desc);

/*
 * The driver decides each edge's trip ahead (smartbms_arm()) and writes
 * that first, so the fast path must never drop less later on: what it
 * drops at a time is within what it drops at any later time.
 */
static void fast_trip_grows(struct kunit *test, struct rnd_state *r,
			    const struct bms *b, u32 fast, unsigned int step)
{
	struct smartbms_inputs later = b->in;
	u32 then;

	later.now_ms += prandom_u32_state(r) % (2 * smartbms_tunables.prealarm_lead_ms);
	then = smartbms_engine_fast_trip(&b->st, &b->set, &later);
	KUNIT_EXPECT_EQ_MSG(test, fast & ~then, 0,
			    "step %u: dropped %#x at %llu ms, only %#x at %llu ms",
			    step, fast, b->in.now_ms, then, later.now_ms);
}

/* 10,000 random steps per seed; the invariants after every one. */
static void random_sequences_keep_invariants(struct kunit *test)
{
	u64 seed = *(const u64 *)test->param_value;
	struct rnd_state r;
	struct oracle o = {};
	struct bms b;
	unsigned int step;

	prandom_seed_state(&r, seed);
	bms_init(&b);
	bms_step(&b);
	oracle_update(&o, &b, false);

	for (step = 0; step < 10000; step++) {
		u32 before = b.st.outputs, fast, l;
		bool suspended;

		random_inputs(&r, &b);
		fast = smartbms_engine_fast_trip(&b.st, &b.set, &b.in);
		fast_trip_grows(test, &r, &b, fast, step);
		bms_step(&b);

		l = spec_lines(&b);
		suspended = !(b.set.soft_switch && (l & IN(REMOTE))) &&
			    b.set.remote_function == SMARTBMS_REMOTE_EVERYTHING;
		oracle_update(&o, &b, suspended);
		if (((l & IN(SHORT_CIRCUIT)) || oracle_overload(&o, &b)) &&
		    (before & ~b.st.outputs & (OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE)))) {
			o.sc_open = true;
			o.sc_open_ms = b.in.now_ms;
		}
		check_invariants(test, &b, &o, before, fast, suspended, step);
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "seed %llu, first failure at step %u", seed, step);
			return;
		}
	}
}

/*
 * The window's edge: a third trip counted 60 s after the first latches (it
 * may really have come a little less than 60 s later), one a millisecond
 * later does not.
 */
static void short_circuit_latch_window(struct kunit *test)
{
	static const struct {
		u32 third_ms;
		bool latches;
	} cases[] = { { DELAY(60000) - 1, true }, { DELAY(60000), false } };
	struct bms b;
	unsigned int i;
	u64 t0;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bms_init(&b);
		bms_settle(&b);
		t0 = b.in.now_ms;
		bms_short(&b);
		bms_run(&b, 25000);
		bms_short(&b);
		bms_run(&b, cases[i].third_ms - 25000);
		KUNIT_ASSERT_EQ(test, b.in.now_ms, t0 + cases[i].third_ms);
		bms_short(&b);
		bms_run(&b, DELAY(10000));
		KUNIT_EXPECT_EQ_MSG(test, !on(&b, OUT(SYSTEM_DISCHARGE)), cases[i].latches,
				    "third trip at %u ms", cases[i].third_ms);
	}
}

/* ---- the timed rules: edges in the orders the manual leaves open ---- */

/*
 * Each case places the edges of one timed rule in an order or a spacing
 * the manual does not spell out, and its description says the outcome the
 * manual implies.  A case is a list of events, in milliseconds from its
 * start: what is set at t is in the sample at t; a check at t looks at
 * that sample, a check from t to u at every sample in between, u itself
 * included.  Between the events' times the BMS is sampled every 100 ms,
 * and no sample may see the fast path drop what the step keeps.
 */

#define LOADS		(OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE))
#define SYSTEM_FETS	(OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE))
#define CHARGING	(OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT))

enum edge_op {
	EDGE_END,
	EDGE_LINE,		/* @what: IN() bits, @val: the level */
	EDGE_MEAS,		/* @what: enum smartbms_meas, @val: the value */
	EDGE_UNREADABLE,	/* @what: enum smartbms_meas, @val: unreadable */
	EDGE_LIMIT,		/* @val: the charge limit */
	EDGE_USAGE,		/* @val: enum smartbms_prealarm_usage */
	EDGE_SOFT_SWITCH,	/* @val: on */
	EDGE_CLEAR,		/* what the clear file does */
	EDGE_PULSE,		/* @what: IN() bits active in this one sample */
	EDGE_OUTPUTS,		/* check from @at to @until: @what all on (@val) or off */
	EDGE_CODES,		/* check at @at: @what all shown (@val) or not */
};

/**
 * struct edge - one event of a case
 * @at: when, in ms from the start of the case
 * @until: for a check of the outputs, the last millisecond it holds
 * @op: what happens
 * @what: the lines, measurement, outputs or codes concerned
 * @val: the level or value; for a check, whether @what is on
 */
struct edge {
	u32 at;
	u32 until;
	enum edge_op op;
	u32 what;
	s32 val;
};

#define SET_LINE(t, l, v)	{ .at = (t), .op = EDGE_LINE, .what = IN(l), .val = (v) }
#define SET_MEAS(t, m, v)	{ .at = (t), .op = EDGE_MEAS, .what = SMARTBMS_MEAS_##m, \
				  .val = (v) }
#define SET_UNREADABLE(t, m, v)	{ .at = (t), .op = EDGE_UNREADABLE, .what = SMARTBMS_MEAS_##m, \
				  .val = (v) }
#define SET_LIMIT(t, uv)	{ .at = (t), .op = EDGE_LIMIT, .val = (uv) }
#define SET_USAGE(t, u)		{ .at = (t), .op = EDGE_USAGE, .val = SMARTBMS_PREALARM_##u }
#define SET_SOFT_SWITCH(t, v)	{ .at = (t), .op = EDGE_SOFT_SWITCH, .val = (v) }
#define DO_CLEAR(t)		{ .at = (t), .op = EDGE_CLEAR }
#define DO_SHORT(t)		{ .at = (t), .op = EDGE_PULSE, .what = IN(SHORT_CIRCUIT) }
#define WANT_ON(t, u, o)	{ .at = (t), .until = (u), .op = EDGE_OUTPUTS, .what = (o), \
				  .val = 1 }
#define WANT_OFF(t, u, o)	{ .at = (t), .until = (u), .op = EDGE_OUTPUTS, .what = (o) }
#define WANT_CODE(t, c, on)	{ .at = (t), .op = EDGE_CODES, .what = CODE(c), .val = (on) }

enum edge_start {
	START_REST,		/* at rest, the battery at 12.8 V */
	START_LOCKOUT,		/* the 14.2 V charge limit reached: lock-out */
	START_UNDERVOLTAGE,	/* discharge stopped by discharge-allowed low (A-B11) */
};

#define EDGE_EVENTS	20

/**
 * struct edge_case - one order of a timed rule's edges
 * @desc: the order, and the outcome the manual implies
 * @start: the state the case starts from
 * @ev: the events, up to the first %EDGE_END
 */
struct edge_case {
	const char *desc;
	enum edge_start start;
	struct edge ev[EDGE_EVENTS];
};

static void edge_apply(struct bms *b, const struct edge *e)
{
	switch (e->op) {
	case EDGE_LINE:
		bms_line(b, e->what, e->val);
		break;
	case EDGE_MEAS:
		bms_set(b, e->what, e->val);
		break;
	case EDGE_UNREADABLE:
		if (e->val)
			b->in.meas_ok &= ~BIT(e->what);
		else
			b->in.meas_ok |= BIT(e->what);
		break;
	case EDGE_LIMIT:
		b->set.charge_limit_uv = e->val;
		break;
	case EDGE_USAGE:
		b->set.prealarm_usage = e->val;
		break;
	case EDGE_SOFT_SWITCH:
		b->set.soft_switch = e->val;
		break;
	case EDGE_CLEAR:
		smartbms_engine_clear(&b->st);
		break;
	case EDGE_PULSE:
		bms_line(b, e->what, true);
		break;
	default:
		break;
	}
}

/* The shared runner: every sample from the start to the last event. */
static void edges_run(struct kunit *test, struct bms *b, const struct edge *ev)
{
	u64 t0 = b->in.now_ms;
	u32 t = 0, next, fast, pulse, got, last;
	const struct edge *e;
	bool more;

	for (;;) {
		pulse = 0;
		for (e = ev; e->op; e++) {
			if (e->op >= EDGE_OUTPUTS || e->at != t)
				continue;
			edge_apply(b, e);
			if (e->op == EDGE_PULSE)
				pulse |= e->what;
		}
		b->in.now_ms = t0 + t;
		fast = smartbms_engine_fast_trip(&b->st, &b->set, &b->in);
		bms_step(b);
		bms_line(b, pulse, false);
		KUNIT_EXPECT_EQ_MSG(test, fast & b->st.outputs, 0,
				    "at %u ms: the fast path dropped what the step keeps", t);

		next = t + 100;
		more = false;
		for (e = ev; e->op; e++) {
			last = e->op == EDGE_OUTPUTS ? e->until : e->at;
			if (e->op >= EDGE_OUTPUTS && e->at <= t && t <= last) {
				got = e->op == EDGE_CODES ? b->st.codes : b->st.outputs;
				KUNIT_EXPECT_EQ_MSG(test, got & e->what, e->val ? e->what : 0,
						    "at %u ms: %s %#x", t, e->op == EDGE_CODES ?
						    "codes" : "outputs", got);
			}
			if (last > t) {
				next = min(next, e->at > t ? e->at : last);
				more = true;
			}
		}
		if (!more || test->status == KUNIT_FAILURE)
			break;
		t = next;
	}
}

static void edges_case(struct kunit *test)
{
	const struct edge_case *p = test->param_value;
	struct bms b;

	KUNIT_EXPECT_LT(test, strlen(p->desc), (size_t)KUNIT_PARAM_DESC_SIZE);
	bms_init(&b);
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(12800));
	bms_settle(&b);
	switch (p->start) {
	case START_LOCKOUT:
		bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(14200));
		bms_run(&b, 100);
		KUNIT_ASSERT_FALSE(test, on(&b, OUT(SYSTEM_CHARGE)));
		break;
	case START_UNDERVOLTAGE:
		bms_line(&b, IN(DISCHARGE_ALLOWED), false);
		bms_step(&b);
		bms_run(&b, DELAY(30000));
		KUNIT_ASSERT_TRUE(test, code(&b, CODE(A_B11)));
		break;
	default:
		break;
	}
	b.in.now_ms += 100;
	edges_run(test, &b, p->ev);
}

/* Rule 3, from a lock-out at the 14.2 V limit: its release level is 13.7 V. */
static const struct edge_case lockout_edge_cases[] = {
	{ "above the release level at 9.9 s restarts the 10 s: released at 20.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(9900, BATTERY_UV, MV(13700) + 1),
		SET_MEAS(10000, BATTERY_UV, MV(13700)),
		WANT_OFF(0, 20000, OUT(SYSTEM_CHARGE)),
		WANT_ON(20001, 21000, OUT(SYSTEM_CHARGE)) } },
	{ "above at 10.000 s, the 10 s not surely over, restarts them: released at 20.002 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(10000, BATTERY_UV, MV(13700) + 1),
		SET_MEAS(10001, BATTERY_UV, MV(13700)),
		WANT_OFF(0, 20001, OUT(SYSTEM_CHARGE)),
		WANT_ON(20002, 21000, OUT(SYSTEM_CHARGE)) } },
	{ "the battery unreadable at 9.9 s restarts the 10 s: released at 20.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_UNREADABLE(9900, BATTERY_UV, true),
		SET_UNREADABLE(10000, BATTERY_UV, false),
		WANT_OFF(0, 20000, OUT(SYSTEM_CHARGE)),
		WANT_ON(20001, 21000, OUT(SYSTEM_CHARGE)) } },
	{ "dipping to 13.0 V and back to 13.7 V: below the release level all along, 10.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(3000, BATTERY_UV, MV(13000)),
		SET_MEAS(6000, BATTERY_UV, MV(13700)),
		WANT_OFF(0, 10000, OUT(SYSTEM_CHARGE)),
		WANT_ON(10001, 11000, OUT(SYSTEM_CHARGE)) } },
	{ "above the release level at 9.5 s and 19.1 s: each restarts, released at 29.201 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(9500, BATTERY_UV, MV(13710)),
		SET_MEAS(9600, BATTERY_UV, MV(13700)),
		SET_MEAS(19100, BATTERY_UV, MV(13710)),
		SET_MEAS(19200, BATTERY_UV, MV(13700)),
		WANT_OFF(0, 29200, OUT(SYSTEM_CHARGE)),
		WANT_ON(29201, 30000, OUT(SYSTEM_CHARGE)) } },
	{ "the limit reached again at 6 s: lock-out holds, 10 s from 6.1 s: released at 16.101 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(6000, BATTERY_UV, MV(14200)),
		SET_MEAS(6100, BATTERY_UV, MV(13700)),
		WANT_OFF(0, 16100, OUT(SYSTEM_CHARGE)),
		WANT_ON(16101, 17000, OUT(SYSTEM_CHARGE)) } },
	{ "limit 14.0 V from 5 s: 13.7 V is above its release level, 10 s from 12 s: 22.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_LIMIT(5000, MV(14000)),
		SET_MEAS(12000, BATTERY_UV, MV(13500)),
		WANT_OFF(0, 22000, OUT(SYSTEM_CHARGE)),
		WANT_ON(22001, 23000, OUT(SYSTEM_CHARGE)) } },
	{ "limit 14.6 V from 5 s: 13.7 V is 0.5 V below either limit, released at 10.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_LIMIT(5000, MV(14600)),
		WANT_OFF(0, 10000, OUT(SYSTEM_CHARGE)),
		WANT_ON(10001, 11000, OUT(SYSTEM_CHARGE)) } },
	{ "limit 13.7 V from 5 s, reached by the battery: 10 s from 13.2 V at 8 s: 18.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_LIMIT(5000, MV(13700)),
		SET_MEAS(8000, BATTERY_UV, MV(13200)),
		WANT_OFF(0, 18000, OUT(SYSTEM_CHARGE)),
		WANT_ON(18001, 19000, OUT(SYSTEM_CHARGE)) } },
	{ "reference out (E-B33) 2 s to 17 s: untrusted samples do not count, 27.001 s",
	  START_LOCKOUT, {
		SET_MEAS(0, BATTERY_UV, MV(13700)),
		SET_MEAS(2000, REFERENCE_UV, MV(2400)),
		WANT_CODE(2000, E_B33, true),
		SET_MEAS(17000, REFERENCE_UV, MV(2500)),
		WANT_OFF(0, 27000, OUT(SYSTEM_CHARGE)),
		WANT_ON(27001, 28000, OUT(SYSTEM_CHARGE)) } },
};

KUNIT_ARRAY_PARAM_DESC(lockout_edge, lockout_edge_cases, desc);

/* Rule 7, the 1 s re-permit, from discharge stopped by discharge-allowed. */
static const struct edge_case repermit_edge_cases[] = {
	{ "high 0.9 s, low 0.6 s, high: A-B11 and cut until 1 s after the last rise, 2.501 s",
	  START_UNDERVOLTAGE, {
		SET_LINE(0, DISCHARGE_ALLOWED, 1),
		SET_LINE(900, DISCHARGE_ALLOWED, 0),
		SET_LINE(1500, DISCHARGE_ALLOWED, 1),
		WANT_OFF(0, 2500, LOADS),
		WANT_CODE(2500, A_B11, true),
		WANT_ON(2501, 3000, LOADS),
		WANT_CODE(2501, A_B11, false) } },
	{ "high for exactly 1.000 s, then low: 1 s is not surely over, discharge stays stopped",
	  START_UNDERVOLTAGE, {
		SET_LINE(0, DISCHARGE_ALLOWED, 1),
		SET_LINE(1000, DISCHARGE_ALLOWED, 0),
		WANT_OFF(0, 40000, LOADS),
		WANT_CODE(40000, A_B11, true) } },
	{ "high 1.1 s, then low: permitted at 1.001 s, then a fresh 30 s lead: cut at 31.101 s",
	  START_UNDERVOLTAGE, {
		SET_LINE(0, DISCHARGE_ALLOWED, 1),
		SET_LINE(1100, DISCHARGE_ALLOWED, 0),
		WANT_OFF(0, 1000, LOADS),
		WANT_ON(1001, 31100, LOADS),
		WANT_OFF(31101, 32000, LOADS) } },
	{ "high 0.5 s, low 0.1 s, high 0.6 s, low 0.1 s, high: permitted at 2.301 s",
	  START_UNDERVOLTAGE, {
		SET_LINE(0, DISCHARGE_ALLOWED, 1),
		SET_LINE(500, DISCHARGE_ALLOWED, 0),
		SET_LINE(600, DISCHARGE_ALLOWED, 1),
		SET_LINE(1200, DISCHARGE_ALLOWED, 0),
		SET_LINE(1300, DISCHARGE_ALLOWED, 1),
		WANT_OFF(0, 2300, LOADS),
		WANT_ON(2301, 3000, LOADS) } },
	{ "battery pre-alarm on throughout, high 1.5 s, then low: over 30 s of it, cut at once",
	  START_UNDERVOLTAGE, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(5000, DISCHARGE_ALLOWED, 1),
		SET_LINE(6500, DISCHARGE_ALLOWED, 0),
		WANT_OFF(0, 6000, LOADS),
		WANT_ON(6001, 6499, LOADS),
		WANT_OFF(6500, 7000, LOADS) } },
};

KUNIT_ARRAY_PARAM_DESC(repermit_edge, repermit_edge_cases, desc);

/*
 * Rule 7, the 30 s lead, in the orders the lead matrix below leaves out:
 * a pre-alarm that clears restarts it, whatever raised it.
 */
static const struct edge_case prealarm_edge_cases[] = {
	{ "battery pre-alarm 0-10 s and from 20 s, discharge-allowed low at 25 s: cut at 50.001 s",
	  START_REST, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(10000, BATTERY_PREALARM, 0),
		SET_LINE(20000, BATTERY_PREALARM, 1),
		SET_LINE(25000, DISCHARGE_ALLOWED, 0),
		WANT_OFF(10000, 10000, OUT(PREALARM)),
		WANT_ON(0, 50000, LOADS),
		WANT_OFF(50001, 51000, LOADS),
		WANT_CODE(50001, A_B11, true) } },
	{ "battery pre-alarm off for one sample at 29 s, discharge-allowed low 29.5 s: 59.101 s",
	  START_REST, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(29000, BATTERY_PREALARM, 0),
		SET_LINE(29100, BATTERY_PREALARM, 1),
		SET_LINE(29500, DISCHARGE_ALLOWED, 0),
		WANT_ON(0, 59100, LOADS),
		WANT_OFF(59101, 60000, LOADS) } },
	{ "discharge-allowed low, high 10 s to 10.5 s: the pre-alarm restarts, cut at 40.501 s",
	  START_REST, {
		SET_LINE(0, DISCHARGE_ALLOWED, 0),
		SET_LINE(10000, DISCHARGE_ALLOWED, 1),
		SET_LINE(10500, DISCHARGE_ALLOWED, 0),
		WANT_ON(0, 40500, LOADS),
		WANT_OFF(40501, 41000, LOADS) } },
	{ "battery pre-alarm from 0, discharge-allowed low at 10 s, high 15-15.5 s: 30.001 s",
	  START_REST, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(10000, DISCHARGE_ALLOWED, 0),
		SET_LINE(15000, DISCHARGE_ALLOWED, 1),
		SET_LINE(15500, DISCHARGE_ALLOWED, 0),
		WANT_ON(0, 30000, LOADS | OUT(PREALARM)),
		WANT_OFF(30001, 31000, LOADS) } },
	{ "battery pre-alarm 40 s ahead: cut at the drop; high 0.5 s and low again: still cut",
	  START_REST, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(40000, DISCHARGE_ALLOWED, 0),
		SET_LINE(45000, DISCHARGE_ALLOWED, 1),
		SET_LINE(45500, DISCHARGE_ALLOWED, 0),
		WANT_ON(0, 39999, LOADS),
		WANT_OFF(40000, 80000, LOADS) } },
	{ "battery line from 0 s, 'not available' till 20 s, discharge-allowed low 10 s: 40.001 s",
	  START_REST, {
		SET_USAGE(0, NOT_AVAILABLE),
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_LINE(10000, DISCHARGE_ALLOWED, 0),
		SET_USAGE(20000, USE),
		WANT_OFF(0, 9999, OUT(PREALARM)),
		WANT_ON(10000, 40000, LOADS | OUT(PREALARM)),
		WANT_OFF(40001, 41000, LOADS) } },
	{ "battery pre-alarm from 0 s, 'not available' from 20 s, low at 25 s: cut at 55.001 s",
	  START_REST, {
		SET_LINE(0, BATTERY_PREALARM, 1),
		SET_USAGE(20000, NOT_AVAILABLE),
		SET_LINE(25000, DISCHARGE_ALLOWED, 0),
		WANT_ON(0, 19999, OUT(PREALARM)),
		WANT_OFF(20000, 24999, OUT(PREALARM)),
		WANT_ON(0, 55000, LOADS),
		WANT_OFF(55001, 56000, LOADS) } },
};

KUNIT_ARRAY_PARAM_DESC(prealarm_edge, prealarm_edge_cases, desc);

/* Rule 11: the 10 s retry and the latch after 3 trips within 60 s. */
static const struct edge_case short_circuit_edge_cases[] = {
	{ "a short held from 0 s trips at each retry, each counts: latched at 20.002 s",
	  START_REST, {
		SET_LINE(0, SHORT_CIRCUIT, 1),
		WANT_CODE(10001, A_A12, true),
		WANT_CODE(20002, A_A12, true),
		SET_LINE(25000, SHORT_CIRCUIT, 0),
		WANT_OFF(0, 90000, SYSTEM_FETS),
		WANT_CODE(90000, A_A12, true) } },
	{ "shorts at 0, 10.000, 20.000 s: the 10 s one is in the retry wait, uncounted: no latch",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(10000), DO_SHORT(20000),
		WANT_OFF(0, 10000, SYSTEM_FETS),
		WANT_ON(10001, 19999, SYSTEM_FETS),
		WANT_OFF(20000, 30000, SYSTEM_FETS),
		WANT_ON(30001, 31000, SYSTEM_FETS),
		WANT_CODE(30001, A_A12, false) } },
	{ "shorts at 0, 10.001, 20.002 s, each at a retry: three trips within 60 s latch",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(10001), DO_SHORT(20002),
		WANT_OFF(0, 90000, SYSTEM_FETS),
		WANT_CODE(90000, A_A12, true) } },
	{ "trips at 0, 30 and 61 s: the first has left the 60 s window at the third, no latch",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(30000), DO_SHORT(61000),
		WANT_ON(10001, 29999, SYSTEM_FETS),
		WANT_ON(40001, 60999, SYSTEM_FETS),
		WANT_OFF(61000, 71000, SYSTEM_FETS),
		WANT_ON(71001, 72000, SYSTEM_FETS) } },
	{ "trips at 0, 30 and 60.000 s: all three within 60 s, latched",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(30000), DO_SHORT(60000),
		WANT_OFF(60000, 120000, SYSTEM_FETS),
		WANT_CODE(120000, A_A12, true) } },
	{ "shorts at 3 s and 6 s, in the retry wait, neither count nor restart it",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(3000), DO_SHORT(6000), DO_SHORT(20000),
		WANT_OFF(0, 10000, SYSTEM_FETS),
		WANT_ON(10001, 19999, SYSTEM_FETS),
		WANT_OFF(20000, 30000, SYSTEM_FETS),
		WANT_ON(30001, 31000, SYSTEM_FETS) } },
	{ "latched, soft switch cycled with the short still there: a first trip at once",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(10001), DO_SHORT(20002),
		SET_LINE(25000, SHORT_CIRCUIT, 1),
		SET_SOFT_SWITCH(35000, false),
		SET_SOFT_SWITCH(35100, true),
		SET_LINE(38000, SHORT_CIRCUIT, 0),
		WANT_OFF(0, 45100, SYSTEM_FETS),
		WANT_ON(45101, 46000, SYSTEM_FETS),
		WANT_CODE(45101, A_A12, false) } },
	{ "latched, remote input cycled with the short still there: a first trip at once",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(10001), DO_SHORT(20002),
		SET_LINE(25000, SHORT_CIRCUIT, 1),
		SET_LINE(35000, REMOTE, 0),
		SET_LINE(35100, REMOTE, 1),
		SET_LINE(38000, SHORT_CIRCUIT, 0),
		WANT_OFF(0, 45100, SYSTEM_FETS),
		WANT_ON(45101, 46000, SYSTEM_FETS),
		WANT_CODE(45101, A_A12, false) } },
	{ "latched, cleared with the short still there: a first trip at once, retry 10 s on",
	  START_REST, {
		DO_SHORT(0), DO_SHORT(10001), DO_SHORT(20002),
		SET_LINE(25000, SHORT_CIRCUIT, 1),
		DO_CLEAR(35000),
		SET_LINE(38000, SHORT_CIRCUIT, 0),
		WANT_OFF(0, 45000, SYSTEM_FETS),
		WANT_ON(45001, 46000, SYSTEM_FETS),
		WANT_CODE(45001, A_A12, false) } },
	{ "soft switch cycled in a retry wait, not latched: the retry keeps its time, 10.001 s",
	  START_REST, {
		DO_SHORT(0),
		SET_SOFT_SWITCH(3000, false),
		SET_SOFT_SWITCH(3100, true),
		WANT_OFF(0, 10000, SYSTEM_FETS),
		WANT_ON(10001, 11000, SYSTEM_FETS) } },
};

KUNIT_ARRAY_PARAM_DESC(short_circuit_edge, short_circuit_edge_cases, desc);

/* Rule 6: 85 C (released below 75 C) and 95 C (released below 85 C). */
static const struct edge_case overtemp_edge_cases[] = {
	{ "84.999/85.000 C in turn: charging stops at the first 85 C, until below 75 C",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 84999), SET_MEAS(100, TEMP_MC, 85000),
		SET_MEAS(200, TEMP_MC, 84999), SET_MEAS(300, TEMP_MC, 85000),
		SET_MEAS(400, TEMP_MC, 84999), SET_MEAS(2000, TEMP_MC, 75000),
		SET_MEAS(3000, TEMP_MC, 74999),
		WANT_ON(0, 0, CHARGING),
		WANT_OFF(100, 2999, CHARGING),
		WANT_ON(3000, 4000, CHARGING),
		WANT_ON(0, 4000, LOADS) } },
	{ "75.000/74.999 C in turn after 85 C: released at the first 74.999 C, no new trip",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 85000), SET_MEAS(1000, TEMP_MC, 75000),
		SET_MEAS(1100, TEMP_MC, 74999), SET_MEAS(1200, TEMP_MC, 75000),
		SET_MEAS(1300, TEMP_MC, 74999), SET_MEAS(1400, TEMP_MC, 84999),
		WANT_OFF(0, 1099, CHARGING),
		WANT_ON(1100, 3000, CHARGING) } },
	{ "94.999/95.000 C in turn: discharge stops at the first 95 C, until below 85 C",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 94999), SET_MEAS(100, TEMP_MC, 95000),
		SET_MEAS(200, TEMP_MC, 94999), SET_MEAS(300, TEMP_MC, 95000),
		SET_MEAS(400, TEMP_MC, 85000), SET_MEAS(500, TEMP_MC, 84999),
		WANT_ON(0, 0, OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(100, 499, OUT(SYSTEM_DISCHARGE)),
		WANT_ON(500, 1000, OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(0, 1000, CHARGING),
		WANT_ON(0, 1000, OUT(LOAD_DISCONNECT)) } },
	{ "85.000/84.999 C in turn after 95 C: discharge back at 84.999 C, charging still off",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 95000), SET_MEAS(100, TEMP_MC, 85000),
		SET_MEAS(200, TEMP_MC, 84999), SET_MEAS(300, TEMP_MC, 85000),
		SET_MEAS(400, TEMP_MC, 94999),
		WANT_OFF(0, 199, OUT(SYSTEM_DISCHARGE)),
		WANT_ON(200, 1000, OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(0, 1000, CHARGING) } },
	{ "96 C to 70 C at once: both levels release in the same sample",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 96000), SET_MEAS(1000, TEMP_MC, 70000),
		WANT_OFF(0, 999, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_CODE(999, A_B15, true),
		WANT_ON(1000, 2000, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_CODE(1000, A_B15, false) } },
	{ "96 C to 80 C at once: discharge back, charging off until below 75 C",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 96000), SET_MEAS(1000, TEMP_MC, 80000),
		WANT_OFF(0, 999, OUT(SYSTEM_DISCHARGE)),
		WANT_ON(1000, 2000, OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(0, 2000, CHARGING),
		WANT_CODE(2000, A_B15, true) } },
	{ "70 C to 96 C at once: both levels trip in the same sample",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 70000), SET_MEAS(1000, TEMP_MC, 96000),
		WANT_ON(0, 999, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(1000, 2000, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_ON(0, 2000, OUT(LOAD_DISCONNECT)) } },
	{ "temperature unreadable for 3 samples at 96 C: both trips hold; 25 C releases both",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 96000),
		SET_UNREADABLE(1000, TEMP_MC, true),
		SET_UNREADABLE(1300, TEMP_MC, false), SET_MEAS(1300, TEMP_MC, 25000),
		WANT_OFF(0, 1200, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_CODE(1200, A_B15, true),
		WANT_CODE(1200, E_B33, false),
		WANT_ON(1300, 2000, CHARGING | OUT(SYSTEM_DISCHARGE)) } },
	{ "temperature unreadable 10 s at 96 C, E-B33 after 5 samples: both trips hold",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 96000),
		SET_UNREADABLE(1000, TEMP_MC, true),
		WANT_CODE(2000, E_B33, true),
		WANT_CODE(10000, A_B15, true),
		SET_UNREADABLE(11000, TEMP_MC, false), SET_MEAS(11000, TEMP_MC, 90000),
		SET_MEAS(12000, TEMP_MC, 84000),
		WANT_OFF(0, 11999, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_ON(12000, 13000, OUT(SYSTEM_DISCHARGE)),
		WANT_OFF(12000, 13000, CHARGING) } },
	{ "reference out (E-B33) at 96 C, temperature reading 25 C: no release until it is back",
	  START_REST, {
		SET_MEAS(0, TEMP_MC, 96000),
		SET_MEAS(1000, REFERENCE_UV, MV(2400)), SET_MEAS(1000, TEMP_MC, 25000),
		WANT_CODE(1000, E_B33, true),
		WANT_CODE(4999, A_B15, true),
		SET_MEAS(5000, REFERENCE_UV, MV(2500)),
		WANT_OFF(0, 4999, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_ON(5000, 6000, CHARGING | OUT(SYSTEM_DISCHARGE)),
		WANT_CODE(5000, A_B15, false) } },
};

KUNIT_ARRAY_PARAM_DESC(overtemp_edge, overtemp_edge_cases, desc);

/* One case function per table, so that each has its own name in the results. */
static void lockout_release_edges(struct kunit *test)
{
	edges_case(test);
}

static void discharge_repermit_edges(struct kunit *test)
{
	edges_case(test);
}

static void prealarm_restart_edges(struct kunit *test)
{
	edges_case(test);
}

static void short_circuit_edges(struct kunit *test)
{
	edges_case(test);
}

static void overtemperature_edges(struct kunit *test)
{
	edges_case(test);
}

/*
 * Rule 7, the lead: the battery's pre-alarm raised @battery_first_ms before
 * discharge-allowed falls (after it, when negative), in both usages and
 * both output modes.  Loads are cut at the later of the fall and the
 * pre-alarm's start plus 30 s, whatever raised it; the intermittent
 * output's blinking does not restart the 30 s.
 */
struct lead_case {
	s32 battery_first_ms;
	enum smartbms_prealarm_usage usage;
	enum smartbms_prealarm_output mode;
};

#define LEAD(ms, u, m)	{ ms, SMARTBMS_PREALARM_##u, SMARTBMS_PREALARM_##m }

static const struct lead_case lead_cases[] = {
	LEAD(0, USE, CONTINUOUS), LEAD(0, USE, INTERMITTENT),
	LEAD(0, NOT_AVAILABLE, CONTINUOUS), LEAD(0, NOT_AVAILABLE, INTERMITTENT),
	LEAD(5000, USE, CONTINUOUS), LEAD(5000, USE, INTERMITTENT),
	LEAD(5000, NOT_AVAILABLE, CONTINUOUS), LEAD(5000, NOT_AVAILABLE, INTERMITTENT),
	LEAD(29900, USE, CONTINUOUS), LEAD(29900, USE, INTERMITTENT),
	LEAD(29900, NOT_AVAILABLE, CONTINUOUS), LEAD(29900, NOT_AVAILABLE, INTERMITTENT),
	LEAD(30000, USE, CONTINUOUS), LEAD(30000, USE, INTERMITTENT),
	LEAD(30000, NOT_AVAILABLE, CONTINUOUS), LEAD(30000, NOT_AVAILABLE, INTERMITTENT),
	LEAD(60000, USE, CONTINUOUS), LEAD(60000, USE, INTERMITTENT),
	LEAD(60000, NOT_AVAILABLE, CONTINUOUS), LEAD(60000, NOT_AVAILABLE, INTERMITTENT),
	LEAD(-5000, USE, CONTINUOUS), LEAD(-5000, USE, INTERMITTENT),
	LEAD(-5000, NOT_AVAILABLE, CONTINUOUS), LEAD(-5000, NOT_AVAILABLE, INTERMITTENT),
	LEAD(-29900, USE, CONTINUOUS), LEAD(-29900, USE, INTERMITTENT),
	LEAD(-29900, NOT_AVAILABLE, CONTINUOUS), LEAD(-29900, NOT_AVAILABLE, INTERMITTENT),
	LEAD(-30000, USE, CONTINUOUS), LEAD(-30000, USE, INTERMITTENT),
	LEAD(-30000, NOT_AVAILABLE, CONTINUOUS), LEAD(-30000, NOT_AVAILABLE, INTERMITTENT),
	LEAD(-60000, USE, CONTINUOUS), LEAD(-60000, USE, INTERMITTENT),
	LEAD(-60000, NOT_AVAILABLE, CONTINUOUS), LEAD(-60000, NOT_AVAILABLE, INTERMITTENT),
};

/**
 * struct lead_times - what the manual implies for a &struct lead_case
 * @battery: when the battery's line rises, in ms from the start
 * @drop: when discharge-allowed falls
 * @start: when the pre-alarm starts
 * @cut: when loads are cut
 */
struct lead_times {
	u32 battery;
	u32 drop;
	u32 start;
	u32 cut;
};

static void lead_times(const struct lead_case *p, struct lead_times *lt)
{
	u32 apart = abs(p->battery_first_ms);

	lt->battery = p->battery_first_ms < 0 ? apart : 0;
	lt->drop = p->battery_first_ms < 0 ? 0 : apart;
	lt->start = p->usage == SMARTBMS_PREALARM_USE ? min(lt->battery, lt->drop) : lt->drop;
	lt->cut = max(lt->drop, lt->start + DELAY(30000));
}

static void lead_case_desc(const struct lead_case *p, char *desc)
{
	u32 apart = abs(p->battery_first_ms);
	struct lead_times lt;

	lead_times(p, &lt);
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "battery pre-alarm %u ms %s discharge-allowed low, %s, %s: cut at the drop + %u ms",
		 apart, p->battery_first_ms < 0 ? "after" : "before",
		 p->usage == SMARTBMS_PREALARM_USE ? "use" : "not available",
		 p->mode == SMARTBMS_PREALARM_CONTINUOUS ? "continuous" : "intermittent",
		 lt.cut - lt.drop);
}

KUNIT_ARRAY_PARAM(lead, lead_cases, lead_case_desc);

/* The next sample: 100 ms on, or sooner at an edge or either side of the cut. */
static u32 lead_next(const struct lead_times *lt, u32 t)
{
	const u32 at[] = { lt->battery, lt->drop, lt->cut - 1, lt->cut };
	u32 next = t + 100;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(at); i++)
		if (at[i] > t)
			next = min(next, at[i]);
	return next;
}

static void prealarm_lead_edges(struct kunit *test)
{
	const struct lead_case *p = test->param_value;
	bool intermittent = p->mode == SMARTBMS_PREALARM_INTERMITTENT;
	u32 t = 0, end, fast, since = 0;
	bool active, seen = false, cut = false;
	struct lead_times lt;
	struct bms b;
	u64 t0;

	lead_times(p, &lt);
	end = max(lt.cut, lt.battery) + 2000;
	bms_init(&b);
	b.set.prealarm_usage = p->usage;
	b.set.prealarm_output = p->mode;
	bms_set(&b, SMARTBMS_MEAS_BATTERY_UV, MV(12800));
	bms_settle(&b);
	t0 = b.in.now_ms + 100;

	for (; t <= end; t = lead_next(&lt, t)) {
		active = t >= lt.start;
		b.in.now_ms = t0 + t;
		bms_line(&b, IN(BATTERY_PREALARM), t >= lt.battery);
		bms_line(&b, IN(DISCHARGE_ALLOWED), t < lt.drop);
		fast = smartbms_engine_fast_trip(&b.st, &b.set, &b.in);
		bms_step(&b);

		KUNIT_EXPECT_EQ_MSG(test, b.st.outputs & LOADS, t < lt.cut ? LOADS : 0,
				    "at %u ms", t);
		KUNIT_EXPECT_EQ_MSG(test, code(&b, CODE(A_B11)), t >= lt.cut, "at %u ms", t);
		KUNIT_EXPECT_EQ_MSG(test, fast & b.st.outputs, 0, "at %u ms", t);
		/* The lead given before the fall: the interrupt path cuts. */
		if (t == lt.drop && lt.cut == lt.drop)
			KUNIT_EXPECT_EQ(test, fast & LOADS, LOADS);
		/* W-B12 from the start; the output steady, or on in even seconds. */
		KUNIT_EXPECT_EQ_MSG(test, code(&b, CODE(W_B12)), active, "at %u ms", t);
		KUNIT_EXPECT_EQ_MSG(test, on(&b, OUT(PREALARM)),
				    active && !(intermittent && ((t - lt.start) / 1000) & 1),
				    "at %u ms", t);

		/* As observed: loads cut 30 s into a pre-alarm, and not before the fall. */
		if (!code(&b, CODE(W_B12))) {
			seen = false;
		} else if (!seen) {
			seen = true;
			since = t;
		}
		if (!cut && !on(&b, OUT(LOAD_DISCONNECT))) {
			cut = true;
			KUNIT_EXPECT_TRUE(test, seen);
			KUNIT_EXPECT_GE(test, t - since, DELAY(30000));
			KUNIT_EXPECT_GE(test, t, lt.drop);
		}
		if (test->status == KUNIT_FAILURE)
			return;
	}
	KUNIT_EXPECT_TRUE(test, cut);
}

static struct kunit_case smartbms_engine_test_cases[] = {
	KUNIT_CASE(start_state_is_safe),
	KUNIT_CASE(first_sample_qualifies_nothing_early),
	KUNIT_CASE(settings_defaults),
	KUNIT_CASE_PARAM(settings_charge_limit_range, limit_gen_params),
	KUNIT_CASE_PARAM(settings_parse_charge_limit, parse_gen_params),
	KUNIT_CASE(settings_unknown_choices),
	KUNIT_CASE_PARAM(alternator_qualifies_above_13v, qualify_gen_params),
	KUNIT_CASE_PARAM(alternator_loses_at_13v, lose_gen_params),
	KUNIT_CASE(alternator_margin_closes),
	KUNIT_CASE(alternator_one_way),
	KUNIT_CASE(alternator_no_current_margin_alone),
	KUNIT_CASE(alternator_reverse_current),
	KUNIT_CASE(alternator_after_undervoltage),
	KUNIT_CASE_PARAM(blockers_take_away, block_gen_params),
	KUNIT_CASE_PARAM(fuse_table_limits, fuse_gen_params),
	KUNIT_CASE_PARAM(fuse_overcurrent_supervision, fuse_gen_params),
	KUNIT_CASE_PARAM(fuse_trip_without_limiter, fuse_gen_params),
	KUNIT_CASE(alternator_limit_unknown_fuse),
	KUNIT_CASE(alternator_mean_without_limiter),
	KUNIT_CASE_PARAM(lockout_at_the_limit, lockout_limit_gen_params),
	KUNIT_CASE_PARAM(lockout_release_after_10s, release_gen_params),
	KUNIT_CASE(lockout_release_restarts),
	KUNIT_CASE(overtemperature_levels),
	KUNIT_CASE_PARAM(prealarm_lead_30s, usage_gen_params),
	KUNIT_CASE_PARAM(prealarm_battery_first, usage_gen_params),
	KUNIT_CASE(prealarm_battery_long_before),
	KUNIT_CASE(prealarm_together_gets_30s),
	KUNIT_CASE(discharge_permitted_after_1s),
	KUNIT_CASE(prealarm_output_modes),
	KUNIT_CASE_PARAM(remote_functions, remote_gen_params),
	KUNIT_CASE_PARAM(trips_survive_switch_everything_off, suspend_trip_gen_params),
	KUNIT_CASE(short_circuit_retry_after_10s),
	KUNIT_CASE_PARAM(short_circuit_latch, sc_clear_gen_params),
	KUNIT_CASE(short_circuit_no_latch_outside_window),
	KUNIT_CASE(short_circuit_latch_window),
	KUNIT_CASE_PARAM(system_overload_peak, peak_gen_params),
	KUNIT_CASE_PARAM(system_overload_continuous, sign_gen_params),
	KUNIT_CASE(system_overload_latch),
	KUNIT_CASE(system_overload_unread),
	KUNIT_CASE_PARAM(lines_lost_e_b32, lost_gen_params),
	KUNIT_CASE(prealarm_implausible_e_b32),
	KUNIT_CASE(adc_failures_e_b33),
	KUNIT_CASE_PARAM(reference_tolerance_e_b33, reference_gen_params),
	KUNIT_CASE(calibration_e_b30),
	KUNIT_CASE(settings_e_b31),
	KUNIT_CASE_PARAM(trips_hold_without_trust, trust_gen_params),
	KUNIT_CASE(temperature_unknown_stops_charging),
	KUNIT_CASE(power_supply_status),
	KUNIT_CASE(next_evaluation),
	KUNIT_CASE_PARAM(sampling_rate_levels, rate_gen_params),
	KUNIT_CASE(delays_end_when_surely_passed),
	KUNIT_CASE_PARAM(random_sequences_keep_invariants, random_seed_gen_params),
	KUNIT_CASE_PARAM(prealarm_lead_edges, lead_gen_params),
	KUNIT_CASE_PARAM(prealarm_restart_edges, prealarm_edge_gen_params),
	KUNIT_CASE_PARAM(discharge_repermit_edges, repermit_edge_gen_params),
	KUNIT_CASE_PARAM(lockout_release_edges, lockout_edge_gen_params),
	KUNIT_CASE_PARAM(short_circuit_edges, short_circuit_edge_gen_params),
	KUNIT_CASE_PARAM(overtemperature_edges, overtemp_edge_gen_params),
	{ }
};

static struct kunit_suite smartbms_engine_test_suite = {
	.name = "smartbms_engine",
	.test_cases = smartbms_engine_test_cases,
};

/* ---- stored records ------------------------------------------------------ */

#define CELL_SIZE	32

/*
 * The factory settings record as tests/board/mk-nvmem.py writes it with
 * zlib's CRC-32: pins the layout and the CRC for anything else that writes
 * or reads a cell.
 */
static const u8 factory_settings[SMARTBMS_SETTINGS_RECORD_SIZE] = {
	0x53, 0x54, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0xc0, 0xac, 0xd8, 0x00, 0x94, 0xeb, 0x1e, 0x2d,
};

static const u8 factory_calibration[12] = {
	0x43, 0x41, 0x01, 0x04, 0xa0, 0x25, 0x26, 0x00, 0xe5, 0x0f, 0xa3, 0xae,
};

/* A new CRC after a test changed the record on purpose. */
static void reseal(u8 *buf)
{
	put_unaligned_le32(~crc32_le(~0U, buf, 4 + buf[3]), buf + 4 + buf[3]);
}

static void record_factory_layout(struct kunit *test)
{
	struct smartbms_settings set;
	u8 cell[CELL_SIZE];

	smartbms_settings_init(&set);
	KUNIT_ASSERT_EQ(test, 0, smartbms_settings_pack(&set, cell, sizeof(cell)));
	KUNIT_EXPECT_MEMEQ(test, cell, factory_settings, sizeof(factory_settings));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(cell + sizeof(factory_settings), 0,
					    sizeof(cell) - sizeof(factory_settings)));
	KUNIT_EXPECT_EQ(test, 4, smartbms_record_check(factory_calibration,
						       sizeof(factory_calibration),
						       SMARTBMS_CALIBRATION_MAGIC));
}

static void record_round_trip(struct kunit *test)
{
	struct smartbms_settings set, back;
	u8 cell[CELL_SIZE];
	unsigned int fuse;

	for (fuse = 0; fuse < SMARTBMS_NUM_FUSES; fuse++) {
		set = (struct smartbms_settings) {
			.fuse = fuse,
			.prealarm_usage = fuse & 1,
			.prealarm_output = (fuse >> 1) & 1,
			.charge_limit_uv = SMARTBMS_CHARGE_LIMIT_MIN_UV + fuse * 250000,
			.remote_function = fuse % 3,
			.soft_switch = fuse & 1,
		};
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_pack(&set, cell, sizeof(cell)));
		memset(&back, 0x5a, sizeof(back));
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_unpack(&back, cell, sizeof(cell)));
		KUNIT_EXPECT_EQ(test, back.fuse, set.fuse);
		KUNIT_EXPECT_EQ(test, back.prealarm_usage, set.prealarm_usage);
		KUNIT_EXPECT_EQ(test, back.prealarm_output, set.prealarm_output);
		KUNIT_EXPECT_EQ(test, back.charge_limit_uv, set.charge_limit_uv);
		KUNIT_EXPECT_EQ(test, back.remote_function, set.remote_function);
		KUNIT_EXPECT_EQ(test, back.soft_switch, set.soft_switch);
	}
	KUNIT_EXPECT_EQ(test, -EMSGSIZE,
			smartbms_settings_pack(&set, cell, SMARTBMS_SETTINGS_RECORD_SIZE - 1));
}

/* Every single-bit error anywhere in the record is caught. */
static void record_bit_flips(struct kunit *test)
{
	struct smartbms_settings set, back;
	u8 cell[CELL_SIZE];
	unsigned int bit;

	smartbms_settings_init(&set);
	for (bit = 0; bit < SMARTBMS_SETTINGS_RECORD_SIZE * 8; bit++) {
		smartbms_settings_pack(&set, cell, sizeof(cell));
		cell[bit / 8] ^= BIT(bit % 8);
		smartbms_settings_init(&back);
		back.fuse = SMARTBMS_FUSE_60A;
		KUNIT_EXPECT_EQ_MSG(test, -EBADMSG,
				    smartbms_settings_unpack(&back, cell, sizeof(cell)),
				    "bit %u", bit);
		KUNIT_EXPECT_EQ(test, back.fuse, SMARTBMS_FUSE_60A);
	}
}

static void record_blank_cells(struct kunit *test)
{
	struct smartbms_settings back;
	u8 cell[CELL_SIZE];

	memset(cell, 0xff, sizeof(cell));
	KUNIT_EXPECT_EQ(test, -ENODATA, smartbms_settings_unpack(&back, cell, sizeof(cell)));
	memset(cell, 0, sizeof(cell));
	KUNIT_EXPECT_EQ(test, -ENODATA, smartbms_settings_unpack(&back, cell, sizeof(cell)));
	KUNIT_EXPECT_EQ(test, -ENODATA, smartbms_record_check(cell, sizeof(cell),
							      SMARTBMS_CALIBRATION_MAGIC));
	/* Not blank, but no record either. */
	memset(cell, 0x55, sizeof(cell));
	KUNIT_EXPECT_EQ(test, -EBADMSG, smartbms_settings_unpack(&back, cell, sizeof(cell)));
}

/* Sealed with a good CRC, but not settings this driver can use. */
static void record_sound_but_invalid(struct kunit *test)
{
	static const struct { unsigned int off; u8 val; const char *what; } bad[] = {
		{ 0, 0x43, "calibration magic" },
		{ 2, 2, "version 2" },
		{ 2, 0, "version 0" },
		{ 4, SMARTBMS_NUM_FUSES, "fuse" },
		{ 5, 2, "pre-alarm usage" },
		{ 6, 2, "pre-alarm output" },
		{ 7, 3, "remote function" },
		{ 8, 2, "soft switch" },
		{ 9, 1, "reserved byte" },
		{ 15, 0x01, "charge limit above 15.3 V" },
		{ 14, 0x00, "charge limit below 13.0 V" },
	};
	struct smartbms_settings set, back;
	u8 cell[CELL_SIZE];
	unsigned int i;

	smartbms_settings_init(&set);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		smartbms_settings_pack(&set, cell, sizeof(cell));
		cell[bad[i].off] = bad[i].val;
		reseal(cell);
		KUNIT_EXPECT_EQ_MSG(test, -EBADMSG,
				    smartbms_settings_unpack(&back, cell, sizeof(cell)),
				    "%s", bad[i].what);
	}

	/* A payload length that runs past the cell. */
	smartbms_settings_pack(&set, cell, sizeof(cell));
	cell[3] = CELL_SIZE;
	KUNIT_EXPECT_EQ(test, -EBADMSG, smartbms_settings_unpack(&back, cell, sizeof(cell)));
	KUNIT_EXPECT_EQ(test, -EBADMSG, smartbms_record_check(cell, 7, SMARTBMS_SETTINGS_MAGIC));
}

/* ---- the settings journal (record version 2) ------------------------------ */

/*
 * A version 1 record of non-factory settings (fuse 100 A, pre-alarm "not
 * available" and "intermittent", the third remote function, the soft
 * switch, 14.2 V), as the driver before the journal wrote it:
 * journal_v1_upgrade checks that smartbms_settings_pack() still makes
 * exactly these bytes.
 */
static const u8 v1_settings[SMARTBMS_SETTINGS_RECORD_SIZE] = {
	0x53, 0x54, 0x01, 0x0c, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00,
	0x00, 0x00, 0xc0, 0xac, 0xd8, 0x00, 0x73, 0xe9, 0x9f, 0xc1,
};

static void journal_set(struct smartbms_settings *set, unsigned int n)
{
	*set = (struct smartbms_settings) {
		.fuse = n % SMARTBMS_NUM_FUSES,
		.prealarm_usage = n & 1,
		.prealarm_output = (n >> 1) & 1,
		.charge_limit_uv = SMARTBMS_CHARGE_LIMIT_MIN_UV +
				   (n % 200) * SMARTBMS_CHARGE_LIMIT_STEP_UV,
		.remote_function = n % 3,
		.soft_switch = (n >> 2) & 1,
	};
}

static bool journal_same(const struct smartbms_settings *a,
			 const struct smartbms_settings *b)
{
	return a->fuse == b->fuse && a->prealarm_usage == b->prealarm_usage &&
	       a->prealarm_output == b->prealarm_output &&
	       a->charge_limit_uv == b->charge_limit_uv &&
	       a->remote_function == b->remote_function &&
	       a->soft_switch == b->soft_switch;
}

static void journal_v1_upgrade(struct kunit *test)
{
	struct smartbms_settings set, got, next;
	u8 a[CELL_SIZE] = { }, b[CELL_SIZE] = { };
	u32 seq;

	set = (struct smartbms_settings) {
		.fuse = SMARTBMS_FUSE_100A,
		.prealarm_usage = 1,
		.prealarm_output = 1,
		.charge_limit_uv = 14200000,
		.remote_function = 2,
		.soft_switch = true,
	};
	KUNIT_ASSERT_EQ(test, 0, smartbms_settings_pack(&set, a, sizeof(a)));
	KUNIT_ASSERT_MEMEQ(test, a, v1_settings, sizeof(v1_settings));

	/* Slot B blank, as on a device that never had it. */
	memset(a, 0, sizeof(a));
	memcpy(a, v1_settings, sizeof(v1_settings));
	KUNIT_EXPECT_EQ(test, 0, smartbms_settings_pick(&got, &seq, a, sizeof(a), b, sizeof(b)));
	KUNIT_EXPECT_EQ(test, 0, seq);
	KUNIT_EXPECT_TRUE(test, journal_same(&set, &got));
	/* ... and on a board whose devicetree has only the one cell. */
	KUNIT_EXPECT_EQ(test, 0, smartbms_settings_pick(&got, &seq, a, sizeof(a), NULL, 0));
	KUNIT_EXPECT_TRUE(test, journal_same(&set, &got));

	/* The next save goes to slot B, as version 2, and is in force. */
	journal_set(&next, 7);
	KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&next, seq + 1, b, sizeof(b)));
	KUNIT_EXPECT_EQ(test, SMARTBMS_SETTINGS_VERSION_JOURNAL, b[2]);
	KUNIT_EXPECT_EQ(test, 1, smartbms_settings_pick(&got, &seq, a, sizeof(a), b, sizeof(b)));
	KUNIT_EXPECT_EQ(test, 1, seq);
	KUNIT_EXPECT_TRUE(test, journal_same(&next, &got));
}

/* The newer sequence number wins, in serial arithmetic across the wrap. */
static void journal_newest_wins(struct kunit *test)
{
	static const struct { u32 a, b; int want; } cases[] = {
		{ 5, 6, 1 }, { 7, 6, 0 }, { 0xffffffff, 0, 1 }, { 0, 0xffffffff, 0 },
		{ 0x7fffffff, 0x80000000, 1 }, { 3, 3, 0 },
	};
	struct smartbms_settings sa, sb, got;
	u8 a[CELL_SIZE], b[CELL_SIZE];
	unsigned int i;
	u32 seq;

	journal_set(&sa, 1);
	journal_set(&sb, 2);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 qa = cases[i].a, qb = cases[i].b;
		bool b_wins = cases[i].want;

		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&sa, qa, a, sizeof(a)));
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&sb, qb, b, sizeof(b)));
		KUNIT_EXPECT_EQ_MSG(test, cases[i].want,
				    smartbms_settings_pick(&got, &seq, a, sizeof(a), b, sizeof(b)),
				    "A %#x B %#x", qa, qb);
		if (b_wins) {
			KUNIT_EXPECT_TRUE(test, journal_same(&sb, &got));
			KUNIT_EXPECT_EQ(test, qb, seq);
		} else {
			KUNIT_EXPECT_TRUE(test, journal_same(&sa, &got));
			KUNIT_EXPECT_EQ(test, qa, seq);
		}
	}
}

/*
 * A save torn after any byte: the slot being written holds the first N
 * bytes of the new slot over what it held before; the other slot is in
 * force.  Whatever N, the settings in force are the old set or, once the
 * whole slot is written, the new one: never none.
 */
static void journal_torn_write(struct kunit *test)
{
	struct smartbms_settings old, prev, new, got;
	u8 a[CELL_SIZE], b[CELL_SIZE], img[CELL_SIZE];
	unsigned int n, round;
	u32 seq;
	int ret;

	for (round = 0; round < 3; round++) {
		journal_set(&old, 10 + round);
		journal_set(&prev, 20 + round);
		journal_set(&new, 30 + round);
		/* A in force (sequence 8); B holds an older save, or nothing. */
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&old, 8, a, sizeof(a)));
		memset(b, round == 2 ? 0xff : 0, sizeof(b));
		if (!round)
			KUNIT_ASSERT_EQ(test, 0,
					smartbms_settings_slot_pack(&prev, 7, b, sizeof(b)));
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&new, 9, img, sizeof(img)));
		for (n = 0; n <= sizeof(img); n++) {
			u8 torn[CELL_SIZE];

			memcpy(torn, b, sizeof(torn));
			memcpy(torn, img, n);
			ret = smartbms_settings_pick(&got, &seq, a, sizeof(a), torn, sizeof(torn));
			/* What follows the slot in the cell is not part of it. */
			if (n >= SMARTBMS_SETTINGS_SLOT_SIZE) {
				KUNIT_EXPECT_EQ_MSG(test, 1, ret, "round %u cut at %u", round, n);
				KUNIT_EXPECT_TRUE(test, journal_same(&new, &got));
			} else {
				KUNIT_EXPECT_EQ_MSG(test, 0, ret, "round %u cut at %u", round, n);
				KUNIT_EXPECT_TRUE(test, journal_same(&old, &got));
				KUNIT_EXPECT_EQ(test, 8, seq);
			}
		}
	}
}

/*
 * Corruption that is not a torn write.  A flipped bit in the slot in force
 * brings back the save before it; both slots bad is E-B31 (-EBADMSG), both
 * blank is a device never written (-ENODATA).
 */
static void journal_corruption(struct kunit *test)
{
	struct smartbms_settings sa, sb, got;
	u8 a[CELL_SIZE], b[CELL_SIZE];
	unsigned int bit;
	u32 seq;

	journal_set(&sa, 3);
	journal_set(&sb, 4);
	KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&sa, 40, a, sizeof(a)));
	for (bit = 0; bit < SMARTBMS_SETTINGS_SLOT_SIZE * 8; bit++) {
		KUNIT_ASSERT_EQ(test, 0, smartbms_settings_slot_pack(&sb, 41, b, sizeof(b)));
		b[bit / 8] ^= BIT(bit % 8);
		KUNIT_EXPECT_EQ_MSG(test, 0,
				    smartbms_settings_pick(&got, &seq, a, sizeof(a), b, sizeof(b)),
				    "bit %u", bit);
		KUNIT_EXPECT_TRUE(test, journal_same(&sa, &got));
	}

	memset(b, 0x5a, sizeof(b));
	a[5] ^= 0x10;
	KUNIT_EXPECT_EQ(test, -EBADMSG, smartbms_settings_pick(&got, &seq, a, sizeof(a),
							       b, sizeof(b)));
	memset(a, 0, sizeof(a));
	KUNIT_EXPECT_EQ(test, -EBADMSG, smartbms_settings_pick(&got, &seq, a, sizeof(a),
							       b, sizeof(b)));
	memset(b, 0xff, sizeof(b));
	KUNIT_EXPECT_EQ(test, -ENODATA, smartbms_settings_pick(&got, &seq, a, sizeof(a),
							       b, sizeof(b)));
	KUNIT_EXPECT_EQ(test, -EMSGSIZE,
			smartbms_settings_slot_pack(&sa, 1, b, SMARTBMS_SETTINGS_SLOT_SIZE - 1));
}

static struct kunit_case smartbms_record_test_cases[] = {
	KUNIT_CASE(record_factory_layout),
	KUNIT_CASE(record_round_trip),
	KUNIT_CASE(record_bit_flips),
	KUNIT_CASE(record_blank_cells),
	KUNIT_CASE(record_sound_but_invalid),
	KUNIT_CASE(journal_v1_upgrade),
	KUNIT_CASE(journal_newest_wins),
	KUNIT_CASE(journal_torn_write),
	KUNIT_CASE(journal_corruption),
	{ }
};

static struct kunit_suite smartbms_record_test_suite = {
	.name = "smartbms_record",
	.test_cases = smartbms_record_test_cases,
};

kunit_test_suites(&smartbms_engine_test_suite, &smartbms_record_test_suite);

MODULE_DESCRIPTION("KUnit tests for the smartbms protection engine and stored records");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
