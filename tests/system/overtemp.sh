#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule 6: BMS over-temperature at two levels with their release levels,
# seen through the gates, the codes, the supply's health and hwmon.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
hw=${hw%/name}

board_rest
adc_set alternator 14.0V
wait_quiet alternator-enable 1 5

adc_set temperature 85C
wait_eq "85 C: alternator port, System+ charging and charge disconnect stop" \
	001100 2 gates
check_eq "A-B15" A-B15 "$(bms_get codes)"
check_eq "health Overheat" Overheat "$(bms_get health)"
check_eq "hwmon temp1_max_alarm" 1 "$(cat "$hw/temp1_max_alarm")"

adc_set temperature 95C
wait_eq "95 C: System+ discharging stops too" 000100 2 gates
check_eq "hwmon temp1_crit_alarm" 1 "$(cat "$hw/temp1_crit_alarm")"

adc_set temperature 85C
sleep 1.5
check_eq "85 C is not below the second release level" 000100 "$(gates)"
adc_set temperature 84.9C
wait_eq "below 85 C discharging comes back" 001100 2 gates
adc_set temperature 75C
sleep 1.5
check_eq "75 C is not below the first release level" 001100 "$(gates)"
adc_set temperature 74.9C
wait_eq "below 75 C charging comes back" 111110 3 gates
check_eq "A-B15 cleared" "" "$(bms_get codes)"
check_eq "health Good" Good "$(bms_get health)"

finish
