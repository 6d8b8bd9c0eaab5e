#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule 14: unbinding the driver returns every gate to the safe state, and a
# new bind starts from it again.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

board_rest
node=$(basename "$(readlink -f "$(bms_supply battery)/device")")
check_eq "at rest (engine off) System+ and both disconnects are on" 011110 "$(gates)"

echo "$node" >/sys/bus/platform/drivers/smartbms/unbind
check_eq "unbind leaves every gate in the safe state" 000000 "$(gates)"
check_fails "no battery supply while unbound" bms_supply battery

echo "$node" >/sys/bus/platform/drivers/smartbms/bind
check "bind registers the battery supply again" bms_supply battery
wait_eq "and qualifies back to rest" 011110 5 gates

finish
