#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hwmon device shows what the supplies do not: alternator and System+
# voltages and currents and the BMS temperature, labelled, with limits.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
[ -n "$hw" ] || die "no hwmon device named smartbms"
hw=${hw%/name}
pass "hwmon device $hw"

board_rest
adc_set alternator 12.7V
adc_set system 13.1V
adc_set alternator-current 1.5A
[ -z "${ADC_CHAN[system-current]:-}" ] || adc_set system-current -3.25A
adc_set temperature 31.5C
sleep 1.5

check_eq "in0_label" alternator "$(cat "$hw/in0_label")"
check_near "in0_input in mV" 12700 "$(cat "$hw/in0_input")" alternator 1000
check_eq "in0_min is the qualification level" 13000 "$(cat "$hw/in0_min")"
check_eq "in1_label" system "$(cat "$hw/in1_label")"
check_near "in1_input in mV" 13100 "$(cat "$hw/in1_input")" system 1000
check_eq "curr1_label" alternator "$(cat "$hw/curr1_label")"
check_near "curr1_input in mA" 1500 "$(cat "$hw/curr1_input")" alternator-current 1000
fuse=$(bms_get fuse_rating)
check_eq "curr1_max is the current limit (9 A while the fuse is unset; here $fuse)" \
	$(($(fuse_limit "$fuse") / 1000)) "$(cat "$hw/curr1_max")"
check_eq "curr1_alarm" 0 "$(cat "$hw/curr1_alarm")"
if [ -n "${ADC_CHAN[system-current]:-}" ]; then
	check_eq "curr2_label" system "$(cat "$hw/curr2_label")"
	check_eq "curr2_input in mA" -3250 "$(cat "$hw/curr2_input")"
else
	check_fails "no system-current channel (the i2c board): no curr2 channel" test -e "$hw/curr2_input"
fi
check_eq "temp1_label" bms "$(cat "$hw/temp1_label")"
check_near "temp1_input in m degC" 31500 "$(cat "$hw/temp1_input")" temperature
check_eq "temp1_max" 85000 "$(cat "$hw/temp1_max")"
check_eq "temp1_max_hyst" 75000 "$(cat "$hw/temp1_max_hyst")"
check_eq "temp1_crit" 95000 "$(cat "$hw/temp1_crit")"
check_eq "temp1_crit_hyst" 85000 "$(cat "$hw/temp1_crit_hyst")"

adc_fail temperature 5
sleep 1.5
check_fails "temp1_input has no value while unreadable" cat "$hw/temp1_input"
adc_fail temperature 0

finish
