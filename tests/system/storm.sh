#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An interrupt storm on an input line is contained: past 200 edges in a
# second the line's interrupt is disabled for a second and the storm is
# reported, the sampled loop keeps running meanwhile (and, re-reading the
# lines, catches the edges the disabled interrupt misses), and the line
# comes back afterwards.  The storm comes from tests/sim/smartbms-sim-storm.c,
# which runs the line's interrupt handler as often as asked.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

counters=$(bms_debugfs)/counters
inject=/sys/kernel/debug/smartbms-sim-storm
storms() { awk -v l="$1" '$1 == l { print $5 }' "$counters"; }
# shellcheck disable=SC2317 # called through wait_eq
disabled() { grep -q "^$1 .* disabled" "$counters" && echo 1 || echo 0; }
irq_of() { awk -v l="$1" '$NF == l { sub(":", "", $1); print $1 }' /proc/interrupts; }

for line in $BMS_INPUTS; do
	board_rest
	irq=$(irq_of "$line")
	before=$(storms "$line")
	loops=$(bms_loops)
	check "$line: 1000 edges injected on its interrupt ($irq)" eval "echo '$irq 1000' >$inject"
	check_eq "$line: the storm is counted" $((before + 1)) "$(storms "$line")"
	check_eq "$line: its interrupt is disabled" 1 "$(disabled "$line")"
	sleep 0.3
	check "$line: the loop kept evaluating" test "$(bms_loops)" -gt "$loops"
	check "$line: the storm is reported in the kernel log" \
		eval "dmesg | grep -q 'interrupt storm on $line-gpios'"
	wait_eq "$line: its interrupt is enabled again after the pause" 0 5 disabled "$line"
done
sed 's/^/# /' "$counters"

# While the interrupt is off, only the loop can see the line drop.
board_rest
echo "$(irq_of charge-allowed) 1000" >"$inject"
line_set charge-allowed 0
wait_eq "an edge the disabled interrupt misses is caught by the loop" 0 2 \
	line_get system-charge-enable
line_set charge-allowed 1
wait_eq "the board comes back to rest" 011110 5 gates

# An edge after the pause trips from the interrupt path again.
wait_eq "the interrupt is enabled again" 0 5 disabled charge-allowed
echo 1 >"$(bms_debugfs)/loop_pause"
loops=$(bms_loops)
line_set charge-allowed 0
wait_eq "after the storm, charge-allowed low trips from the interrupt path" 0 2 \
	line_get system-charge-enable
check_eq "... with the loop paused" "$loops" "$(bms_loops)"
echo 0 >"$(bms_debugfs)/loop_pause"
line_set charge-allowed 1

finish
