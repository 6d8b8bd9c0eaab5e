#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The walking skeleton: the BMS binds to the simulated board, holds every
# output in its safe state, and its Battery supply reports the simulated
# battery voltage in microvolts, and no value at all when the ADC fails.

. "$SMARTBMS_TOP/tests/lib/board.sh"

psy=$(bms_supply battery) || die "the BMS registered no battery supply"
pass "the BMS registered ${psy##*/}"

check_eq "type is Battery" Battery "$(cat "$psy/type")"
check_eq "scope is System" System "$(cat "$psy/scope")"
check_eq "technology is LiFe" LiFe "$(cat "$psy/technology")"

for v in 13.2V 12.000V 14.6V 10.5V 0V 15.301V; do
	adc_set battery "$v" || die "cannot set the battery channel"
	check_eq "voltage_now follows the battery at $v" \
		"$(to_micro "$v")" "$(cat "$psy/voltage_now")"
done

adc_fail battery 5
check_fails "voltage_now has no value while the ADC read fails" cat "$psy/voltage_now"
check_eq "uevent leaves the unreadable voltage out" "" \
	"$(grep POWER_SUPPLY_VOLTAGE_NOW "$psy/uevent")"
adc_fail battery 0
adc_set battery 13.3V
check_eq "voltage_now comes back after the ADC recovers" 13300000 "$(cat "$psy/voltage_now")"

for g in $BMS_OUTPUTS; do
	check_eq "$g is in its safe state" 0 "$(line_get "$g")"
done

finish
