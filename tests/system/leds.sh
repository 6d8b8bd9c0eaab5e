#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The seven LED triggers of manual Appendix C (behaviour.md section 6),
# bound to the board's gpio-leds through linux,default-trigger: each LED
# follows its state, read back from the LED class and from the gpio-sim
# line that drives it.  The heartbeat blinks only while the loop runs.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

node=$(basename "$(readlink -f "$BMS_PSY/device")")
declare -A led=(
	[alternator-charging]=bms:green:alternator
	[overtemperature]=bms:red:overtemperature
	[active]=bms:green:active
	[heartbeat]=bms:blue:heartbeat
	[charge-disconnect]=bms:yellow:charge-disconnect
	[load-disconnect]=bms:orange:load-disconnect
	[system-charging]=bms:green:system-charging
)

led_get() { cat "/sys/class/leds/${led[$1]}/brightness"; }
led_on() { [ "$(led_get "$1")" -gt 0 ] && echo 1 || echo 0; }

# The LEDs in a fixed order, as a string of 0 and 1 (the heartbeat aside).
# shellcheck disable=SC2317 # called through wait_eq
leds() {
	local l out=""
	for l in alternator-charging overtemperature active charge-disconnect \
		 load-disconnect system-charging; do
		out=$out$(led_on "$l")
	done
	echo "$out"
}

for l in "${!led[@]}"; do
	check_eq "${led[$l]} is bound to $node-$l" "[$node-$l]" \
		"$(grep -o "\[$node-$l\]" "/sys/class/leds/${led[$l]}/trigger")"
done

# Order: alternator, over-temperature, active, charge disconnect, load
# disconnect, System+ charging.
board_rest
wait_eq "at rest: active, both disconnects, System+ charging" 001111 3 leds
adc_set alternator 14.0V
wait_eq "engine running: alternator charging too" 101111 3 leds
adc_set temperature 90C
wait_eq "90 C: over-temperature on; alternator, charge disconnect, System+ charging off" \
	011010 3 leds
adc_set temperature 25C
wait_eq "25 C: over-temperature off again" 101111 5 leds
line_set charge-allowed 0
wait_eq "charge not allowed: alternator, charge disconnect, System+ charging off" \
	001010 3 leds
line_set charge-allowed 1

board_rest
bms_put remote_function everything
line_set remote 0
wait_eq "remote off, switch everything off: the BMS is not active" 000000 3 leds
line_set remote 1
wait_eq "remote on: active again" 001111 3 leds

# A gpio-leds LED drives its line: the LED class and the wire agree.
led_line=$(echo /sys/devices/platform/gpio-sim-leds/gpiochip*/sim_gpio2)
check_eq "the active LED's line is high" 1 "$(cat "$led_line/value")"

# The heartbeat moves while the loop evaluates, and stops with it.
seen=""
for ((i = 0; i < 50; i++)); do
	seen="$seen$(led_on heartbeat)"
	sleep 0.1
done
# shellcheck disable=SC2317 # called through check
blinked() { [[ $seen == *0* && $seen == *1* ]]; }
check "the heartbeat blinks while the loop runs ($seen)" blinked
echo 1 >"$(bms_debugfs)/loop_pause"
sleep 0.3
seen=""
for ((i = 0; i < 30; i++)); do
	seen="$seen$(led_on heartbeat)"
	sleep 0.1
done
check_fails "the heartbeat stands still while the loop is stalled ($seen)" blinked
echo 0 >"$(bms_debugfs)/loop_pause"

finish
