#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings survive a reboot through the settings nvmem cell.  `make check`
# boots the board twice: at the end of the first run this script, with
# "set", changes every setting away from its default; the guest keeps the
# EEPROM's contents at power-off and the second boot starts from them, where
# "verify" reads the settings back through sysfs.
#
# Usage: persist.sh set|verify

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

# Every setting, with a value that is not its default.
declare -A persist=(
	[fuse_rating]=2x15A
	[prealarm_usage]=not-available
	[prealarm_output]=intermittent
	[remote_function]=alternator-only
	[soft_switch]=on
	[charge_limit]=14600000
)

case ${1:-} in
set)
	board_rest
	for f in "${!persist[@]}"; do
		check "set $f to ${persist[$f]}" bms_put "$f" "${persist[$f]}"
	done
	check_eq "no E-B31 after saving" "" "$(bms_get codes)"
	;;
verify)
	for f in "${!persist[@]}"; do
		check_eq "after a reboot: $f" "${persist[$f]}" "$(bms_get "$f")"
	done
	# shellcheck disable=SC2317 # called through wait_eq
	evaluated() { [ "$(bms_loops)" -gt 0 ] && echo 1; }
	wait_eq "after a reboot: the BMS evaluated its first sample" 1 5 evaluated
	check_eq "after a reboot: no E-B31 (the stored settings were sound)" "" \
		"$(bms_get codes | grep -o E-B31)"
	;;
*)
	die "usage: $0 set|verify"
	;;
esac
finish
