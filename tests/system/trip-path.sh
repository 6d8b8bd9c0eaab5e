#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Behaviour section 4: with gate GPIOs that do not sleep the trip path runs
# in hard interrupt context, chosen at probe and logged.  The board's gates
# are on the simulated gate chip, which never sleeps, so the BMS must bind
# with the hard path: its probe says so, and no input line has an
# interrupt thread.  (trip-edges.sh checks the gates are in fact written
# from hard interrupt context.)

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

board_rest || die "the board did not come to rest"
node=$(basename "$(readlink -f "$(bms_supply battery)/device")")

# The bench's log buffer is small (the KUnit output has long pushed the
# first probe message out): bind again for a fresh one, the last in the log.
echo "$node" >/sys/bus/platform/drivers/smartbms/unbind
echo "$node" >/sys/bus/platform/drivers/smartbms/bind
check "bind registers the battery supply again" bms_supply battery
check_eq "probe chose the hard interrupt trip path" \
	"trip path in hard interrupt context (gate GPIOs do not sleep)" \
	"$(dmesg | sed -n "s/.*$node: \(trip path in .*\)/\1/p" | tail -n 1)"

# A threaded handler would have an "irq/N-NAME" thread (the full name in
# /proc/PID/comm since 6.2, cut to 15 characters before): N is enough.
for l in $BMS_INPUTS; do
	irq=$(awk -v n="$l" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts)
	if [ -z "$irq" ]; then
		fail "$l: an interrupt is requested"
		continue
	fi
	threads=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c "^irq/$irq-")
	check_eq "$l: interrupt $irq has no handler thread" 0 "$threads"
done

board_rest
check_eq "back at rest after the new bind" 011110 "$(gates)"

finish
