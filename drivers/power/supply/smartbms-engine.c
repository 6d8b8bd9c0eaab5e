// SPDX-License-Identifier: GPL-2.0
/*
 * smartbms protection engine: the rules of the Smart BMS 12-200 (the
 * product manual, and behaviour.md section 3 where it is silent) as pure
 * functions.  See Documentation/power/smartbms.rst for the rule table.
 *
 * smartbms_engine_step() recomputes every output from the whole state on
 * each sample; nothing is toggled incrementally.  smartbms_engine_fast_trip()
 * is the interrupt handler's share: from the lines alone it says which
 * outputs must drop at once, and it only ever drops what the next full
 * evaluation would drop too.
 */

#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/power/smartbms-engine.h>
#include <linux/power_supply.h>
#include <linux/string.h>

/* The one table of delays, levels and hysteresis; see the rst guide. */
const struct smartbms_tunables smartbms_tunables = {
	.alt_qualify_uv		= 13000000,
	.alt_qualify_ms		= 1000,
	.alt_lose_ms		= 2000,
	.alt_overcurrent_pct	= 10,
	.alt_overcurrent_ms	= 5000,
	.alt_retry_ms		= 30000,
	/*
	 * The one-way rule compares two channels, and what matters is how far
	 * they may disagree.  The example board's dividers are 1 % parts: the
	 * two channels may disagree by 1 % of the reading, 130 mV at 13 V (the
	 * figure issue 26 gives), and each reads to half an ADS1015 step
	 * through its 1:11 divider (1 mV at the pin, 11 mV at the terminal):
	 * 141 mV in the worst case, rounded up to 150 mV.
	 */
	.alt_margin_uv		= 150000,
	/*
	 * The current channel's zero: the fuse is the shunt (about 0.5 mOhm
	 * for a 125 A fuse) and a gain-100 amplifier's offset of 0.25 mV at
	 * its input reads 0.5 A either way.  Twice that is surely a current
	 * flowing back out of the bank.
	 */
	.alt_reverse_ua		= 1000000,
	.lockout_hysteresis_uv	= 500000,
	.lockout_release_ms	= 10000,
	.ot_charge_trip_mc	= 85000,
	.ot_charge_release_mc	= 75000,
	.ot_discharge_trip_mc	= 95000,
	.ot_discharge_release_mc = 85000,
	.prealarm_lead_ms	= 30000,
	.prealarm_blink_ms	= 1000,
	.discharge_qualify_ms	= 1000,
	.sc_retry_ms		= 10000,
	.sc_latch_window_ms	= 60000,
	.sys_peak_ua		= 400000000,
	.sys_continuous_ua	= 200000000,
	.sys_overload_ms	= 60000,
	.lost_ms		= 60000,
	.lost_band_min_uv	= 12000000,
	.lost_band_max_uv	= 14400000,
	.prealarm_implausible_uv = 13000000,
	.reference_uv		= 2500000,
	.reference_tolerance_uv	= 50000,
	.adc_fail_samples	= 5,
	.sample_fast_ms		= 100,
	.sample_slow_ms		= 1000,
	.flow_ua		= 500000,
	.near_uv		= 200000,
	.near_mc		= 5000,
};
EXPORT_SYMBOL_IF_KUNIT(smartbms_tunables);

const char * const smartbms_code_names[SMARTBMS_NUM_CODES] = {
	[SMARTBMS_CODE_E_B30] = "E-B30",
	[SMARTBMS_CODE_E_B31] = "E-B31",
	[SMARTBMS_CODE_E_B32] = "E-B32",
	[SMARTBMS_CODE_E_B33] = "E-B33",
	[SMARTBMS_CODE_A_A12] = "A-A12",
	[SMARTBMS_CODE_A_B11] = "A-B11",
	[SMARTBMS_CODE_A_B15] = "A-B15",
	[SMARTBMS_CODE_W_B12] = "W-B12",
};
EXPORT_SYMBOL_IF_KUNIT(smartbms_code_names);

/* Maximum alternator charge current per fuse (manual 3.4), in mA. */
static const u32 smartbms_fuse_limit_ma[SMARTBMS_NUM_FUSES] = {
	[SMARTBMS_FUSE_NOT_SET]	= 9000,		/* the smallest: set the fuse type */
	[SMARTBMS_FUSE_125A]	= 100000,
	[SMARTBMS_FUSE_100A]	= 90000,
	[SMARTBMS_FUSE_80A]	= 60000,
	[SMARTBMS_FUSE_60A]	= 50000,
	[SMARTBMS_FUSE_2X30A]	= 40000,
	[SMARTBMS_FUSE_2X20A]	= 25000,
	[SMARTBMS_FUSE_2X15A]	= 20000,
	[SMARTBMS_FUSE_2X10A]	= 12000,
	[SMARTBMS_FUSE_2X7_5A]	= 9000,
};

/*
 * The level an unreadable line is taken at: whatever allows nothing
 * (rule 12).  A line the board does not wire is simply inactive.
 */
#define SMARTBMS_LINES_DENY	(BIT(SMARTBMS_IN_BATTERY_PREALARM) | \
				 BIT(SMARTBMS_IN_SHORT_CIRCUIT))

/* Codes that come from stored data, not from the protection rules. */
#define SMARTBMS_CODES_STORED	(BIT(SMARTBMS_CODE_E_B30) | BIT(SMARTBMS_CODE_E_B31))
/* Codes under which the measurements are not trusted (rule 13). */
#define SMARTBMS_CODES_UNTRUSTED (BIT(SMARTBMS_CODE_E_B30) | BIT(SMARTBMS_CODE_E_B33))

static void smartbms_timer_track(struct smartbms_timer *t, bool holds, u64 now)
{
	if (!holds) {
		t->running = false;
	} else if (!t->running) {
		t->running = true;
		t->since_ms = now;
	}
}

static bool smartbms_timer_held(const struct smartbms_timer *t, u64 now, u32 ms)
{
	return t->running && now >= smartbms_delay_end(t->since_ms, ms);
}

/* Bring @next forward to @when if that is still to come. */
static void smartbms_due(u64 *next, u64 now, u64 when)
{
	if (when > now && when < *next)
		*next = when;
}

static void smartbms_timer_due(const struct smartbms_timer *t, u64 *next,
			       u64 now, u32 ms)
{
	if (t->running)
		smartbms_due(next, now, smartbms_delay_end(t->since_ms, ms));
}

/**
 * smartbms_engine_init() - the safe start state
 * @st: state to initialise
 *
 * Every FET off and every output in its "not allowed" state, as required
 * from probe until the first complete sample set has been evaluated.  All
 * memory of qualifications and trips is forgotten, so whatever comes back
 * afterwards has to qualify again.
 */
void smartbms_engine_init(struct smartbms_state *st)
{
	memset(st, 0, sizeof(*st));
	st->status = POWER_SUPPLY_STATUS_UNKNOWN;
	st->health = POWER_SUPPLY_HEALTH_UNKNOWN;
	st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_UNKNOWN;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_engine_init);

/**
 * smartbms_settings_init() - the factory defaults (behaviour.md section 2)
 * @set: settings to initialise
 */
void smartbms_settings_init(struct smartbms_settings *set)
{
	*set = (struct smartbms_settings) {
		.fuse = SMARTBMS_FUSE_NOT_SET,
		.prealarm_usage = SMARTBMS_PREALARM_USE,
		.prealarm_output = SMARTBMS_PREALARM_CONTINUOUS,
		.charge_limit_uv = 14200000,
		.remote_function = SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM,
		.soft_switch = true,
	};
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_init);

/**
 * smartbms_settings_check() - are these settings valid?
 * @set: settings to check
 *
 * Return: 0, -EINVAL for an unknown choice, -ERANGE for a charge limit
 * outside 13.0 V to 15.3 V.
 */
int smartbms_settings_check(const struct smartbms_settings *set)
{
	if ((unsigned int)set->fuse >= SMARTBMS_NUM_FUSES ||
	    (unsigned int)set->prealarm_usage > SMARTBMS_PREALARM_NOT_AVAILABLE ||
	    (unsigned int)set->prealarm_output > SMARTBMS_PREALARM_INTERMITTENT ||
	    (unsigned int)set->remote_function > SMARTBMS_REMOTE_EVERYTHING)
		return -EINVAL;
	if (set->charge_limit_uv < SMARTBMS_CHARGE_LIMIT_MIN_UV ||
	    set->charge_limit_uv > SMARTBMS_CHARGE_LIMIT_MAX_UV)
		return -ERANGE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_check);

/**
 * smartbms_parse_charge_limit() - parse a charge limit written to sysfs
 * @buf: the bytes written
 * @count: how many
 * @uv: the charge limit in uV, rounded to the nearest 10 mV step
 *
 * Only a plain decimal number of microvolts is a charge limit: ASCII digits
 * and at most one trailing newline.  No sign, no leading zero, no space, no
 * NUL (sysfs passes @count bytes; a NUL before them is garbage), no hex,
 * exponent or decimal point.  A number is never truncated: a value of any
 * length outside the range is out of range.  @uv is written only on success.
 *
 * Return: 0, -EINVAL for anything that is not such a number, -ERANGE for a
 * number outside 13.0 V to 15.3 V.
 */
int smartbms_parse_charge_limit(const char *buf, size_t count, u32 *uv)
{
	u32 v = 0;
	size_t i;

	if (count && buf[count - 1] == '\n')
		count--;
	if (!count || (buf[0] == '0' && count > 1))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		/* Once past the maximum it stays there: it cannot wrap. */
		if (v <= SMARTBMS_CHARGE_LIMIT_MAX_UV)
			v = v * 10 + (buf[i] - '0');
	}
	if (v < SMARTBMS_CHARGE_LIMIT_MIN_UV || v > SMARTBMS_CHARGE_LIMIT_MAX_UV)
		return -ERANGE;
	*uv = (v + SMARTBMS_CHARGE_LIMIT_STEP_UV / 2) / SMARTBMS_CHARGE_LIMIT_STEP_UV *
	      SMARTBMS_CHARGE_LIMIT_STEP_UV;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_parse_charge_limit);

/**
 * smartbms_fuse_limit_ua() - alternator current limit for a fuse
 * @fuse: the fuse setting
 *
 * Return: the limit in uA; the smallest of the table (9 A) while the fuse
 * is not set.
 */
u32 smartbms_fuse_limit_ua(enum smartbms_fuse fuse)
{
	if ((unsigned int)fuse >= SMARTBMS_NUM_FUSES)
		fuse = SMARTBMS_FUSE_NOT_SET;
	return smartbms_fuse_limit_ma[fuse] * 1000;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_fuse_limit_ua);

/**
 * smartbms_alt_limit_ua() - the alternator current limit in force
 * @set: the settings in force
 * @settings_bad: the stored settings were lost or corrupt (E-B31)
 *
 * The fuse fitted is known only once it has been set and kept: while it
 * is not set, or the stored settings were lost (whatever the defaults now
 * say), the smallest table value applies, and the status asks to set the
 * fuse type (behaviour.md section 2).
 *
 * Return: the limit in uA.
 */
u32 smartbms_alt_limit_ua(const struct smartbms_settings *set, bool settings_bad)
{
	return smartbms_fuse_limit_ua(settings_bad ? SMARTBMS_FUSE_NOT_SET : set->fuse);
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_alt_limit_ua);

/* The lines as the rules see them: unreadable ones deny, absent ones idle. */
static u32 smartbms_lines(const struct smartbms_settings *set,
			  const struct smartbms_inputs *in)
{
	u32 lines = in->lines & ~in->lines_bad;

	lines |= in->lines_bad & SMARTBMS_LINES_DENY;
	lines &= ~in->lines_absent;
	if (set->prealarm_usage == SMARTBMS_PREALARM_NOT_AVAILABLE)
		lines &= ~BIT(SMARTBMS_IN_BATTERY_PREALARM);
	return lines;
}

static bool smartbms_is_on(const struct smartbms_settings *set, u32 lines)
{
	return set->soft_switch && (lines & BIT(SMARTBMS_IN_REMOTE));
}

/* Outputs the remote function takes away while not ON (rule 10). */
static u32 smartbms_remote_mask(const struct smartbms_settings *set)
{
	switch (set->remote_function) {
	case SMARTBMS_REMOTE_ALTERNATOR_ONLY:
		return BIT(SMARTBMS_OUT_ALTERNATOR);
	case SMARTBMS_REMOTE_EVERYTHING:
		return SMARTBMS_ALL_OUTPUTS;
	default:
		return BIT(SMARTBMS_OUT_ALTERNATOR) |
		       BIT(SMARTBMS_OUT_SYSTEM_CHARGE) |
		       BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE);
	}
}

static bool smartbms_ok(const struct smartbms_inputs *in, enum smartbms_meas m)
{
	return in->meas_ok & ~in->meas_absent & BIT(m);
}

/* Rule 13: the reference and the ADC itself (E-B33). */
static bool smartbms_adc_failed(struct smartbms_state *st,
				const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	u32 wired = SMARTBMS_ALL_MEAS & ~in->meas_absent;
	bool ref_bad = false;

	if (wired & ~in->meas_ok)
		st->adc_failures = min(st->adc_failures + 1, t->adc_fail_samples);
	else
		st->adc_failures = 0;

	if (smartbms_ok(in, SMARTBMS_MEAS_REFERENCE_UV)) {
		s64 dev = (s64)in->meas[SMARTBMS_MEAS_REFERENCE_UV] - t->reference_uv;

		ref_bad = abs(dev) > t->reference_tolerance_uv;
	}

	return ref_bad || st->adc_failures >= t->adc_fail_samples;
}

/* Rule 1: qualification of the alternator voltage above 13.0 V. */
static void smartbms_alternator_qualify(struct smartbms_state *st,
					const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	u64 now = in->now_ms;
	bool above;

	if (!smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UV)) {
		/* Unknown counts as not allowed: qualify again afterwards. */
		st->alt_qualified = false;
		st->alt_above.running = false;
		st->alt_below.running = false;
		return;
	}

	above = in->meas[SMARTBMS_MEAS_ALTERNATOR_UV] > (s32)t->alt_qualify_uv;
	smartbms_timer_track(&st->alt_above, above, now);
	smartbms_timer_track(&st->alt_below, !above, now);
	if (!st->alt_qualified && smartbms_timer_held(&st->alt_above, now, t->alt_qualify_ms))
		st->alt_qualified = true;
	else if (st->alt_qualified && smartbms_timer_held(&st->alt_below, now, t->alt_lose_ms))
		st->alt_qualified = false;
}

/*
 * Rule 2: supervision of the alternator current against the fuse limit.
 * With the `alternator-limit` output wired the limiter holds the current
 * at the limit, and only 10 % above it for 5 s trips.  Without one nothing
 * else holds it, so anything above the limit for 5 s trips.  Either way
 * the port stays open for the retry delay, and longer when needed for the
 * mean current from the start of the over-current to the retry to be at
 * most the limit: the charge that flowed while the over-current timer ran
 * at most the limit times that whole time.  The charge is counted high:
 * each interval between readings at the larger of its two, and the first
 * reading above the level as flowing since the reading before (at most a
 * slow sampling period back).  An alternator that could deliver far more
 * than the limit is so held at the limit on average.
 */
static void smartbms_alternator_supervise(struct smartbms_state *st,
					  const struct smartbms_settings *set,
					  const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s64 limit = smartbms_alt_limit_ua(set, in->settings_bad);
	s64 level = in->limiter ? limit * (100 + t->alt_overcurrent_pct) : limit * 100;
	u64 now = in->now_ms;

	if (st->alt_trip && now >= st->alt_retry_at_ms)
		st->alt_trip = false;

	/* A missing sample neither starts nor restarts the supervision. */
	if (smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UA)) {
		s32 cur = in->meas[SMARTBMS_MEAS_ALTERNATOR_UA];
		bool was = st->alt_over.running;

		smartbms_timer_track(&st->alt_over, (s64)cur * 100 > level, now);
		if (!st->alt_over.running) {
			st->alt_over_uams = 0;
		} else if (was) {
			st->alt_over_uams += (u64)max(max(cur, st->alt_last_ua), 0) *
					     (now - st->alt_last_ms);
		} else {
			st->alt_over_from_ms = now - min(now - st->alt_last_ms,
							 (u64)t->sample_slow_ms);
			st->alt_over_uams = (u64)cur * (now - st->alt_over_from_ms);
		}
		st->alt_last_ua = cur;
		st->alt_last_ms = now;

		/*
		 * Rule 1: a current back out of the bank beyond the margin
		 * opens the port at this sample and is an alternator trip,
		 * retried as the over-current one.  A reading that goes on
		 * restarts the retry.
		 */
		if (cur < -(s64)t->alt_reverse_ua) {
			u64 retry = smartbms_delay_end(now, t->alt_retry_ms);

			if (st->alt_trip)
				retry = max(st->alt_retry_at_ms, retry);
			st->alt_retry_at_ms = retry;
			st->alt_trip = true;
		}
	}

	if (!st->alt_trip && smartbms_timer_held(&st->alt_over, now, t->alt_overcurrent_ms)) {
		/* Open until the mean since the count began is the limit. */
		u64 mean_ok = st->alt_over_from_ms +
			      div64_u64(st->alt_over_uams + limit - 1, limit);

		st->alt_trip = true;
		st->alt_retry_at_ms = max(smartbms_delay_end(now, t->alt_retry_ms),
					  smartbms_delay_end(mean_ok, 0));
		st->alt_over.running = false;
		st->alt_over_uams = 0;
	}
}

/*
 * Rule 1, one-way.  The port closes only when the alternator voltage is
 * above the battery's by more than the channels may disagree
 * (alt_margin_uv).  Once it conducts, the current decides, not the margin:
 * the drop across a conducting port is the current times a few milliohms,
 * far less than the margin, so the margin would open the port it just
 * closed.  It stays closed while the current is read (a reverse one beyond
 * alt_reverse_ua has tripped it, see smartbms_alternator_supervise()) and
 * the voltages do not say clearly otherwise: the battery at or above the
 * alternator plus the margin opens it, whatever a current channel stuck at
 * zero reads.  In a sample without the current the margin alone decides.
 */
static bool smartbms_alternator_one_way(const struct smartbms_state *st,
					const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s64 alt, bat;

	if (!smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV) ||
	    !smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UV))
		return false;
	alt = in->meas[SMARTBMS_MEAS_ALTERNATOR_UV];
	bat = in->meas[SMARTBMS_MEAS_BATTERY_UV];
	if (alt > bat + t->alt_margin_uv)
		return true;
	return (st->outputs & BIT(SMARTBMS_OUT_ALTERNATOR)) &&
	       smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UA) &&
	       alt + t->alt_margin_uv > bat;
}

/*
 * Rule 3: charge-limit lock-out and its 0.5 V / 10 s release.  Any reading
 * may start it; only trusted ones count toward its release.
 */
static void smartbms_lockout(struct smartbms_state *st,
			     const struct smartbms_settings *set,
			     const struct smartbms_inputs *in, bool trusted)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s64 release = (s64)set->charge_limit_uv - t->lockout_hysteresis_uv;
	u64 now = in->now_ms;
	s32 bat;

	if (!smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV)) {
		/* A sample that cannot be checked restarts the release. */
		st->lockout_release.running = false;
		return;
	}

	bat = in->meas[SMARTBMS_MEAS_BATTERY_UV];
	if (!st->lockout && bat >= (s64)set->charge_limit_uv) {
		st->lockout = true;
		st->lockout_release.running = false;
	}
	if (st->lockout) {
		smartbms_timer_track(&st->lockout_release, trusted && bat <= release, now);
		if (smartbms_timer_held(&st->lockout_release, now, t->lockout_release_ms)) {
			st->lockout = false;
			st->lockout_release.running = false;
		}
	}
}

/*
 * Rule 6: BMS over-temperature at two levels, each with its release.  A
 * trip in force is never released by a loss of trust or a missing reading
 * (rule 13): any reading at a trip level trips, since taking away is always
 * safe, but only a trusted one releases, and an unreadable one does
 * neither.
 */
static void smartbms_temperature(struct smartbms_state *st,
				 const struct smartbms_inputs *in, bool trusted)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s32 temp;

	if (!smartbms_ok(in, SMARTBMS_MEAS_TEMP_MC))
		return;

	temp = in->meas[SMARTBMS_MEAS_TEMP_MC];
	if (temp >= t->ot_charge_trip_mc)
		st->ot_charge = true;
	else if (trusted && temp < t->ot_charge_release_mc)
		st->ot_charge = false;
	if (temp >= t->ot_discharge_trip_mc)
		st->ot_discharge = true;
	else if (trusted && temp < t->ot_discharge_release_mc)
		st->ot_discharge = false;
}

/*
 * Must discharge stop now? (rule 7)  Only once discharge-allowed is low and
 * the pre-alarm has been active for the whole lead: the manual promises the
 * pre-alarm at least 30 s before the load disconnect, whatever raised it.
 * A battery pre-alarm raised 30 s or more before discharge-allowed falls
 * means at once; one raised 5 s before means 25 s after the fall.
 */
static bool smartbms_discharge_stops(const struct smartbms_state *st, u32 lines,
				     u64 now)
{
	return !(lines & BIT(SMARTBMS_IN_DISCHARGE_ALLOWED)) &&
	       smartbms_timer_held(&st->prealarm, now, smartbms_tunables.prealarm_lead_ms);
}

/* Rule 7: the pre-alarm and the 30 s rule for discharge permission. */
static void smartbms_prealarm(struct smartbms_state *st, u32 lines, u64 now)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	bool low = !(lines & BIT(SMARTBMS_IN_DISCHARGE_ALLOWED));
	bool battery = lines & BIT(SMARTBMS_IN_BATTERY_PREALARM);

	smartbms_timer_track(&st->prealarm, battery || low, now);

	if (st->discharge_ok && smartbms_discharge_stops(st, lines, now))
		st->discharge_ok = false;
	/* A-B11 from the moment the battery's line keeps discharge stopped. */
	if (!st->discharge_ok && low)
		st->undervoltage = true;

	smartbms_timer_track(&st->discharge_high, !low, now);
	if (!st->discharge_ok &&
	    smartbms_timer_held(&st->discharge_high, now, t->discharge_qualify_ms)) {
		st->discharge_ok = true;
		st->undervoltage = false;
	}
}

/*
 * Rule 11a: System+ overload, where `system-current` is wired.  The manual
 * rates System+ at 200 A continuous and 400 A peak, either way (the FETs
 * carry charge and discharge alike): above the peak at the sample, or
 * above the continuous rating for a time constant, counts as a trip of the
 * short-circuit path.  A missing sample neither starts nor restarts the
 * time.
 */
static bool smartbms_system_overload(struct smartbms_state *st,
				     const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s64 cur;

	if (smartbms_ok(in, SMARTBMS_MEAS_SYSTEM_UA)) {
		cur = abs((s64)in->meas[SMARTBMS_MEAS_SYSTEM_UA]);
		smartbms_timer_track(&st->sys_over, cur > t->sys_continuous_ua, in->now_ms);
		if (cur > t->sys_peak_ua)
			return true;
	}
	return smartbms_timer_held(&st->sys_over, in->now_ms, t->sys_overload_ms);
}

/*
 * Rule 11: short-circuit trip, retry, and latch after repeated trips.
 * @overload: a System+ overload (rule 11a) trips as the comparator does.
 */
static void smartbms_short_circuit(struct smartbms_state *st, bool on, u32 lines,
				   bool overload, u64 now)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	unsigned int i, n = 0;

	/* Cycling the soft switch or the remote input clears the latch. */
	if (on && !st->was_on)
		smartbms_engine_clear(st);

	if (st->sc_trip && !st->sc_latched &&
	    now >= smartbms_delay_end(st->sc_trip_ms, t->sc_retry_ms))
		st->sc_trip = false;

	if (!(overload || (lines & BIT(SMARTBMS_IN_SHORT_CIRCUIT))) || st->sc_trip)
		return;

	/*
	 * Forget trips that left the window, then record this one.  The
	 * window is a delay too: a trip forgotten early could let a third
	 * trip within 60 s pass without latching.
	 */
	for (i = 0; i < st->sc_count; i++)
		if (now < smartbms_delay_end(st->sc_trips[i], t->sc_latch_window_ms))
			st->sc_trips[n++] = st->sc_trips[i];
	if (n == ARRAY_SIZE(st->sc_trips)) {
		n--;
		memmove(st->sc_trips, st->sc_trips + 1, n * sizeof(st->sc_trips[0]));
	}
	st->sc_trips[n++] = now;
	st->sc_count = n;

	st->sc_trip = true;
	st->sc_trip_ms = now;
	if (n >= SMARTBMS_SC_LATCH_TRIPS)
		st->sc_latched = true;
}

/* Rule 12: a battery cable unplugged or broken (E-B32). */
static bool smartbms_lines_lost(struct smartbms_state *st, u32 lines,
				const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	u32 allowed = BIT(SMARTBMS_IN_CHARGE_ALLOWED) | BIT(SMARTBMS_IN_DISCHARGE_ALLOWED);
	bool bat_ok = smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV);
	s32 bat = in->meas[SMARTBMS_MEAS_BATTERY_UV];
	u64 now = in->now_ms;

	smartbms_timer_track(&st->lines_lost, !(lines & allowed) && bat_ok &&
			     bat >= (s32)t->lost_band_min_uv &&
			     bat <= (s32)t->lost_band_max_uv, now);
	smartbms_timer_track(&st->prealarm_implausible,
			     (lines & BIT(SMARTBMS_IN_BATTERY_PREALARM)) && bat_ok &&
			     bat > (s32)t->prealarm_implausible_uv, now);

	return smartbms_timer_held(&st->lines_lost, now, t->lost_ms) ||
	       smartbms_timer_held(&st->prealarm_implausible, now, t->lost_ms);
}

/* POWER_SUPPLY_HEALTH_* from the codes and trips in force, worst first. */
static int smartbms_health(const struct smartbms_state *st)
{
	u32 c = st->codes;

	if (c & BIT(SMARTBMS_CODE_E_B30))
		return POWER_SUPPLY_HEALTH_CALIBRATION_REQUIRED;
	if (c & (BIT(SMARTBMS_CODE_E_B31) | BIT(SMARTBMS_CODE_E_B32) |
		 BIT(SMARTBMS_CODE_E_B33)))
		return POWER_SUPPLY_HEALTH_UNSPEC_FAILURE;
	if (c & BIT(SMARTBMS_CODE_A_B15))
		return POWER_SUPPLY_HEALTH_OVERHEAT;
	if ((c & BIT(SMARTBMS_CODE_A_A12)) || st->alt_trip)
		return POWER_SUPPLY_HEALTH_OVERCURRENT;
	return POWER_SUPPLY_HEALTH_GOOD;
}

static void smartbms_power_supply_state(struct smartbms_state *st,
					const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	s32 alt = in->meas[SMARTBMS_MEAS_ALTERNATOR_UA];
	s32 sys = in->meas[SMARTBMS_MEAS_SYSTEM_UA];
	bool sys_ok = smartbms_ok(in, SMARTBMS_MEAS_SYSTEM_UA);
	u32 c = st->codes;

	if ((st->outputs & BIT(SMARTBMS_OUT_ALTERNATOR)) &&
	    smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UA) && alt > (s32)t->flow_ua)
		st->status = POWER_SUPPLY_STATUS_CHARGING;
	else if (sys_ok && sys > (s32)t->flow_ua)
		st->status = POWER_SUPPLY_STATUS_CHARGING;
	else if (sys_ok && sys < -(s32)t->flow_ua)
		st->status = POWER_SUPPLY_STATUS_DISCHARGING;
	else if (st->lockout)
		st->status = POWER_SUPPLY_STATUS_FULL;
	else if (sys_ok)
		st->status = POWER_SUPPLY_STATUS_NOT_CHARGING;
	else
		st->status = POWER_SUPPLY_STATUS_UNKNOWN;

	st->health = smartbms_health(st);

	if (!smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV))
		st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_UNKNOWN;
	else if (c & BIT(SMARTBMS_CODE_A_B11))
		st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_CRITICAL;
	else if (c & BIT(SMARTBMS_CODE_W_B12))
		st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_LOW;
	else if (st->lockout)
		st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_FULL;
	else
		st->capacity_level = POWER_SUPPLY_CAPACITY_LEVEL_NORMAL;
}

/* Sample fast while current flows or a value is near a threshold. */
static bool smartbms_busy(const struct smartbms_state *st,
			  const struct smartbms_settings *set,
			  const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	const s32 *m = in->meas;
	s64 near = t->near_uv;

	if (smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UA) &&
	    abs((s64)m[SMARTBMS_MEAS_ALTERNATOR_UA]) > t->flow_ua)
		return true;
	if (smartbms_ok(in, SMARTBMS_MEAS_SYSTEM_UA) &&
	    abs((s64)m[SMARTBMS_MEAS_SYSTEM_UA]) > t->flow_ua)
		return true;
	if (smartbms_ok(in, SMARTBMS_MEAS_ALTERNATOR_UV)) {
		s64 alt = m[SMARTBMS_MEAS_ALTERNATOR_UV];

		if (abs(alt - t->alt_qualify_uv) <= near)
			return true;
		/* Reverse flow is cut at the next sample: make it come soon. */
		if ((st->outputs & BIT(SMARTBMS_OUT_ALTERNATOR)) &&
		    smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV) &&
		    alt - m[SMARTBMS_MEAS_BATTERY_UV] <= near)
			return true;
	}
	if (smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV) &&
	    m[SMARTBMS_MEAS_BATTERY_UV] >= (s64)set->charge_limit_uv - near)
		return true;
	/* Delays need no fast sampling: their deadlines are exact. */
	return smartbms_ok(in, SMARTBMS_MEAS_TEMP_MC) &&
	       m[SMARTBMS_MEAS_TEMP_MC] >= t->ot_charge_release_mc - (s32)t->near_mc;
}

/* When must the engine look again, at the latest? */
static u64 smartbms_next(const struct smartbms_state *st,
			 const struct smartbms_settings *set,
			 const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	u64 now = in->now_ms;
	u64 next = now + (smartbms_busy(st, set, in) ? t->sample_fast_ms :
						      t->sample_slow_ms);

	if (st->alt_qualified)
		smartbms_timer_due(&st->alt_below, &next, now, t->alt_lose_ms);
	else
		smartbms_timer_due(&st->alt_above, &next, now, t->alt_qualify_ms);
	if (!st->alt_trip)
		smartbms_timer_due(&st->alt_over, &next, now, t->alt_overcurrent_ms);
	else
		smartbms_due(&next, now, st->alt_retry_at_ms);
	if (st->lockout)
		smartbms_timer_due(&st->lockout_release, &next, now, t->lockout_release_ms);
	if (st->discharge_ok)
		smartbms_timer_due(&st->prealarm, &next, now, t->prealarm_lead_ms);
	else
		smartbms_timer_due(&st->discharge_high, &next, now, t->discharge_qualify_ms);
	if (st->prealarm.running && set->prealarm_output == SMARTBMS_PREALARM_INTERMITTENT) {
		u64 phase = div64_u64(now - st->prealarm.since_ms, t->prealarm_blink_ms);

		smartbms_due(&next, now, st->prealarm.since_ms +
			     (phase + 1) * t->prealarm_blink_ms);
	}
	if (st->sc_trip && !st->sc_latched)
		smartbms_due(&next, now, smartbms_delay_end(st->sc_trip_ms, t->sc_retry_ms));
	else if (!st->sc_trip)
		smartbms_timer_due(&st->sys_over, &next, now, t->sys_overload_ms);
	smartbms_timer_due(&st->lines_lost, &next, now, t->lost_ms);
	smartbms_timer_due(&st->prealarm_implausible, &next, now, t->lost_ms);

	return next;
}

/*
 * Rule 10, "switch everything off": every output off, protection suspended.
 * What the rules learnt from samples (qualifications, the delays that need
 * samples to run) is forgotten and has to be earned again afterwards; the
 * trips in force and their own clocks are kept, so that toggling the remote
 * input lifts no over-temperature, lock-out, short-circuit or alternator
 * trip (cycling ON still clears the short-circuit latch, rule 11).  Their
 * codes stay shown.
 */
static void smartbms_suspend(struct smartbms_state *st, u32 codes, u64 now)
{
	struct smartbms_state kept = *st;

	smartbms_engine_init(st);
	st->alt_trip = kept.alt_trip;
	st->alt_retry_at_ms = kept.alt_retry_at_ms;
	st->lockout = kept.lockout;
	st->ot_charge = kept.ot_charge;
	st->ot_discharge = kept.ot_discharge;
	st->sc_trip = kept.sc_trip;
	st->sc_latched = kept.sc_latched;
	st->sc_trip_ms = kept.sc_trip_ms;
	memcpy(st->sc_trips, kept.sc_trips, sizeof(st->sc_trips));
	st->sc_count = kept.sc_count;

	st->started = true;
	st->suspended = true;
	st->codes = codes & SMARTBMS_CODES_STORED;
	if (st->sc_trip || st->sc_latched)
		st->codes |= BIT(SMARTBMS_CODE_A_A12);
	if (st->ot_charge || st->ot_discharge)
		st->codes |= BIT(SMARTBMS_CODE_A_B15);
	st->status = POWER_SUPPLY_STATUS_NOT_CHARGING;
	st->health = smartbms_health(st);
	st->next_ms = now + smartbms_tunables.sample_slow_ms;
}

/**
 * smartbms_engine_step() - evaluate one complete sample
 * @st: the state, updated in place
 * @set: the settings in force
 * @in: the sample
 *
 * Recomputes every output, the active codes and the power supply state
 * from the whole state, and sets @st->next_ms to the latest time at which
 * the caller must evaluate again (the next deadline of a running delay,
 * or the sampling period).
 */
void smartbms_engine_step(struct smartbms_state *st,
			  const struct smartbms_settings *set,
			  const struct smartbms_inputs *in)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	u32 lines = smartbms_lines(set, in);
	bool on = smartbms_is_on(set, lines);
	bool bat_ok = smartbms_ok(in, SMARTBMS_MEAS_BATTERY_UV);
	bool charge_allowed = lines & BIT(SMARTBMS_IN_CHARGE_ALLOWED);
	u64 now = in->now_ms;
	bool temp_ok = smartbms_ok(in, SMARTBMS_MEAS_TEMP_MC);
	bool trusted, sc, alt_flow, charge, blink;
	u32 codes = 0, out = 0;

	if (in->calibration_bad)
		codes |= BIT(SMARTBMS_CODE_E_B30);
	if (in->settings_bad)
		codes |= BIT(SMARTBMS_CODE_E_B31);

	if (!on && set->remote_function == SMARTBMS_REMOTE_EVERYTHING) {
		smartbms_suspend(st, codes, now);
		return;
	}

	smartbms_short_circuit(st, on, lines, smartbms_system_overload(st, in), now);
	st->was_on = on;
	st->started = true;
	st->suspended = false;

	if (smartbms_adc_failed(st, in))
		codes |= BIT(SMARTBMS_CODE_E_B33);
	trusted = !(codes & SMARTBMS_CODES_UNTRUSTED);
	smartbms_alternator_qualify(st, in);
	smartbms_alternator_supervise(st, set, in);
	smartbms_lockout(st, set, in, trusted);
	smartbms_temperature(st, in, trusted);
	smartbms_prealarm(st, lines, now);
	if (smartbms_lines_lost(st, lines, in))
		codes |= BIT(SMARTBMS_CODE_E_B32);

	sc = st->sc_trip || st->sc_latched;

	/* Rule 1: the alternator port, one-way only. */
	alt_flow = smartbms_alternator_one_way(st, in);
	/*
	 * What both power ports need to charge (rules 1, 3, 4, 6, 13): a BMS
	 * that cannot read the battery or its own temperature, or cannot trust
	 * what it reads, lets nothing charge.
	 */
	charge = charge_allowed && !st->lockout && !st->ot_charge && trusted && bat_ok &&
		 temp_ok;

	if (charge && st->alt_qualified && alt_flow && !st->alt_trip)
		out |= BIT(SMARTBMS_OUT_ALTERNATOR);
	/* Rule 4. */
	if (charge && !sc)
		out |= BIT(SMARTBMS_OUT_SYSTEM_CHARGE);
	/*
	 * Rule 5.  Untrusted or missing measurements start no trip of their
	 * own here, but release none either: an over-temperature in force
	 * holds (rules 6 and 13).
	 */
	if (st->discharge_ok && !sc && !st->ot_discharge)
		out |= BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE);
	/* Rule 9. */
	if (st->discharge_ok)
		out |= BIT(SMARTBMS_OUT_LOAD_DISCONNECT);
	/* Rule 8: not the charge limit, but a BMS that cannot measure says no. */
	if (charge_allowed && !st->ot_charge && trusted && temp_ok)
		out |= BIT(SMARTBMS_OUT_CHARGE_DISCONNECT);
	/* Rule 7: steady, or 1 s on / 1 s off. */
	blink = set->prealarm_output == SMARTBMS_PREALARM_INTERMITTENT &&
		div64_u64(now - st->prealarm.since_ms, t->prealarm_blink_ms) & 1;
	if (st->prealarm.running && !blink)
		out |= BIT(SMARTBMS_OUT_PREALARM);
	/* Rule 10. */
	if (!on)
		out &= ~smartbms_remote_mask(set);

	if (sc)
		codes |= BIT(SMARTBMS_CODE_A_A12);
	if (st->undervoltage)
		codes |= BIT(SMARTBMS_CODE_A_B11);
	if (st->ot_charge || st->ot_discharge)
		codes |= BIT(SMARTBMS_CODE_A_B15);
	if (st->prealarm.running)
		codes |= BIT(SMARTBMS_CODE_W_B12);

	st->outputs = out;
	st->codes = codes;
	smartbms_power_supply_state(st, in);
	st->next_ms = smartbms_next(st, set, in);
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_engine_step);

/**
 * smartbms_engine_fast_trip() - what must drop at once after an edge
 * @st: the state after the last full evaluation
 * @set: the settings in force
 * @in: the sample, of which only the time and the lines are used
 *
 * Called from the interrupt handler: no sleeping, bounded work.  It
 * decides only from the lines, and only what takes something away
 * (charge-allowed low, discharge-allowed low once the pre-alarm lead has
 * been given, short circuit, remote off), so the next full evaluation of
 * the same lines drops everything it drops.
 *
 * Return: the asserted outputs that must be released now.
 */
u32 smartbms_engine_fast_trip(const struct smartbms_state *st,
			      const struct smartbms_settings *set,
			      const struct smartbms_inputs *in)
{
	u32 lines = smartbms_lines(set, in);
	u32 drop = 0;

	if (!smartbms_is_on(set, lines))
		drop |= smartbms_remote_mask(set);
	if (!(lines & BIT(SMARTBMS_IN_CHARGE_ALLOWED)))
		drop |= BIT(SMARTBMS_OUT_ALTERNATOR) | BIT(SMARTBMS_OUT_SYSTEM_CHARGE) |
			BIT(SMARTBMS_OUT_CHARGE_DISCONNECT);
	if (lines & BIT(SMARTBMS_IN_SHORT_CIRCUIT))
		drop |= BIT(SMARTBMS_OUT_SYSTEM_CHARGE) | BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE);
	if (st->discharge_ok && smartbms_discharge_stops(st, lines, in->now_ms))
		drop |= BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE) | BIT(SMARTBMS_OUT_LOAD_DISCONNECT);

	return st->outputs & drop;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_engine_fast_trip);

/**
 * smartbms_engine_clear() - clear latched faults
 * @st: the state
 *
 * Clears the short-circuit latch and its trip history (rule 11).  The
 * protection that follows still applies at the next evaluation.
 */
void smartbms_engine_clear(struct smartbms_state *st)
{
	st->sc_latched = false;
	st->sc_count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_engine_clear);
