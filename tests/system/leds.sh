#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The seven LED triggers of manual Appendix C (behaviour.md section 6),
# bound to the board's gpio-leds through linux,default-trigger (on the
# i2c board, whose four LEDs are on the expander, from userspace as the
# admin guide does): each LED follows its state, read back from the LED
# class and from the line that drives it.  The heartbeat blinks only
# while the loop runs.

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

# The board's LEDs: the boards have all seven or the first four.
for l in "${!led[@]}"; do
	[ -e "/sys/class/leds/${led[$l]}" ] || unset "led[$l]"
done
order="alternator-charging overtemperature active charge-disconnect
	load-disconnect system-charging"

led_get() { cat "/sys/class/leds/${led[$1]}/brightness"; }
led_on() { [ "$(led_get "$1")" -gt 0 ] && echo 1 || echo 0; }

# The LEDs in a fixed order, as a string of 0 and 1 (the heartbeat aside),
# those the board has.
# shellcheck disable=SC2317 # called through wait_eq
leds() {
	local l out=""
	for l in $order; do
		[ -z "${led[$l]:-}" ] || out=$out$(led_on "$l")
	done
	echo "$out"
}

# want PATTERN: a pattern of leds() for all six, cut to the board's.
want() {
	local l i=0 out=""
	for l in $order; do
		[ -z "${led[$l]:-}" ] || out=$out${1:i:1}
		i=$((i + 1))
	done
	echo "$out"
}

for l in "${!led[@]}"; do
	t=/sys/class/leds/${led[$l]}/trigger
	# A board without default triggers: bound as the admin guide says.
	grep -q "\[$node-$l\]" "$t" || echo "$node-$l" >"$t"
	check_eq "${led[$l]} is bound to $node-$l" "[$node-$l]" \
		"$(grep -o "\[$node-$l\]" "$t")"
done

# Order: alternator, over-temperature, active, charge disconnect, load
# disconnect, System+ charging.
board_rest
wait_eq "at rest: active, both disconnects, System+ charging" "$(want 001111)" 3 leds
adc_set alternator 14.0V
wait_eq "engine running: alternator charging too" "$(want 101111)" 3 leds
adc_set temperature 90C
wait_eq "90 C: over-temperature on; alternator, charge disconnect, System+ charging off" \
	"$(want 011010)" 3 leds
adc_set temperature 25C
wait_eq "25 C: over-temperature off again" "$(want 101111)" 5 leds
line_set charge-allowed 0
wait_eq "charge not allowed: alternator, charge disconnect, System+ charging off" \
	"$(want 001010)" 3 leds
line_set charge-allowed 1

board_rest
bms_put remote_function everything
line_set remote 0
wait_eq "remote off, switch everything off: the BMS is not active" "$(want 000000)" 3 leds
line_set remote 1
wait_eq "remote on: active again" "$(want 001111)" 3 leds

# A gpio-leds LED drives its line: the LED class and the wire agree.
for n in /proc/device-tree/*/led-*; do
	[ "$(tr -d '\0' <"$n/label")" = bms:green:active ] && break
done
read -r dir low < <(gpio_line "$n/gpios")
check_eq "the active LED's line is high" 1 "$(line_value "$dir" "$low")"

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
