#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule 1: the alternator port qualifies above 13.0 V for 1 s, is lost at or
# below it for 2 s, and never lets current flow back: it closes only with the
# alternator 150 mV above the battery, and a current back beyond 1 A opens
# it.  The Mains supply follows it.  "Exactly" a level is the ADC code at
# or below it (tests/lib/board.sh adc_code): on the i2c board a code is
# 22 mV of battery voltage, on the simulated ADC a microvolt.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
mains=$(bms_supply alternator) || die "no alternator supply"
check_eq "the alternator input is a Mains supply" Mains "$(cat "$mains/type")"

board_rest
adc_set battery 12.8V
adc_set alternator "$(adc_code alternator 13.0V down)"
sleep 2.5
check_eq "exactly 13.0 V does not qualify" 0 "$(line_get alternator-enable)"
check_eq "Mains offline" 0 "$(cat "$mains/online")"

adc_set alternator 13.6V
t0=$(now_ms)
wait_eq "13.6 V qualifies" 1 4 line_get alternator-enable
ms=$(($(now_ms) - t0))
echo "# alternator qualified after ${ms} ms, specified 1000 ms"
check "not before 1 s (${ms} ms)" test "$ms" -ge 1000
wait_eq "Mains online" 1 2 cat "$mains/online"
check_near "Mains voltage_now" 13600000 "$(cat "$mains/voltage_now")" alternator
if [ "$(bms_get fuse_rating)" = not-set ]; then
	check_eq "input_current_limit is the smallest table value while the fuse is unset" \
		9000000 "$(cat "$mains/input_current_limit")"
else
	# The i2c board presets the fuse in its devicetree, as the real one does.
	check_eq "input_current_limit is the preset fuse's ($(bms_get fuse_rating))" \
		"$(fuse_limit "$(bms_get fuse_rating)")" "$(cat "$mains/input_current_limit")"
fi

adc_set alternator 12.9V
t0=$(now_ms)
wait_eq "at or below 13.0 V the qualification is lost" 0 5 line_get alternator-enable
ms=$(($(now_ms) - t0))
echo "# alternator lost after ${ms} ms, specified 2000 ms"
check "not before 2 s (${ms} ms)" test "$ms" -ge 2000

adc_set alternator 13.6V
wait_quiet alternator-enable 1 4
# Once it conducts, the current decides: no current back, no opening.
adc_set battery 13.6V
sleep 1.5
check_eq "conducting, the battery as high, no current back: stays closed" 1 \
	"$(line_get alternator-enable)"
adc_set battery 13.75V
wait_eq "the battery at the alternator plus 150 mV opens it" 0 1 line_get alternator-enable
# The alternator reads 13.6 V's code; the battery exactly 150 mV below it.
alt=$(cat "$mains/voltage_now")
adc_set battery "$(adc_code battery $((alt - 150000)) up)"
sleep 1.5
check_eq "open, it closes only above the battery plus 150 mV" 0 \
	"$(line_get alternator-enable)"
step=$(adc_quantum battery)
adc_set battery "$(($(adc_code battery $((alt - 150000)) up) - (step > 1000 ? step : 1000)))"
wait_eq "and closes one step (1 mV, or one ADC code) beyond it" 1 1 line_get alternator-enable
adc_set alternator-current -1.5A
wait_eq "a current back out of the bank beyond 1 A opens it" 0 1 \
	line_get alternator-enable
check_eq "... as an alternator trip: health Over current" "Over current" "$(bms_get health)"
adc_set alternator-current 0
t0=$(now_ms)
wait_eq "retried after 30 s" 1 33 line_get alternator-enable
ms=$(($(now_ms) - t0))
echo "# alternator reverse-current retry after ${ms} ms, specified 30000 ms"

bms_put fuse_rating 2x30A
wait_eq "the fuse sets the limit" 40000000 2 cat "$mains/input_current_limit"
adc_set alternator-current 20A
# shellcheck disable=SC2317 # called through wait_eq
percent_near() { local p; p=$(bms_get alternator_current_percent); [ $((p - 50)) -ge -1 ] && [ $((p - 50)) -le 1 ] && echo 50 || echo "$p"; }
if [ "$(adc_quantum alternator-current)" -gt 0 ]; then
	wait_eq "alternator current as a percentage of the limit (within a code)" 50 2 percent_near
else
	wait_eq "alternator current as a percentage of the limit" 50 2 \
		bms_get alternator_current_percent
fi

finish
