#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings survive a reboot through the settings nvmem cell.  `make check`
# boots the board twice: at the end of the first run this script, with
# "set", changes every setting away from its default; the guest keeps the
# EEPROM's contents at power-off and the second boot starts from them, where
# "verify" reads the settings back through sysfs.  The first boot's last
# save is cut by a power cut after 12 of its bytes, so the second boot
# starts from a torn journal slot: the set before it must be in force.
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
	# Then the power goes in the middle of one more save: the next boot
	# starts from a torn journal slot and must find the set above.
	eeprom_cut 12
	# shellcheck disable=SC2317 # called through check
	cut_save_fails() { ! printf 80A >"$BMS_PSY/fuse_rating"; }
	check "a save cut by a power cut after 12 bytes fails" cut_save_fails
	eeprom_power_up
	;;
verify)
	for f in "${!persist[@]}"; do
		check_eq "after a reboot: $f" "${persist[$f]}" "$(bms_get "$f")"
	done
	# shellcheck disable=SC2317 # called through wait_eq
	evaluated() { [ "$(bms_loops)" -gt 0 ] && echo 1; }
	wait_eq "after a reboot: the BMS evaluated its first sample" 1 5 evaluated
	check_eq "after a reboot from a torn save: no E-B31 (the slot before it is sound)" "" \
		"$(bms_get codes | grep -o E-B31)"
	;;
*)
	die "usage: $0 set|verify"
	;;
esac
finish
