#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Existing Linux clients against the driver, unchanged: lm-sensors'
# `sensors` shows the smartbms hwmon device with its labels and alarms, and
# `udevadm monitor` sees the power_supply uevents of a state change.  (The
# LED triggers are checked in leds.sh.)

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

psy=$(basename "$BMS_PSY")

board_rest
out=$(sensors 'smartbms-*' 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
check "sensors finds the smartbms chip" eval "printf '%s\n' \"\$out\" | grep -q '^smartbms-'"
for label in alternator system bms; do
	check "sensors shows the '$label' channel" \
		eval "printf '%s\n' \"\$out\" | grep -q '^$label:'"
done
# What the ADC reads of 12.6 V (12.606 V on the i2c board), as sensors
# prints it: volts to the centivolt.
hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
alt=$(awk -v mv="$(cat "${hw%/name}/in0_input")" 'BEGIN { printf "%.2f", mv / 1000 }')
check "sensors shows the alternator voltage ($alt V)" \
	eval "printf '%s\n' \"\$out\" | grep -q '^alternator: *+\\?$alt V'"
check "sensors shows the BMS temperature (25.0 C)" \
	eval "printf '%s\n' \"\$out\" | grep -q '^bms: *+25.0'"
check_fails "no alarm at 25 C" eval "printf '%s\n' \"\$out\" | grep -q ALARM"

adc_set temperature 90C
wait_eq "at 90 C the driver raises A-B15" A-B15 5 bms_get codes
out=$(sensors 'smartbms-*' 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
check "sensors shows the over-temperature alarm" \
	eval "printf '%s\n' \"\$out\" | grep '^bms:' | grep -q ALARM"
adc_set temperature 25C

board_rest
log=$TMPDIR/udevadm.$$
udevadm monitor --kernel --property --subsystem-match=power_supply >"$log" 2>&1 &
mon=$!
sleep 1
line_set remote 0
wait_quiet system-discharge-enable 0 3
sleep 1
kill "$mon"
wait "$mon" 2>/dev/null
check "udevadm monitor sees a change uevent of $psy" \
	grep -q "^KERNEL\[.*\] change .*/$psy (power_supply)" "$log"
check "... with its POWER_SUPPLY_ properties" grep -q "^POWER_SUPPLY_NAME=$psy\$" "$log"
check "... including the status" grep -q '^POWER_SUPPLY_STATUS=' "$log"
sed 's/^/# /' "$log" | head -30
line_set remote 1

finish
