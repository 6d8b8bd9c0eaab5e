#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Probe with each allocation failing in turn: fail-nth armed just before
# the bind write (tests/lib/fail-nth-probe.py), until a probe runs without
# reaching the armed fault point.  Every run ends with the bind write
# failing and nothing of the BMS left (no power supply, hwmon device, LED
# trigger, interrupt, debugfs directory; every gate off), or with the BMS
# bound and whole.  No splat, no leak.

. "$SMARTBMS_TOP/tests/lib/board.sh"
. "$SMARTBMS_TOP/tests/lib/faults.sh"

board_rest
mark=faults-probe
kmsg_mark "$mark"
bms_unbind
check_eq "unbound: every gate in the safe state" 000000 "$(gates)"

python3 "$SMARTBMS_TOP/tests/lib/fail-nth-probe.py" smartbms "$BMS_DEV" ||
	failures=$((failures + 1))

check_no_splat "probe fail-nth: no warning, BUG, lockdep, KASAN or UBSAN report" "$mark"
kmemleak_check "probe fail-nth: kmemleak finds no leak after the batch"

bms_rebind
check "the BMS is bound after the batch" bms_bound
board_rest
check_eq "and comes back to rest" 011110 "$(gates)"

finish
