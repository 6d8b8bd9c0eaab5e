#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The BMS binds to the board, its Battery supply reports the battery
# voltage in microvolts after the next sample (within one ADC code on the
# i2c board), and no value at all while the ADC cannot read it.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

psy=$(bms_supply battery) || die "the BMS registered no battery supply"
pass "the BMS registered ${psy##*/}"

check_eq "type is Battery" Battery "$(cat "$psy/type")"
check_eq "scope is System" System "$(cat "$psy/scope")"
check_eq "technology is LiFe" LiFe "$(cat "$psy/technology")"
check_eq "present" 1 "$(cat "$psy/present")"

board_rest
for v in 13.2V 12.000V 14.0V 10.5V 0V 13.301V; do
	adc_set battery "$v" || die "cannot set the battery channel"
	wait_near "voltage_now follows the battery at $v" "$(to_micro "$v")" 3 battery \
		cat "$psy/voltage_now"
done

adc_fail battery 5
wait_eq "voltage_now has no value while the ADC read fails" "" 3 cat "$psy/voltage_now"
check_eq "uevent leaves the unreadable voltage out" "" \
	"$(grep POWER_SUPPLY_VOLTAGE_NOW "$psy/uevent")"
adc_fail battery 0
adc_set battery 13.3V
wait_near "voltage_now comes back after the ADC recovers" 13300000 3 battery \
	cat "$psy/voltage_now"

if [ -n "${ADC_CHAN[system-current]:-}" ]; then
	adc_set system-current -2A
	wait_eq "current_now is the System+ current" -2000000 3 cat "$psy/current_now"
	wait_eq "status Discharging while loads draw" Discharging 3 cat "$psy/status"
	adc_set system-current 0
else
	# The i2c board (as the Raspberry Pi's) has no System+ shunt.
	check_eq "no system-current channel: current_now has no value" "" \
		"$(cat "$psy/current_now" 2>/dev/null)"
fi

check_eq "constant_charge_voltage_max is the charge limit" 14200000 \
	"$(cat "$psy/constant_charge_voltage_max")"
bat=$(dt_node_by_phandle "$(dt_cells "$(bms_node)/monitored-battery" | tr -d " ")")
check_eq "voltage_min_design from monitored-battery" \
	"$(dt_cells "$bat/voltage-min-design-microvolt" | tr -d ' ')" \
	"$(cat "$psy/voltage_min_design")"
check_eq "voltage_max_design from monitored-battery" \
	"$(dt_cells "$bat/voltage-max-design-microvolt" | tr -d ' ')" \
	"$(cat "$psy/voltage_max_design")"

finish
