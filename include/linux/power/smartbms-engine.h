/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smartbms protection engine: the rules of the Smart BMS 12-200 as pure
 * functions over a state struct.  No locks, no I/O, no allocation, time
 * passed in.  The driver feeds it samples and line states and writes back
 * what it returns; KUnit drives it exhaustively.
 *
 * Units: microvolts, microamps, millidegrees Celsius, milliseconds.
 */
#ifndef _LINUX_POWER_SMARTBMS_ENGINE_H
#define _LINUX_POWER_SMARTBMS_ENGINE_H

#include <linux/bits.h>
#include <linux/types.h>

/**
 * enum smartbms_output - the outputs the engine decides
 * @SMARTBMS_OUT_ALTERNATOR: alternator port FET conducts
 * @SMARTBMS_OUT_SYSTEM_CHARGE: System+ charge FET conducts
 * @SMARTBMS_OUT_SYSTEM_DISCHARGE: System+ discharge FET conducts
 * @SMARTBMS_OUT_LOAD_DISCONNECT: load disconnect output high (loads may run)
 * @SMARTBMS_OUT_CHARGE_DISCONNECT: charge disconnect output high (chargers may run)
 * @SMARTBMS_OUT_PREALARM: pre-alarm output high (buzzer, lamp, relay on)
 * @SMARTBMS_NUM_OUTPUTS: number of outputs
 *
 * A set bit in &smartbms_state.outputs asserts the output; a clear bit is
 * its safe, "not allowed" state.  Polarity on the wire is the devicetree's.
 */
enum smartbms_output {
	SMARTBMS_OUT_ALTERNATOR,
	SMARTBMS_OUT_SYSTEM_CHARGE,
	SMARTBMS_OUT_SYSTEM_DISCHARGE,
	SMARTBMS_OUT_LOAD_DISCONNECT,
	SMARTBMS_OUT_CHARGE_DISCONNECT,
	SMARTBMS_OUT_PREALARM,
	SMARTBMS_NUM_OUTPUTS,
};

#define SMARTBMS_ALL_OUTPUTS	GENMASK(SMARTBMS_NUM_OUTPUTS - 1, 0)

/**
 * enum smartbms_input - the digital input lines, as logical levels
 * @SMARTBMS_IN_CHARGE_ALLOWED: the battery allows charging
 * @SMARTBMS_IN_DISCHARGE_ALLOWED: the battery allows discharging
 * @SMARTBMS_IN_BATTERY_PREALARM: the battery's pre-alarm is active (optional line)
 * @SMARTBMS_IN_REMOTE: the remote on/off input is on
 * @SMARTBMS_IN_SHORT_CIRCUIT: the System+ over-current comparator has tripped
 * @SMARTBMS_NUM_INPUTS: number of inputs
 */
enum smartbms_input {
	SMARTBMS_IN_CHARGE_ALLOWED,
	SMARTBMS_IN_DISCHARGE_ALLOWED,
	SMARTBMS_IN_BATTERY_PREALARM,
	SMARTBMS_IN_REMOTE,
	SMARTBMS_IN_SHORT_CIRCUIT,
	SMARTBMS_NUM_INPUTS,
};

/**
 * enum smartbms_meas - the analog measurements
 * @SMARTBMS_MEAS_BATTERY_UV: Li-ion+ terminal voltage
 * @SMARTBMS_MEAS_ALTERNATOR_UV: Alternator/Starter Batt+ terminal voltage
 * @SMARTBMS_MEAS_SYSTEM_UV: System+ terminal voltage
 * @SMARTBMS_MEAS_ALTERNATOR_UA: current through the alternator fuse
 * @SMARTBMS_MEAS_SYSTEM_UA: System+ current, positive into the battery (optional)
 * @SMARTBMS_MEAS_TEMP_MC: BMS power stage temperature
 * @SMARTBMS_MEAS_REFERENCE_UV: internal reference voltage (optional)
 * @SMARTBMS_NUM_MEAS: number of measurements
 */
enum smartbms_meas {
	SMARTBMS_MEAS_BATTERY_UV,
	SMARTBMS_MEAS_ALTERNATOR_UV,
	SMARTBMS_MEAS_SYSTEM_UV,
	SMARTBMS_MEAS_ALTERNATOR_UA,
	SMARTBMS_MEAS_SYSTEM_UA,
	SMARTBMS_MEAS_TEMP_MC,
	SMARTBMS_MEAS_REFERENCE_UV,
	SMARTBMS_NUM_MEAS,
};

#define SMARTBMS_ALL_MEAS	GENMASK(SMARTBMS_NUM_MEAS - 1, 0)

/**
 * enum smartbms_code - error, alarm and warning codes (manual Appendix B)
 * @SMARTBMS_CODE_E_B30: calibration data missing or corrupt
 * @SMARTBMS_CODE_E_B31: stored settings missing or corrupt
 * @SMARTBMS_CODE_E_B32: battery BMS cable not connected or defective
 * @SMARTBMS_CODE_E_B33: reference voltage failure (or the ADC cannot be read)
 * @SMARTBMS_CODE_A_A12: short circuit
 * @SMARTBMS_CODE_A_B11: under-voltage, discharge stopped
 * @SMARTBMS_CODE_A_B15: BMS over-temperature
 * @SMARTBMS_CODE_W_B12: under-voltage warning, the pre-alarm is active
 * @SMARTBMS_NUM_CODES: number of codes
 */
enum smartbms_code {
	SMARTBMS_CODE_E_B30,
	SMARTBMS_CODE_E_B31,
	SMARTBMS_CODE_E_B32,
	SMARTBMS_CODE_E_B33,
	SMARTBMS_CODE_A_A12,
	SMARTBMS_CODE_A_B11,
	SMARTBMS_CODE_A_B15,
	SMARTBMS_CODE_W_B12,
	SMARTBMS_NUM_CODES,
};

/**
 * enum smartbms_fuse - the alternator fuse fitted (manual 3.4)
 * @SMARTBMS_FUSE_NOT_SET: not configured yet; the smallest limit (9 A) applies
 * @SMARTBMS_FUSE_125A: 125 A, 100 A limit
 * @SMARTBMS_FUSE_100A: 100 A, 90 A limit
 * @SMARTBMS_FUSE_80A: 80 A, 60 A limit
 * @SMARTBMS_FUSE_60A: 60 A, 50 A limit
 * @SMARTBMS_FUSE_2X30A: 2 x 30 A, 40 A limit
 * @SMARTBMS_FUSE_2X20A: 2 x 20 A, 25 A limit
 * @SMARTBMS_FUSE_2X15A: 2 x 15 A, 20 A limit
 * @SMARTBMS_FUSE_2X10A: 2 x 10 A, 12 A limit
 * @SMARTBMS_FUSE_2X7_5A: 2 x 7.5 A, 9 A limit
 * @SMARTBMS_NUM_FUSES: number of fuse settings
 */
enum smartbms_fuse {
	SMARTBMS_FUSE_NOT_SET,
	SMARTBMS_FUSE_125A,
	SMARTBMS_FUSE_100A,
	SMARTBMS_FUSE_80A,
	SMARTBMS_FUSE_60A,
	SMARTBMS_FUSE_2X30A,
	SMARTBMS_FUSE_2X20A,
	SMARTBMS_FUSE_2X15A,
	SMARTBMS_FUSE_2X10A,
	SMARTBMS_FUSE_2X7_5A,
	SMARTBMS_NUM_FUSES,
};

/**
 * enum smartbms_prealarm_usage - does the battery give a pre-alarm?
 * @SMARTBMS_PREALARM_USE: use the battery's pre-alarm line
 * @SMARTBMS_PREALARM_NOT_AVAILABLE: the battery has none; ignore the line
 */
enum smartbms_prealarm_usage {
	SMARTBMS_PREALARM_USE,
	SMARTBMS_PREALARM_NOT_AVAILABLE,
};

/**
 * enum smartbms_prealarm_output - how the pre-alarm output signals
 * @SMARTBMS_PREALARM_CONTINUOUS: steady while the pre-alarm is active
 * @SMARTBMS_PREALARM_INTERMITTENT: blinking while the pre-alarm is active
 */
enum smartbms_prealarm_output {
	SMARTBMS_PREALARM_CONTINUOUS,
	SMARTBMS_PREALARM_INTERMITTENT,
};

/**
 * enum smartbms_remote_function - what the remote input switches off
 * @SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM: alternator port and System+; the
 *	BMS functions stay active
 * @SMARTBMS_REMOTE_ALTERNATOR_ONLY: the alternator port only
 * @SMARTBMS_REMOTE_EVERYTHING: every output, and protection is suspended
 */
enum smartbms_remote_function {
	SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM,
	SMARTBMS_REMOTE_ALTERNATOR_ONLY,
	SMARTBMS_REMOTE_EVERYTHING,
};

/**
 * struct smartbms_settings - the user's settings (manual 3.5.1)
 * @fuse: alternator fuse fitted
 * @prealarm_usage: whether the battery's pre-alarm line is used
 * @prealarm_output: continuous or intermittent pre-alarm output
 * @charge_limit_uv: battery charge limit, 13.0 V to 15.3 V
 * @remote_function: what the remote input switches off
 * @soft_switch: the soft switch is on
 */
struct smartbms_settings {
	enum smartbms_fuse fuse;
	enum smartbms_prealarm_usage prealarm_usage;
	enum smartbms_prealarm_output prealarm_output;
	u32 charge_limit_uv;
	enum smartbms_remote_function remote_function;
	bool soft_switch;
};

#define SMARTBMS_CHARGE_LIMIT_MIN_UV	13000000
#define SMARTBMS_CHARGE_LIMIT_MAX_UV	15300000
/* Resolution of the charge limit the driver keeps. */
#define SMARTBMS_CHARGE_LIMIT_STEP_UV	10000

/**
 * struct smartbms_inputs - one complete sample
 * @now_ms: monotonic time of the sample
 * @lines: logical levels of the input lines, BIT(enum smartbms_input)
 * @lines_bad: lines that could not be read; they count as "not allowed"
 * @lines_absent: optional lines the board does not wire
 * @meas: measurements, indexed by enum smartbms_meas
 * @meas_ok: measurements read successfully in this sample
 * @meas_absent: optional channels the board does not wire
 * @calibration_bad: calibration data declared but missing or corrupt
 * @settings_bad: stored settings missing or corrupt (defaults in use)
 * @limiter: the board wires the `alternator-limit` output, an analog
 *	limiter that holds the alternator current at the table value (rule 2);
 *	without it the engine keeps the mean current there by trip and retry
 */
struct smartbms_inputs {
	u64 now_ms;
	u32 lines;
	u32 lines_bad;
	u32 lines_absent;
	s32 meas[SMARTBMS_NUM_MEAS];
	u32 meas_ok;
	u32 meas_absent;
	bool calibration_bad;
	bool settings_bad;
	bool limiter;
};

/*
 * Short-circuit trips within &smartbms_tunables.sc_latch_window_ms that
 * latch (rule 11).  A constant rather than a tunable, because it also sizes
 * the trip history &smartbms_state.sc_trips: a count larger than the
 * history could never be reached, and the latch would silently never come.
 */
#define SMARTBMS_SC_LATCH_TRIPS		3

/**
 * struct smartbms_timer - how long a condition has held
 * @since_ms: when it started to hold
 * @running: it holds now
 */
struct smartbms_timer {
	u64 since_ms;
	bool running;
};

/**
 * struct smartbms_state - what the engine decided and what it remembers
 * @outputs: asserted outputs, BIT(enum smartbms_output)
 * @codes: active codes, BIT(enum smartbms_code)
 * @status: POWER_SUPPLY_STATUS_* of the battery
 * @health: POWER_SUPPLY_HEALTH_* of the battery
 * @capacity_level: POWER_SUPPLY_CAPACITY_LEVEL_* of the battery
 * @next_ms: when the engine next needs a sample evaluated
 * @started: a sample has been evaluated since the last safe state
 * @was_on: remote input and soft switch were both on at the last sample
 * @suspended: "switch everything off" has suspended the BMS (rule 10): the
 *	outputs are off and protection is not evaluated, until an evaluation
 *	finds the BMS ON or the remote function changed
 * @alt_qualified: the alternator voltage is qualified above 13.0 V
 * @alt_above: the alternator voltage is above the qualification level
 * @alt_below: the alternator voltage is at or below it
 * @alt_over: the alternator current is above the supervision level
 * @alt_trip: the alternator port is tripped, for over-current or for a
 *	reverse current (rules 1 and 2)
 * @alt_retry_at_ms: when it retries: the retry delay after the trip, or later
 *	when the charge that flowed while @alt_over ran needs a longer open
 *	time to bring the mean current back to the limit (rule 2)
 * @alt_over_uams: charge through the port while @alt_over runs, in uA*ms
 * @alt_over_from_ms: since when @alt_over_uams counts
 * @alt_last_ua: the alternator current of the last sample that read it
 * @alt_last_ms: the time of that sample
 * @lockout: charge-limit lock-out
 * @lockout_release: the battery is at or below the release level
 * @ot_charge: over-temperature, first level (charging stops)
 * @ot_discharge: over-temperature, second level (discharging stops too)
 * @discharge_high: discharge-allowed is high
 * @prealarm: the pre-alarm is active (whatever raised it): the lead runs
 * @discharge_ok: discharge is permitted (rule 7)
 * @undervoltage: discharge is stopped by the battery's line (A-B11)
 * @sc_trip: the short-circuit protection has opened System+
 * @sc_latched: ... and latched after repeated trips
 * @sc_trip_ms: when it last tripped
 * @sc_trips: times of the recent trips, oldest first; as many as latch
 * @sc_count: number of valid entries in @sc_trips
 * @sys_over: the System+ current is above its continuous rating
 * @lines_lost: both battery lines low in the normal voltage band
 * @prealarm_implausible: battery pre-alarm active well above its level
 * @adc_failures: consecutive samples with a failed read
 */
struct smartbms_state {
	u32 outputs;
	u32 codes;
	int status;
	int health;
	int capacity_level;
	u64 next_ms;

	bool started;
	bool was_on;
	bool suspended;
	bool alt_qualified;
	struct smartbms_timer alt_above;
	struct smartbms_timer alt_below;
	struct smartbms_timer alt_over;
	bool alt_trip;
	u64 alt_retry_at_ms;
	u64 alt_over_uams;
	u64 alt_over_from_ms;
	s32 alt_last_ua;
	u64 alt_last_ms;
	bool lockout;
	struct smartbms_timer lockout_release;
	bool ot_charge;
	bool ot_discharge;
	struct smartbms_timer discharge_high;
	struct smartbms_timer prealarm;
	bool discharge_ok;
	bool undervoltage;
	bool sc_trip;
	bool sc_latched;
	u64 sc_trip_ms;
	u64 sc_trips[SMARTBMS_SC_LATCH_TRIPS];
	unsigned int sc_count;
	struct smartbms_timer sys_over;
	struct smartbms_timer lines_lost;
	struct smartbms_timer prealarm_implausible;
	unsigned int adc_failures;
};

/**
 * struct smartbms_tunables - delays, levels and hysteresis of the rules
 * @alt_qualify_uv: alternator voltage to qualify above (rule 1)
 * @alt_qualify_ms: time above it to qualify
 * @alt_lose_ms: time at or below it to lose the qualification
 * @alt_overcurrent_pct: over-current margin above the limit (rule 2)
 * @alt_overcurrent_ms: time above the margin that trips the port
 * @alt_retry_ms: time after an alternator trip before the port retries
 * @alt_margin_uv: alternator voltage above the battery's that closes the
 *	port (rule 1); once it conducts, the battery at or above the
 *	alternator plus this margin opens it
 * @alt_reverse_ua: current back out of the bank beyond which the port
 *	trips at once (rule 1)
 * @lockout_hysteresis_uv: release level below the charge limit (rule 3)
 * @lockout_release_ms: time at or below the release level that ends lock-out
 * @ot_charge_trip_mc: over-temperature first level (rule 6)
 * @ot_charge_release_mc: its release level
 * @ot_discharge_trip_mc: over-temperature second level
 * @ot_discharge_release_mc: its release level
 * @prealarm_lead_ms: pre-alarm lead before discharge stops (rule 7)
 * @prealarm_blink_ms: intermittent pre-alarm on and off time
 * @discharge_qualify_ms: discharge-allowed high time to permit discharge
 * @sc_retry_ms: time after a short-circuit trip before retrying (rule 11)
 * @sc_latch_window_ms: window for SMARTBMS_SC_LATCH_TRIPS trips to latch
 * @sys_peak_ua: System+ current, either way, above which System+ opens at
 *	once as for a short circuit (rule 11a)
 * @sys_continuous_ua: System+ current, either way, above which it opens
 *	after @sys_overload_ms
 * @sys_overload_ms: time above @sys_continuous_ua that opens System+
 * @lost_ms: time before lost lines raise E-B32 (rule 12)
 * @lost_band_min_uv: lower end of the normal battery voltage band
 * @lost_band_max_uv: upper end of the normal battery voltage band
 * @prealarm_implausible_uv: battery voltage clearly above the pre-alarm level
 * @reference_uv: nominal reference voltage (rule 13)
 * @reference_tolerance_uv: allowed deviation of the reference
 * @adc_fail_samples: consecutive failed samples that raise E-B33
 * @sample_fast_ms: sampling period while current flows or near a threshold
 * @sample_slow_ms: sampling period at rest
 * @flow_ua: current that counts as flowing
 * @near_uv: voltage distance that counts as near a threshold
 * @near_mc: temperature distance that counts as near a threshold
 */
struct smartbms_tunables {
	u32 alt_qualify_uv;
	u32 alt_qualify_ms;
	u32 alt_lose_ms;
	u32 alt_overcurrent_pct;
	u32 alt_overcurrent_ms;
	u32 alt_retry_ms;
	u32 alt_margin_uv;
	u32 alt_reverse_ua;
	u32 lockout_hysteresis_uv;
	u32 lockout_release_ms;
	s32 ot_charge_trip_mc;
	s32 ot_charge_release_mc;
	s32 ot_discharge_trip_mc;
	s32 ot_discharge_release_mc;
	u32 prealarm_lead_ms;
	u32 prealarm_blink_ms;
	u32 discharge_qualify_ms;
	u32 sc_retry_ms;
	u32 sc_latch_window_ms;
	u32 sys_peak_ua;
	u32 sys_continuous_ua;
	u32 sys_overload_ms;
	u32 lost_ms;
	u32 lost_band_min_uv;
	u32 lost_band_max_uv;
	u32 prealarm_implausible_uv;
	u32 reference_uv;
	u32 reference_tolerance_uv;
	u32 adc_fail_samples;
	u32 sample_fast_ms;
	u32 sample_slow_ms;
	u32 flow_ua;
	u32 near_uv;
	u32 near_mc;
};

extern const struct smartbms_tunables smartbms_tunables;
extern const char * const smartbms_code_names[SMARTBMS_NUM_CODES];

/**
 * smartbms_delay_end() - when a delay of the rules ends
 * @since: the millisecond of the sample that first saw the condition
 * @ms: the delay
 *
 * The clock counts whole milliseconds: what was first seen at millisecond
 * @since happened up to a millisecond after @since began, so @ms have
 * surely passed only at @since + @ms + 1.  Ending a delay at @since + @ms
 * would end it up to a millisecond early, and no delay of the rules may be
 * early; it may be late by up to a millisecond.
 *
 * Return: the first millisecond at which the delay is over.
 */
static inline u64 smartbms_delay_end(u64 since, u32 ms)
{
	return since + ms + 1;
}

void smartbms_engine_init(struct smartbms_state *st);
void smartbms_settings_init(struct smartbms_settings *set);
int smartbms_settings_check(const struct smartbms_settings *set);
int smartbms_parse_charge_limit(const char *buf, size_t count, u32 *uv);
u32 smartbms_fuse_limit_ua(enum smartbms_fuse fuse);
u32 smartbms_alt_limit_ua(const struct smartbms_settings *set, bool settings_bad);
void smartbms_engine_step(struct smartbms_state *st,
			  const struct smartbms_settings *set,
			  const struct smartbms_inputs *in);
u32 smartbms_engine_fast_trip(const struct smartbms_state *st,
			      const struct smartbms_settings *set,
			      const struct smartbms_inputs *in);
void smartbms_engine_clear(struct smartbms_state *st);

/*
 * Stored records (nvmem cells): a header, a payload and a CRC, all little
 * endian, at the start of the cell; the rest of the cell is zero.
 *
 *   0  __le16 magic	SMARTBMS_SETTINGS_MAGIC or SMARTBMS_CALIBRATION_MAGIC
 *   2  u8 version	layout of the payload
 *   3  u8 len		payload bytes
 *   4  payload
 *   4 + len  __le32	CRC-32 (IEEE 802.3, as zlib's crc32()) of bytes 0 .. 3 + len
 *
 * Settings payload, version 1 (12 bytes): fuse, pre-alarm usage, pre-alarm
 * output, remote function, soft switch (one byte each, the enum values of
 * this header), three zero bytes, __le32 charge limit in microvolts.
 */
#define SMARTBMS_SETTINGS_MAGIC		0x5453	/* "ST" */
#define SMARTBMS_CALIBRATION_MAGIC	0x4143	/* "CA" */
#define SMARTBMS_SETTINGS_VERSION	1
#define SMARTBMS_RECORD_OVERHEAD	8
#define SMARTBMS_SETTINGS_RECORD_SIZE	(SMARTBMS_RECORD_OVERHEAD + 12)

/*
 * Settings record version 2, the journal: two slots (A and B, each its own
 * cell), each a record as above whose 16-byte payload is a __le32 sequence
 * number and then the version 1 payload.  A save writes the slot that is
 * not in force with the next sequence number; at probe the valid slot with
 * the newer sequence number (serial arithmetic, so a wrap is no harm) is
 * in force.  A version 1 record in slot A counts as sequence number 0.
 */
#define SMARTBMS_SETTINGS_VERSION_JOURNAL	2
#define SMARTBMS_SETTINGS_SLOT_SIZE	(SMARTBMS_RECORD_OVERHEAD + 16)

int smartbms_record_check(const u8 *buf, size_t size, u16 magic);
int smartbms_settings_pack(const struct smartbms_settings *set, u8 *buf, size_t size);
int smartbms_settings_unpack(struct smartbms_settings *set, const u8 *buf, size_t size);
int smartbms_settings_slot_pack(const struct smartbms_settings *set, u32 seq,
				u8 *buf, size_t size);
int smartbms_settings_slot_unpack(struct smartbms_settings *set, u32 *seq,
				  const u8 *buf, size_t size);
int smartbms_settings_pick(struct smartbms_settings *set, u32 *seq,
			   const u8 *a, size_t a_size, const u8 *b, size_t b_size);

#endif /* _LINUX_POWER_SMARTBMS_ENGINE_H */
