/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smartbms protection engine: the rules of the Smart BMS 12-200 as pure
 * functions over a state struct.  No locks, no I/O, time passed in; the
 * driver feeds it samples and line states and writes back what it returns.
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

/**
 * enum smartbms_input - the digital input lines
 * @SMARTBMS_IN_CHARGE_ALLOWED: battery allows charging
 * @SMARTBMS_IN_DISCHARGE_ALLOWED: battery allows discharging
 * @SMARTBMS_IN_BATTERY_PREALARM: battery pre-alarm active (optional line)
 * @SMARTBMS_IN_REMOTE: remote on/off input is on
 * @SMARTBMS_IN_SHORT_CIRCUIT: System+ over-current comparator tripped
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

#define SMARTBMS_ALL_OUTPUTS	GENMASK(SMARTBMS_NUM_OUTPUTS - 1, 0)

/**
 * struct smartbms_state - what the engine decided last
 * @outputs: asserted outputs, BIT(enum smartbms_output)
 */
struct smartbms_state {
	u32 outputs;
};

void smartbms_engine_init(struct smartbms_state *st);

#endif /* _LINUX_POWER_SMARTBMS_ENGINE_H */
