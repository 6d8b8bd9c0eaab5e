#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trip fast: each edge that takes something away is acted on by the
# interrupt path itself.  The test pauses the sampled loop (debugfs
# loop_pause), injects the edge through gpio-sim, waits for the gates, and
# checks the loop's evaluation counter did not move: nothing but the
# interrupt handler can have written them.  The board's gates never sleep
# (tests/sim/smartbms-sim-gate.c), so each gate a trip drops must have been
# written in hard interrupt context: the gate chip counts those writes.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

pause=$(bms_debugfs)/loop_pause

# irq_writes: the hard interrupt context writes of every gate, in order.
irq_writes() {
	local g out=""
	for g in $BMS_OUTPUTS; do
		out="$out $(line_irq_writes "$g")"
	done
	echo "$out"
}

# check_hard WHAT GATES-BEFORE GATES-AFTER IRQ-WRITES-BEFORE: every gate
# that dropped was written in hard interrupt context since.
check_hard() {
	local what=$1 from=$2 to=$3 i=0 g slow=""
	local -a was now
	# A board whose gates sleep trips from the handler thread (trip-path.sh
	# checks it is threaded): no hard interrupt context write to count.
	bms_gates_sleep && return
	read -r -a was <<<"$4"
	read -r -a now <<<"$(irq_writes)"
	for g in $BMS_OUTPUTS; do
		if [ "${from:i:1}${to:i:1}" = 10 ] && [ "${now[i]:-0}" -le "${was[i]:-0}" ]; then
			slow="$slow $g"
		fi
		i=$((i + 1))
	done
	check_eq "$what: dropped gates written in hard interrupt context" "" "${slow# }"
}

# trips_late: trips whose gates were not all decided ahead (armed).
trips_late() { awk '$1 == "trips_late" { print $2 }' "$(bms_debugfs)/counters"; }

# trip WHAT LINE LEVEL EXPECTED-GATES, on a board the caller prepared.  The
# handler writes what the driver armed for the edge, then decides again;
# with no delay ending meanwhile the second decision must add nothing (an
# armed drop that is too large shows as wrong gates).
trip() {
	local what=$1 line=$2 level=$3 want=$4 before from writes late
	echo 1 >"$pause"
	before=$(bms_loops)
	from=$(gates)
	writes=$(irq_writes)
	late=$(trips_late)
	line_set "$line" "$level"
	wait_eq "$what: gates $want from the interrupt path" "$want" 2 gates
	check_eq "$what: the sampled loop did not run meanwhile" "$before" "$(bms_loops)"
	check_hard "$what" "$from" "$want" "$writes"
	check_eq "$what: all of it armed before the edge" "$late" "$(trips_late)"
	echo 0 >"$pause"
}

# Gates in order: alternator, System+ charge, System+ discharge, load
# disconnect, charge disconnect, pre-alarm.  Start: 111110 (alternator
# qualified by a running engine).
engine_running() { adc_set alternator 14.0V; wait_quiet alternator-enable 1 5; }

board_rest
engine_running
trip "charge-allowed low" charge-allowed 0 001100
board_rest
engine_running
trip "short circuit" short-circuit 1 100110
board_rest
engine_running
trip "remote off (alternator & System+)" remote 0 000110

for fn in alternator-only everything; do
	board_rest
	bms_put remote_function "$fn"
	engine_running
	case $fn in
	alternator-only) want=011110 ;;
	everything) want=000000 ;;
	esac
	trip "remote off ($fn)" remote 0 "$want"
done

# Discharge-allowed low takes nothing away at once: the 30 s lead first.
board_rest
echo 1 >"$pause"
line_set discharge-allowed 0
sleep 0.5
check_eq "discharge-allowed low: nothing taken at once" 011110 "$(gates)"
echo 0 >"$pause"
wait_eq "discharge-allowed low: pre-alarm output on" 1 3 line_get prealarm
check_eq "discharge-allowed low: W-B12" W-B12 "$(bms_get codes)"

# The battery's own pre-alarm 30 s before: discharge-allowed low trips at
# once, the lead has been given.  The 30 s pass on the driver's clock
# (debugfs clock_skip_ms, below); the trip itself is the interrupt path's.
board_rest
line_set battery-prealarm 1
wait_eq "battery pre-alarm: W-B12" W-B12 3 bms_get codes
echo 30000 >"$(bms_debugfs)/clock_skip_ms"
sleep 0.2
echo 1 >"$pause"
before=$(bms_loops)
from=$(gates)
writes=$(irq_writes)
line_set discharge-allowed 0
wait_eq "discharge-allowed low 30 s after the battery's pre-alarm: loads cut at once" \
	0 2 line_get load-disconnect
check_eq "... and System+ discharge off" 0 "$(line_get system-discharge-enable)"
check_eq "... by the interrupt path" "$before" "$(bms_loops)"
check_hard "..." "$from" "$(gates)" "$writes"
echo 0 >"$pause"
wait_eq "... A-B11 from the next evaluation" "A-B11 W-B12" 3 bms_get codes


# The bench's hook, debugfs clock_skip_ms, moves the driver's clock ahead:
# the short-circuit retry ends as if that time had passed, and no sooner.
skip=$(bms_debugfs)/clock_skip_ms
skip_by() { echo "$1" >"$skip"; }
board_rest
engine_running
line_set short-circuit 1
wait_eq "clock skip: a short circuit trips" 100110 2 gates
line_set short-circuit 0
total=$(cat "$skip")
check_fails "clock skip: more than a day at once is refused" skip_by 86400001
check_fails "clock skip: a word is refused" skip_by soon
check_eq "clock skip: the refused writes moved nothing" "$total" "$(cat "$skip")"
skip_by 5000
sleep 0.3
check_eq "clock skip: 5 s ahead, the 10 s retry still holds" 100110 "$(gates)"
left=$(awk '$1 == "short-circuit-retry" { print $2 }' "$(bms_attr timers)")
check "clock skip: the retry has less than 5 s left (${left:-none} ms)" \
	test "${left:-10000}" -le 5000
# To 0.7 s before the retry's end: the loop's timer must end it, at the
# moved clock (a timer set at the engine's deadline without taking the
# skip off would wait 10 s more).
moved=$((left - 700))
skip_by "$moved"
check_eq "clock skip: 0.7 s before the retry's end, it still holds" 100110 "$(gates)"
wait_eq "clock skip: the loop's timer ends the retry at the moved clock" 111110 2 gates
check_eq "clock skip: reads the total" $((total + 5000 + moved)) "$(cat "$skip")"

# Past the 60 s window after each: three short circuits in a row, as the
# bench makes them, never latch.
sc_taken() {	# the loop took the edge in: its retry runs
	local j
	for ((j = 0; j < 40; j++)); do
		grep -q '^short-circuit-retry ' "$(bms_attr timers)" && return 0
		sleep 0.05
	done
	return 1
}
# Two evaluations after N (kicked): an edge not yet taken in counts as
# active at the next sample, and would trip again after a skip.
loops_past() {
	local j
	for ((j = 0; j < 40; j++)); do
		[ "$(bms_loops)" -ge $(($1 + 2)) ] && return 0
		echo 0 >"$pause"
		sleep 0.05
	done
	return 1
}
for i in 1 2 3; do
	line_set short-circuit 1
	sc_taken
	n=$(bms_loops)
	line_set short-circuit 0
	loops_past "$n"
	skip_by 60001
	wait_eq "clock skip: short circuit $i of 3, 60 s apart: System+ back" 111110 2 gates
done
case $(bms_get codes) in
*A-A12*) fail "clock skip: three short circuits 60 s apart latched (A-A12)" ;;
*) pass "clock skip: three short circuits 60 s apart do not latch" ;;
esac

finish
