// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the protection engine (smartbms-engine.c, compiled
 * unchanged for the host through tests/fuzz/shim/).  The fuzz data is a
 * board and a sequence of samples, fed to the engine as the driver feeds
 * it; after each sample the outputs and codes are checked against the rule
 * table of behaviour.md section 3.
 *
 * Data layout (see decode_step()):
 *   header, 4 bytes: board (absent optional lines and channels, E-B30,
 *     E-B31, the alternator limiter wired), then the settings in force at start (decode_settings())
 *   steps, 10 bytes each, plus optional parts their flags announce:
 *     flags, time step, lines, seven measurement bytes
 *
 * Measurement bytes are offsets around the levels the rules use, so that a
 * byte flip moves a value across a threshold: battery, alternator and
 * System+ voltages 13.0 V + n * 50 mV, currents n * 1 A, temperature
 * 60 C + n * 0.5 C, reference 2.5 V + n * 1 mV (n signed).  A flag replaces
 * one of them with a raw 32-bit value.  Time only goes forward (the engine's
 * clock is monotonic): 0 to 127 ms, or 0 to 127 s, per step.
 *
 * Invariants, with the rule of behaviour.md each comes from:
 *  on every sample
 *   - only known outputs and codes; next_ms in (now, now + the slow period]
 *     (the engine asks to be run again, never later than the sampling period)
 *   - 10: not ON takes the remote function's outputs away; "everything"
 *     leaves every output off and only E-B30/E-B31, and A-A12/A-B15 for
 *     the trips it keeps in force
 *   - 1, 4, 8, 12: charge-allowed low (or unreadable) -> alternator port,
 *     System+ charge and charge disconnect off
 *   - 11: the short-circuit comparator active -> both System+ FETs off, A-A12
 *   - 6: a temperature at or above 85 C -> alternator, System+ charge and
 *     charge disconnect off, A-B15; at or above 95 C, trusted or not,
 *     System+ discharge off too; an unreadable temperature -> alternator,
 *     System+ charge and charge disconnect off
 *   - 13: E-B30/E-B33 -> alternator port and System+ charge off; bad
 *     calibration/settings raise E-B30/E-B31; a reference out of tolerance
 *     raises E-B33
 *   - 1, 3: the alternator port conducts only with both voltages read and
 *     the alternator more than 150 mV above the battery, or, when it
 *     conducted at the sample before and the alternator current is read,
 *     the battery below the alternator plus 150 mV; never with a current
 *     read more than 1 A back out of the bank; a battery at or above the
 *     charge limit stops the alternator port and System+ charge at once
 *   - 7, 9: System+ discharge needs discharge permitted (load disconnect
 *     high); pre-alarm active exactly when (usage = use and the battery's
 *     pre-alarm active) or discharge-allowed low, W-B12 with it, the
 *     output steady when continuous, 1 s on / 1 s off from its start when
 *     intermittent, and never on without it
 *   - 13: E-B33 exactly when the reference is out of tolerance or reads
 *     failed on 5 samples in a row
 *   - codes: A-B11 -> load disconnect and System+ discharge off; A-A12 ->
 *     both System+ FETs off; A-B15 -> alternator, System+ charge, charge
 *     disconnect off
 *   - the interrupt path: what smartbms_engine_fast_trip() drops for a
 *     sample is off after the full evaluation of the same sample, and it
 *     drops it too for the same sample 1 ms and 60 s later (the driver
 *     decides a trip ahead of its edge)
 *  over time (the timers never release early)
 *   - 7: load disconnect floats only after the pre-alarm (whatever raised
 *     it) has been active for 30 s; discharge-allowed low once it has ->
 *     load disconnect and System+ discharge off, A-B11; load disconnect
 *     comes back only after discharge-allowed was high for 1 s, and then
 *     it does
 *   - 6, 8: charge disconnect high whenever charge-allowed is, with the
 *     temperature read, without over-temperature (85 C, released below
 *     75 C by a trusted reading only) or E-B30/E-B33
 *   - 2: with the limiter wired, 10 % above the fuse's limit (behaviour.md's
 *     table; 9 A while the fuse is not set or the settings were lost) for
 *     5 s trips the alternator port; without it, above the limit itself;
 *     the port stays open for 30 s, and longer until the mean current
 *     (counted high, as the rule says) since the over-current began is at
 *     most the limit; a current more than 1 A back out of the bank trips
 *     it for 30 s too (rule 1), restarted by each such reading
 *   - 11a: where the System+ current is read, above 400 A either way ->
 *     both System+ FETs off at that sample, A-A12; above 200 A for 60 s
 *     (without a short-circuit trip in between, which may restart it) too
 *   - 12: the battery lines both low for 60 s in the normal band, or its
 *     pre-alarm active for 60 s above 13.0 V, raise E-B32
 *   - 3: from a battery at the charge limit, alternator port and System+
 *     charge stay off until the battery stayed 0.5 V below it for 10 s
 *   - 1: the alternator port conducts only once its voltage was above
 *     13.0 V for 1 s, and not after it was at or below it for 2 s
 *   - 11: after a short-circuit trip (A-A12 raised) A-A12 stays and both
 *     System+ FETs stay off for 10 s, whatever clears or cycles ON
 *   - 14: every output off before the first sample
 * The delays and levels are behaviour.md's defaults (the table "rules"
 * below), not the engine's own table.  The models below are lenient where
 * the specification leaves room (an unreadable sample), so that they only
 * ever demand what it demands.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/power/smartbms-engine.h>

#include "fuzz.h"

#define STEP_BYTES	10
#define MAX_STEPS	4000

#define OUT(x)		BIT(SMARTBMS_OUT_##x)
#define IN(x)		BIT(SMARTBMS_IN_##x)
#define CODE(x)		BIT(SMARTBMS_CODE_##x)
#define MEAS(x)		BIT(SMARTBMS_MEAS_##x)

#define CHARGE_OUTS	(OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE) | OUT(CHARGE_DISCONNECT))
#define SYSTEM_FETS	(OUT(SYSTEM_CHARGE) | OUT(SYSTEM_DISCHARGE))

/* Step flags. */
#define F_SETTINGS	0x01	/* 3 bytes of new settings follow */
#define F_CLEAR		0x02	/* "bmsctl clear" before the sample */
#define F_LINES_BAD	0x04	/* 1 byte: lines that cannot be read */
#define F_MEAS_FAIL	0x08	/* 1 byte: channels whose read failed */
#define F_RAW		0x10	/* 5 bytes: channel, raw s32 little endian */
#define F_SECONDS	0x80	/* the time step is in seconds */

/* A timer of the models: since when a condition holds. */
struct hold {
	bool running;
	uint64_t since;
};

static void hold_track(struct hold *h, bool holds, uint64_t now)
{
	if (!holds)
		h->running = false;
	else if (!h->running)
		*h = (struct hold){ .running = true, .since = now };
}

static bool hold_held(const struct hold *h, uint64_t now, uint64_t ms)
{
	/* The engine's clock counts whole milliseconds: see smartbms_delay_end(). */
	return h->running && now >= smartbms_delay_end(h->since, ms);
}

/* What the harness remembers between samples: the rules' own view. */
struct model {
	struct hold da_high;		/* discharge-allowed high */
	bool lockout;			/* rule 3 */
	struct hold release;		/* battery at or below the release level */
	struct hold alt_above;		/* rule 1, lenient: unreadable samples ignored */
	struct hold alt_below;
	bool alt_qualified;
	bool sc_code;			/* A-A12 at the last sample */
	bool sc_trip;			/* rule 11: a trip and its 10 s */
	uint64_t sc_trip_ms;
	unsigned int adc_failures;	/* rule 13: samples in a row with a failed read */
	struct hold prealarm;		/* rule 7: the pre-alarm */
	struct hold alt_over;		/* rule 2: above the supervision level */
	bool alt_trip;
	uint64_t alt_retry_ms;		/* ... until then */
	uint64_t alt_charge;		/* uA ms while alt_over runs, counted high */
	uint64_t alt_from_ms;		/* ... since then */
	int32_t alt_last_ua;		/* the last alternator current read */
	uint64_t alt_last_ms;
	struct hold sys_over;		/* rule 11a: above 200 A */
	bool sys_over_tripped;		/* ... and A-A12 seen since it began */
	bool ot_charge;			/* rule 6, first level */
	struct hold lines_lost;		/* rule 12 */
	struct hold prealarm_implausible;
};

/*
 * The rules' delays and levels as behaviour.md gives them (its defaults),
 * not read from the engine's table: a default changed there is a rule
 * changed, and this harness says so.
 */
static const struct smartbms_tunables rules = {
	.alt_qualify_uv		= 13000000,	/* rule 1 */
	.alt_qualify_ms		= 1000,
	.alt_lose_ms		= 2000,
	.alt_overcurrent_ms	= 5000,		/* rule 2 (10 %: see below) */
	.alt_retry_ms		= 30000,
	.alt_margin_uv		= 150000,	/* rule 1: one-way */
	.alt_reverse_ua		= 1000000,
	.lockout_hysteresis_uv	= 500000,	/* rule 3 */
	.lockout_release_ms	= 10000,
	.ot_charge_trip_mc	= 85000,	/* rule 6 */
	.ot_charge_release_mc	= 75000,
	.ot_discharge_trip_mc	= 95000,
	.prealarm_lead_ms	= 30000,	/* rule 7 */
	.prealarm_blink_ms	= 1000,
	.discharge_qualify_ms	= 1000,
	.sc_retry_ms		= 10000,	/* rule 11 */
	.sys_peak_ua		= 400000000,	/* rule 11a */
	.sys_continuous_ua	= 200000000,
	.sys_overload_ms	= 60000,
	.lost_ms		= 60000,	/* rule 12 */
	.reference_uv		= 2500000,	/* rule 13 */
	.reference_tolerance_uv	= 50000,
	.adc_fail_samples	= 5,
	.sample_slow_ms		= 1000,		/* section 4: 1 Hz at rest */
};

/* The alternator current limit of each fuse, behaviour.md section 2, in A. */
static const uint32_t fuse_limit_a[SMARTBMS_NUM_FUSES] = {
	9, 100, 90, 60, 50, 40, 25, 20, 12, 9,
};

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool take(struct reader *r, void *buf, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

/* Three bytes to valid settings (the driver only ever passes valid ones). */
static void decode_settings(const uint8_t b[3], struct smartbms_settings *set)
{
	set->fuse = b[0] % SMARTBMS_NUM_FUSES;
	set->prealarm_usage = (b[0] >> 4) & 1;
	set->prealarm_output = (b[0] >> 5) & 1;
	set->soft_switch = !((b[0] >> 6) & 1);
	set->remote_function = (b[0] >> 7) ? (b[1] & 1) + 1 : SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM;
	/* 13.0 V to 15.3 V in 10 mV steps. */
	set->charge_limit_uv = SMARTBMS_CHARGE_LIMIT_MIN_UV +
			       (uint32_t)((b[1] >> 1) | b[2] << 7) % 231 * 10000;
}

static int32_t decode_meas(int m, uint8_t b)
{
	int32_t n = (int8_t)b;

	switch (m) {
	case SMARTBMS_MEAS_BATTERY_UV:
	case SMARTBMS_MEAS_ALTERNATOR_UV:
	case SMARTBMS_MEAS_SYSTEM_UV:
		return 13000000 + n * 50000;
	case SMARTBMS_MEAS_ALTERNATOR_UA:
	case SMARTBMS_MEAS_SYSTEM_UA:
		return n * 1000000;
	case SMARTBMS_MEAS_TEMP_MC:
		return 60000 + n * 500;
	default:
		return 2500000 + n * 1000;
	}
}

static bool measured(const struct smartbms_inputs *in, int m)
{
	return in->meas_ok & ~in->meas_absent & BIT(m);
}

/* One step; false at the end of the data. */
static bool decode_step(struct reader *r, struct smartbms_inputs *in,
			struct smartbms_settings *set, bool *clear)
{
	uint8_t b[STEP_BYTES], extra[5];
	int m;

	if (!take(r, b, sizeof(b)))
		return false;
	in->now_ms += (uint64_t)(b[1] & 0x7f) * (b[0] & F_SECONDS ? 1000 : 1);
	in->lines = b[2] & (BIT(SMARTBMS_NUM_INPUTS) - 1);
	for (m = 0; m < SMARTBMS_NUM_MEAS; m++)
		in->meas[m] = decode_meas(m, b[3 + m]);
	in->lines_bad = 0;
	in->meas_ok = SMARTBMS_ALL_MEAS;
	*clear = b[0] & F_CLEAR;
	if ((b[0] & F_SETTINGS) && take(r, extra, 3))
		decode_settings(extra, set);
	if ((b[0] & F_LINES_BAD) && take(r, extra, 1))
		in->lines_bad = extra[0] & (BIT(SMARTBMS_NUM_INPUTS) - 1);
	if ((b[0] & F_MEAS_FAIL) && take(r, extra, 1))
		in->meas_ok &= ~(uint32_t)extra[0];
	if ((b[0] & F_RAW) && take(r, extra, 5))
		in->meas[extra[0] % SMARTBMS_NUM_MEAS] =
			(int32_t)((uint32_t)extra[1] | (uint32_t)extra[2] << 8 |
				  (uint32_t)extra[3] << 16 | (uint32_t)extra[4] << 24);
	return true;
}

/* The lines as behaviour.md defines them: unreadable ones deny, absent ones idle. */
static uint32_t effective_lines(const struct smartbms_inputs *in,
				const struct smartbms_settings *set)
{
	uint32_t deny = IN(BATTERY_PREALARM) | IN(SHORT_CIRCUIT);
	uint32_t l = (in->lines & ~in->lines_bad) | (in->lines_bad & deny);

	l &= ~in->lines_absent;
	if (set->prealarm_usage == SMARTBMS_PREALARM_NOT_AVAILABLE)
		l &= ~IN(BATTERY_PREALARM);
	return l;
}

/*
 * "Switch everything off": the samples' memory goes, the trips in force
 * stay (rule 10).
 */
static void model_suspend(struct model *md)
{
	struct model kept = *md;

	memset(md, 0, sizeof(*md));
	md->lockout = kept.lockout;
	md->ot_charge = kept.ot_charge;
	md->sc_code = kept.sc_code;
	md->sc_trip = kept.sc_trip;
	md->sc_trip_ms = kept.sc_trip_ms;
	md->alt_trip = kept.alt_trip;
	md->alt_retry_ms = kept.alt_retry_ms;
}

/* The checks of one sample; @prev_out: the outputs before it. */
static void check_step(const struct smartbms_state *st, const struct smartbms_settings *set,
		       const struct smartbms_inputs *in, struct model *md, uint32_t prev_out,
		       uint32_t dropped)
{
	const struct smartbms_tunables *t = &rules;
	uint32_t lines = effective_lines(in, set), out = st->outputs, codes = st->codes;
	int64_t limit = (int64_t)(in->settings_bad ? 9 : fuse_limit_a[set->fuse]) * 1000000;
	uint64_t now = in->now_ms;
	bool on = set->soft_switch && (lines & IN(REMOTE));
	bool suspended = !on && set->remote_function == SMARTBMS_REMOTE_EVERYTHING;
	bool ca = lines & IN(CHARGE_ALLOWED), da = lines & IN(DISCHARGE_ALLOWED);
	bool bat_ok = measured(in, SMARTBMS_MEAS_BATTERY_UV);
	bool alt_ok = measured(in, SMARTBMS_MEAS_ALTERNATOR_UV);
	int32_t bat = in->meas[SMARTBMS_MEAS_BATTERY_UV];
	int32_t alt = in->meas[SMARTBMS_MEAS_ALTERNATOR_UV];
	bool untrusted = codes & (CODE(E_B30) | CODE(E_B33));
	bool prealarm, ref_bad;

	FUZZ_ASSERT(!(out & ~SMARTBMS_ALL_OUTPUTS));
	FUZZ_ASSERT(!(codes & ~(BIT(SMARTBMS_NUM_CODES) - 1)));
	FUZZ_ASSERT(st->next_ms > now && st->next_ms <= now + t->sample_slow_ms);
	/* The interrupt path drops only what the full evaluation drops. */
	FUZZ_ASSERT(!(out & dropped));

	/* Rule 13: stored data. */
	FUZZ_ASSERT(!in->calibration_bad || (codes & CODE(E_B30)));
	FUZZ_ASSERT(!in->settings_bad || (codes & CODE(E_B31)));

	/* Rule 10. */
	if (!on)
		FUZZ_ASSERT(!(out & OUT(ALTERNATOR)));
	if (!on && set->remote_function == SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM)
		FUZZ_ASSERT(!(out & SYSTEM_FETS));
	if (suspended) {
		FUZZ_ASSERT(out == 0);
		FUZZ_ASSERT(!(codes & ~(CODE(E_B30) | CODE(E_B31) | CODE(A_A12) | CODE(A_B15))));
		FUZZ_ASSERT(!md->ot_charge || (codes & CODE(A_B15)));
		model_suspend(md);
		return;
	}

	/* Rules 1, 4, 8, 12: charge-allowed. */
	if (!ca)
		FUZZ_ASSERT(!(out & CHARGE_OUTS));

	/* Rule 11: the comparator. */
	if (lines & IN(SHORT_CIRCUIT)) {
		FUZZ_ASSERT(!(out & SYSTEM_FETS));
		FUZZ_ASSERT(codes & CODE(A_A12));
	}

	/* Rule 6. */
	if (measured(in, SMARTBMS_MEAS_TEMP_MC)) {
		int32_t temp = in->meas[SMARTBMS_MEAS_TEMP_MC];

		if (temp >= t->ot_charge_trip_mc) {
			FUZZ_ASSERT(!(out & CHARGE_OUTS));
			FUZZ_ASSERT(codes & CODE(A_B15));
		}
		if (temp >= t->ot_discharge_trip_mc)
			FUZZ_ASSERT(!(out & OUT(SYSTEM_DISCHARGE)));
	} else {
		FUZZ_ASSERT(!(out & CHARGE_OUTS));
	}

	/* Rule 13: the self-checks. */
	if (untrusted)
		FUZZ_ASSERT(!(out & (OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE))));
	ref_bad = false;
	if (measured(in, SMARTBMS_MEAS_REFERENCE_UV)) {
		int64_t dev = (int64_t)in->meas[SMARTBMS_MEAS_REFERENCE_UV] - t->reference_uv;

		ref_bad = dev > t->reference_tolerance_uv || -dev > t->reference_tolerance_uv;
	}
	if ((SMARTBMS_ALL_MEAS & ~in->meas_absent) & ~in->meas_ok) {
		if (md->adc_failures < t->adc_fail_samples)
			md->adc_failures++;
	} else {
		md->adc_failures = 0;
	}
	/* E-B33 exactly for the reference out of tolerance or 5 failed samples. */
	FUZZ_ASSERT(!!(codes & CODE(E_B33)) ==
		    (ref_bad || md->adc_failures >= t->adc_fail_samples));

	/* Rule 1: one way only; rule 3: the lock-out starts at once. */
	if (out & OUT(ALTERNATOR))
		FUZZ_ASSERT(bat_ok && alt_ok &&
			    ((int64_t)alt > (int64_t)bat + t->alt_margin_uv ||
			     ((prev_out & OUT(ALTERNATOR)) &&
			      measured(in, SMARTBMS_MEAS_ALTERNATOR_UA) &&
			      (int64_t)alt + t->alt_margin_uv > bat)));
	if (measured(in, SMARTBMS_MEAS_ALTERNATOR_UA) &&
	    in->meas[SMARTBMS_MEAS_ALTERNATOR_UA] < -(int64_t)t->alt_reverse_ua)
		FUZZ_ASSERT(!(out & OUT(ALTERNATOR)));
	if (bat_ok && bat >= (int64_t)set->charge_limit_uv)
		FUZZ_ASSERT(!(out & (OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE))));

	/* Rules 7 and 9. */
	if (out & OUT(SYSTEM_DISCHARGE))
		FUZZ_ASSERT(out & OUT(LOAD_DISCONNECT));
	prealarm = !da || (lines & IN(BATTERY_PREALARM));
	FUZZ_ASSERT(!!(codes & CODE(W_B12)) == prealarm);
	if (out & OUT(PREALARM))
		FUZZ_ASSERT(prealarm);
	if (prealarm && set->prealarm_output == SMARTBMS_PREALARM_CONTINUOUS)
		FUZZ_ASSERT(out & OUT(PREALARM));

	/* No output on under a code that requires it off. */
	if (codes & CODE(A_B11))
		FUZZ_ASSERT(!(out & (OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE))));
	if (codes & CODE(A_A12))
		FUZZ_ASSERT(!(out & SYSTEM_FETS));
	if (codes & CODE(A_B15))
		FUZZ_ASSERT(!(out & CHARGE_OUTS));

	/* Rule 7: intermittent is 1 s on, 1 s off, from the pre-alarm's start. */
	hold_track(&md->prealarm, prealarm, now);
	if (prealarm && set->prealarm_output == SMARTBMS_PREALARM_INTERMITTENT)
		FUZZ_ASSERT(!!(out & OUT(PREALARM)) ==
			    !((now - md->prealarm.since) / t->prealarm_blink_ms % 2));

	/*
	 * Rule 7 over time: the load disconnect floats only once the
	 * pre-alarm has been active for 30 s, whatever raised it; then
	 * discharge-allowed low stops discharge...
	 */
	if ((prev_out & OUT(LOAD_DISCONNECT)) && !(out & OUT(LOAD_DISCONNECT)))
		FUZZ_ASSERT(hold_held(&md->prealarm, now, t->prealarm_lead_ms));
	if (!da && hold_held(&md->prealarm, now, t->prealarm_lead_ms)) {
		FUZZ_ASSERT(!(out & (OUT(LOAD_DISCONNECT) | OUT(SYSTEM_DISCHARGE))));
		FUZZ_ASSERT(codes & CODE(A_B11));
	}
	/* ... and it comes back only after 1 s of discharge-allowed high. */
	hold_track(&md->da_high, da, now);
	if (!(prev_out & OUT(LOAD_DISCONNECT)) && (out & OUT(LOAD_DISCONNECT)))
		FUZZ_ASSERT(hold_held(&md->da_high, now, t->discharge_qualify_ms));
	/* ... and then it does come back (rule 9: load disconnect high). */
	if (hold_held(&md->da_high, now, t->discharge_qualify_ms))
		FUZZ_ASSERT(out & OUT(LOAD_DISCONNECT));

	/* Rules 6 and 8: charge disconnect high with charge-allowed and no over-temperature. */
	if (measured(in, SMARTBMS_MEAS_TEMP_MC)) {
		int32_t temp = in->meas[SMARTBMS_MEAS_TEMP_MC];

		if (temp >= t->ot_charge_trip_mc)
			md->ot_charge = true;
		else if (temp < t->ot_charge_release_mc && !untrusted)
			md->ot_charge = false;
	}
	if (md->ot_charge)
		FUZZ_ASSERT(!(out & CHARGE_OUTS) && (codes & CODE(A_B15)));
	if (ca && !md->ot_charge && !untrusted && measured(in, SMARTBMS_MEAS_TEMP_MC))
		FUZZ_ASSERT(out & OUT(CHARGE_DISCONNECT));

	/*
	 * Rule 2: above the supervision level for 5 s trips the alternator
	 * port for 30 s, or until the mean since the over-current began is the
	 * limit (a sample without a current neither starts nor restarts the
	 * 5 s).  The charge is counted high: each interval at the larger of its
	 * two readings, the first reading above the level since the reading
	 * before, at most 1 s back.
	 */
	if (md->alt_trip && now >= md->alt_retry_ms)
		md->alt_trip = false;
	if (measured(in, SMARTBMS_MEAS_ALTERNATOR_UA)) {
		int64_t cur = in->meas[SMARTBMS_MEAS_ALTERNATOR_UA];
		bool was = md->alt_over.running;

		hold_track(&md->alt_over, cur * 100 > limit * (in->limiter ? 110 : 100), now);
		if (md->alt_over.running && was) {
			int64_t hi = cur > md->alt_last_ua ? cur : md->alt_last_ua;

			md->alt_charge += (uint64_t)hi * (now - md->alt_last_ms);
		} else if (md->alt_over.running) {
			md->alt_from_ms = now - md->alt_last_ms > 1000 ? now - 1000 : md->alt_last_ms;
			md->alt_charge = (uint64_t)cur * (now - md->alt_from_ms);
		}
		md->alt_last_ua = cur;
		md->alt_last_ms = now;
		if (cur < -(int64_t)t->alt_reverse_ua) {
			uint64_t retry = smartbms_delay_end(now, t->alt_retry_ms);

			if (!md->alt_trip || md->alt_retry_ms < retry)
				md->alt_retry_ms = retry;
			md->alt_trip = true;
		}
	}
	if (!md->alt_trip && hold_held(&md->alt_over, now, t->alt_overcurrent_ms)) {
		uint64_t mean_ok = md->alt_from_ms +
				   (md->alt_charge + limit - 1) / (uint64_t)limit;

		md->alt_trip = true;
		md->alt_retry_ms = smartbms_delay_end(now, t->alt_retry_ms);
		if (smartbms_delay_end(mean_ok, 0) > md->alt_retry_ms)
			md->alt_retry_ms = smartbms_delay_end(mean_ok, 0);
		md->alt_over.running = false;
	}
	if (md->alt_trip)
		FUZZ_ASSERT(!(out & OUT(ALTERNATOR)));

	/*
	 * Rule 11a: System+ overload, either way.  The 60 s may restart at a
	 * short-circuit trip: only a run without A-A12 is held to them.
	 */
	if (measured(in, SMARTBMS_MEAS_SYSTEM_UA)) {
		int64_t sys = in->meas[SMARTBMS_MEAS_SYSTEM_UA];
		bool was = md->sys_over.running;

		if (sys < 0)
			sys = -sys;
		hold_track(&md->sys_over, sys > (int64_t)t->sys_continuous_ua, now);
		if (!was)
			md->sys_over_tripped = false;
		if (sys > (int64_t)t->sys_peak_ua) {
			FUZZ_ASSERT(!(out & SYSTEM_FETS));
			FUZZ_ASSERT(codes & CODE(A_A12));
		}
	}
	if (!md->sys_over_tripped &&
	    hold_held(&md->sys_over, now, t->sys_overload_ms)) {
		FUZZ_ASSERT(!(out & SYSTEM_FETS));
		FUZZ_ASSERT(codes & CODE(A_A12));
	}
	if (md->sys_over.running && (codes & CODE(A_A12)))
		md->sys_over_tripped = true;

	/*
	 * Rule 12: both battery lines low for 60 s with the battery in
	 * 12.0 V..14.4 V, or its pre-alarm active for 60 s with the battery
	 * above 13.0 V, raise E-B32 (an unreadable battery restarts the 60 s).
	 */
	hold_track(&md->lines_lost, !ca && !da && bat_ok && bat >= 12000000 && bat <= 14400000,
		   now);
	hold_track(&md->prealarm_implausible,
		   (lines & IN(BATTERY_PREALARM)) && bat_ok && bat > 13000000, now);
	if (hold_held(&md->lines_lost, now, t->lost_ms) ||
	    hold_held(&md->prealarm_implausible, now, t->lost_ms))
		FUZZ_ASSERT(codes & CODE(E_B32));

	/* Rule 3 over time: the lock-out's release. */
	if (bat_ok) {
		int64_t release = (int64_t)set->charge_limit_uv - t->lockout_hysteresis_uv;

		if (!md->lockout && bat >= (int64_t)set->charge_limit_uv) {
			md->lockout = true;
			md->release.running = false;
		}
		if (md->lockout) {
			hold_track(&md->release, bat <= release, now);
			if (hold_held(&md->release, now, t->lockout_release_ms))
				md->lockout = false;
		}
	}
	if (md->lockout)
		FUZZ_ASSERT(!(out & (OUT(ALTERNATOR) | OUT(SYSTEM_CHARGE))));

	/* Rule 1 over time: qualification (1 s above 13.0 V) and its loss (2 s). */
	if (alt_ok) {
		bool above = alt > (int32_t)t->alt_qualify_uv;

		hold_track(&md->alt_above, above, now);
		hold_track(&md->alt_below, !above, now);
	} else {
		md->alt_below.running = false;
	}
	if (!md->alt_qualified && hold_held(&md->alt_above, now, t->alt_qualify_ms))
		md->alt_qualified = true;
	else if (md->alt_qualified && hold_held(&md->alt_below, now, t->alt_lose_ms))
		md->alt_qualified = false;
	if (out & OUT(ALTERNATOR))
		FUZZ_ASSERT(md->alt_qualified);

	/*
	 * Rule 11 over time: a trip (A-A12 appearing) holds both System+ FETs
	 * off for 10 s; nothing, not even a clear or cycling ON (which end a
	 * latch), ends it earlier.
	 */
	if ((codes & CODE(A_A12)) && !md->sc_code) {
		md->sc_trip = true;
		md->sc_trip_ms = now;
	}
	md->sc_code = codes & CODE(A_A12);
	if (md->sc_trip && now >= smartbms_delay_end(md->sc_trip_ms, t->sc_retry_ms))
		md->sc_trip = false;
	if (md->sc_trip) {
		FUZZ_ASSERT(codes & CODE(A_A12));
		FUZZ_ASSERT(!(out & SYSTEM_FETS));
	}
}

/* FUZZ_TRACE=1 with a crash input as argument: every sample, to see why. */
static void trace(const struct smartbms_state *st, const struct smartbms_settings *set,
		  const struct smartbms_inputs *in, uint32_t dropped)
{
	static int on = -1;
	int m;

	if (on < 0) {
		const char *e = getenv("FUZZ_TRACE");

		on = e && *e == '1';
	}
	if (!on)
		return;
	fprintf(fuzz_report(), "t=%llu lines=%02x bad=%02x ok=%02x set=%d/%d/%d/%u/%d/%d",
		(unsigned long long)in->now_ms, (unsigned int)in->lines,
		(unsigned int)in->lines_bad, (unsigned int)in->meas_ok, set->fuse,
		set->prealarm_usage, set->prealarm_output, (unsigned int)set->charge_limit_uv,
		set->remote_function, set->soft_switch);
	for (m = 0; m < SMARTBMS_NUM_MEAS; m++)
		fprintf(fuzz_report(), " %d", (int)in->meas[m]);
	fprintf(fuzz_report(), " -> out=%02x codes=%02x dropped=%02x next=%llu\n",
		(unsigned int)st->outputs, (unsigned int)st->codes, (unsigned int)dropped,
		(unsigned long long)st->next_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct smartbms_settings set;
	struct smartbms_inputs in;
	struct smartbms_state st;
	struct model md;
	uint8_t hdr[4];
	int steps = 0;
	bool clear;

	if (!take(&r, hdr, sizeof(hdr)))
		return 0;
	memset(&in, 0, sizeof(in));
	/* The board: which optional lines and channels it wires. */
	if (hdr[0] & 1)
		in.lines_absent |= IN(BATTERY_PREALARM);
	if (hdr[0] & 2)
		in.meas_absent |= MEAS(SYSTEM_UA);
	if (hdr[0] & 4)
		in.meas_absent |= MEAS(REFERENCE_UV);
	in.calibration_bad = hdr[0] & 8;
	in.settings_bad = hdr[0] & 16;
	in.limiter = hdr[0] & 32;
	in.now_ms = hdr[0] >> 6;	/* the clock need not start at 0 */
	smartbms_settings_init(&set);
	decode_settings(hdr + 1, &set);
	FUZZ_ASSERT(smartbms_settings_check(&set) == 0);

	smartbms_engine_init(&st);
	/* Rule 14: the safe state until the first sample is evaluated. */
	FUZZ_ASSERT(st.outputs == 0);
	memset(&md, 0, sizeof(md));

	while (steps++ < MAX_STEPS && decode_step(&r, &in, &set, &clear)) {
		uint32_t prev = st.outputs, dropped;
		struct smartbms_inputs later;

		FUZZ_ASSERT(smartbms_settings_check(&set) == 0);
		if (clear)
			smartbms_engine_clear(&st);
		/* An edge first goes through the interrupt handler's share. */
		dropped = smartbms_engine_fast_trip(&st, &set, &in);
		FUZZ_ASSERT(!(dropped & ~st.outputs));
		/* The driver arms it ahead: later, it never drops less. */
		later = in;
		later.now_ms += 1;
		FUZZ_ASSERT(!(dropped & ~smartbms_engine_fast_trip(&st, &set, &later)));
		later.now_ms += 60000;
		FUZZ_ASSERT(!(dropped & ~smartbms_engine_fast_trip(&st, &set, &later)));
		/* ... which takes them away from the state, as the driver does. */
		st.outputs &= ~dropped;
		smartbms_engine_step(&st, &set, &in);
		trace(&st, &set, &in, dropped);
		check_step(&st, &set, &in, &md, prev & ~dropped, dropped);
	}
	return 0;
}
