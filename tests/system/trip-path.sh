#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Behaviour section 4: with gate GPIOs that do not sleep the trip path runs
# in hard interrupt context, chosen at probe and logged.  The simulated
# board's gates are on the simulated gate chip, which never sleeps, so the
# BMS must bind with the hard path: its probe says so, and no input line
# has an interrupt thread.  On the i2c board two gates are on the
# expander: the threaded path, a thread for each SoC input line.  (trip-edges.sh checks the gates are in fact written
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
chosen=$(dmesg | sed -n "s/.*$node: \(trip path in .*\)/\1/p" | tail -n 1)
# On the i2c board the charge disconnect and pre-alarm are on the
# expander, whose lines sleep: the path must be the threaded one.
threaded=0
if bms_gates_sleep; then
	threaded=1
	check_eq "gates on a sleeping expander: probe chose the threaded trip path" \
		"trip path in a threaded handler (gate GPIOs may sleep)" "$chosen"
else
	check_eq "probe chose the hard interrupt trip path" \
		"trip path in hard interrupt context (gate GPIOs do not sleep)" "$chosen"
fi

# A threaded handler would have an "irq/N-NAME" thread (the full name in
# /proc/PID/comm since 6.2, cut to 15 characters before): N is enough.
for l in $BMS_INPUTS; do
	irq=$(awk -v n="$l" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts)
	if [ -z "$irq" ]; then
		fail "$l: an interrupt is requested"
		continue
	fi
	threads=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c "^irq/$irq-")
	if [ "$threaded" = 0 ]; then
		check_eq "$l: interrupt $irq has no handler thread" 0 "$threads"
	elif [[ ${LINE_DIR[$l]} == exp:* ]]; then
		# A nested interrupt runs in its expander's thread, not its own.
		check_eq "$l: interrupt $irq, nested in the expander's, has no thread of its own" \
			0 "$threads"
	else
		check_eq "$l: interrupt $irq has its handler thread" 1 "$threads"
	fi
done

board_rest
check_eq "back at rest after the new bind" 011110 "$(gates)"

finish
