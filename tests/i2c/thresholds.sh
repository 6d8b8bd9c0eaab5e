#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every threshold the manual names, on the i2c board, in both directions:
# the plant value at the ADS1015 code just on the "no" side of a level and
# at the code just on the "yes" side (tests/lib/board.sh adc_code), through
# the front end, the mainline ti-ads1015 and iio-rescale drivers and the
# driver's rules.  A code is 22 mV of battery or alternator voltage, 67 mA
# of alternator current, 0.1 degC.  The rules' delays pass on the driver's
# clock (debugfs clock_skip_ms), not in real time.
#  - rule 1: the alternator qualifies above 13.0 V (for 1 s), is lost at or
#    below it (for 2 s);
#  - rule 3: the charge limit's lock-out starts when the battery reaches
#    the limit (13.0, 14.2 and 15.3 V: the setting's range and default),
#    and ends after 10 s at or below the limit minus 0.5 V;
#  - rule 2: the alternator trips above its fuse's limit for 5 s (2x15A:
#    20 A, 125A: 100 A), plus 10 % on a board with a current limiter
#    (an alternator-limit channel; the i2c board, as the Raspberry Pi's,
#    has none, and the driver then trips at the limit itself);
#  - rule 6: over-temperature at 85 and 95 degC, released below 75 and
#    85 degC.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

skip() { echo "$1" >"$(bms_debugfs)/clock_skip_ms"; }
# settle: two more evaluations of the loop, so that it saw what was set.
settle() {
	local n i
	n=$(bms_loops)
	for ((i = 0; i < 100 && $(bms_loops) < n + 2; i++)); do
		sleep 0.05
	done
}
# below / at_or_above / above / at_or_below LABEL LEVEL: the plant value
# at the ADS1015 code just below, at or above, just above, at or below LEVEL.
below() { adc_code "$1" $(($(to_micro "$2") - 1)) down; }
at_or_above() { adc_code "$1" "$2" up; }
above() { adc_code "$1" $(($(to_micro "$2") + 1)) up; }
at_or_below() { adc_code "$1" "$2" down; }

hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
hw=${hw%/name}
board_rest

# --- rule 1: the alternator's 13.0 V ------------------------------------------
adc_set battery 12.8V
v=$(at_or_below alternator 13.0V)
adc_set alternator "$v"
settle
skip 1500
settle
check_eq "13.0 V qualifies no alternator: at the code at or below it ($v uV), 1.5 s" \
	0 "$(line_get alternator-enable)"
v=$(above alternator 13.0V)
adc_set alternator "$v"
settle
skip 1100
wait_eq "13.0 V: at the code above it ($v uV) the alternator qualifies after 1 s" \
	1 2 line_get alternator-enable
v=$(above alternator 13.0V)
adc_set alternator "$v"
skip 2100
settle
check_eq "qualified, still above 13.0 V ($v uV) after 2 s: conducts" 1 "$(line_get alternator-enable)"
v=$(at_or_below alternator 13.0V)
adc_set alternator "$v"
settle
skip 2100
wait_eq "at the code at or below 13.0 V ($v uV) for 2 s: lost" 0 2 line_get alternator-enable

# --- rule 3: the charge limit and its release --------------------------------
board_rest
for limit in 13.0V 14.2V 15.3V; do
	# The battery low first: at or above the limit in force the lock-out
	# would start before the new limit is set.
	adc_set battery 12.0V
	settle
	bms_put charge_limit "$(to_micro "$limit")"
	adc_set battery "$(below battery "$limit")"
	settle
	check_eq "charge limit $limit: the battery at the code below it: System+ charging on" \
		1 "$(line_get system-charge-enable)"
	adc_set battery "$(at_or_above battery "$limit")"
	wait_eq "charge limit $limit: at the code reaching it: the lock-out stops System+ charging" \
		0 2 line_get system-charge-enable
	release=$(($(to_micro "$limit") - 500000))
	adc_set battery "$(above battery "$release")"
	settle
	skip 11000
	settle
	check_eq "charge limit $limit: at the code above the limit - 0.5 V for 11 s: still locked out" \
		0 "$(line_get system-charge-enable)"
	adc_set battery "$(at_or_below battery "$release")"
	settle
	skip 10100
	wait_eq "charge limit $limit: at the code at or below the limit - 0.5 V for 10 s: released" \
		1 2 line_get system-charge-enable
done
bms_put charge_limit 14200000

# --- rule 2: the fuse's current limit -------------------------------------------
for fuse in 2x15A 125A; do
	board_rest
	# Past the retry of the trip before, however long it holds.
	skip 120000
	bms_put fuse_rating "$fuse"
	trip=$(fuse_limit "$fuse")
	[ -z "${ADC_CHAN[alternator-limit]:-}" ] || trip=$((trip * 11 / 10))
	adc_set alternator 14.0V
	wait_eq "fuse $fuse: the engine runs, the alternator conducts" 1 5 line_get alternator-enable
	adc_set alternator-current "$(at_or_below alternator-current "$trip")"
	settle
	skip 5500
	settle
	check_eq "fuse $fuse: at the code at or below the trip level ($trip uA) for 5.5 s: conducts" \
		1 "$(line_get alternator-enable)"
	adc_set alternator-current "$(above alternator-current "$trip")"
	settle
	echo "# fuse $fuse: the alternator current reads $(cat "$hw/curr1_input") mA"
	skip 5100
	wait_eq "fuse $fuse: at the code above the trip level for 5 s: the alternator trips" \
		0 2 line_get alternator-enable
	adc_set alternator-current 0
done
bms_put fuse_rating "$(bms_factory_fuse)"

# --- rule 6: over-temperature -----------------------------------------------------
board_rest
skip 120000
adc_set alternator 14.0V
wait_eq "the engine runs again: the alternator conducts" 1 5 line_get alternator-enable
adc_set temperature "$(below temperature 85C)"
settle
check_eq "85 C: at the code below it: no over-temperature" 111110 "$(gates)"
adc_set temperature "$(at_or_above temperature 85C)"
wait_eq "85 C: at the code at it: alternator, System+ charging and charge disconnect stop" \
	001100 2 gates
adc_set temperature "$(below temperature 95C)"
settle
check_eq "95 C: at the code below it: System+ discharge on" 001100 "$(gates)"
adc_set temperature "$(at_or_above temperature 95C)"
wait_eq "95 C: at the code at it: System+ discharging stops" 000100 2 gates
adc_set temperature "$(at_or_above temperature 85C)"
settle
check_eq "released below 85 C: at the code at 85 C: still stopped" 000100 "$(gates)"
adc_set temperature "$(below temperature 85C)"
wait_eq "released below 85 C: at the code below it: discharging again" 001100 2 gates
adc_set temperature "$(at_or_above temperature 75C)"
settle
check_eq "released below 75 C: at the code at 75 C: still stopped" 001100 "$(gates)"
adc_set temperature "$(below temperature 75C)"
wait_eq "released below 75 C: at the code below it: charging again" 111110 3 gates

board_rest
finish
