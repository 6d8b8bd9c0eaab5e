#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings persistence (rule 13, E-B30/E-B31): every change is saved to the
# settings journal (two slots, the settings and settings-b cells) and read
# back at probe; when no slot is valid E-B31 is raised with the factory
# defaults in force until reset or saved again; a bad slot in force brings
# back the save before it; a bad calibration cell raises E-B30.  A save that fails is refused
# and changes nothing.  Changes wake poll() readers and send one uevent;
# writing the value already in force does neither.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

# The chip's contents as the bench sees them (a corrupted byte is the
# chip's, not a write through the driver).
eeprom=$EEPROM_IMAGE
node=$(basename "$(readlink -f "$BMS_PSY/device")")

# cell_off NAME: the byte offset of an nvmem cell, from the live devicetree.
cell_off() {
	local c
	read -r -a c < <(cell_reg "$1")
	echo "${c[0]}"
}

# poke NAME OFFSET BYTES: overwrite bytes of a cell (printf escapes).
poke() {
	printf '%b' "$3" | dd of="$eeprom" bs=1 seek=$(($(cell_off "$1") + $2)) conv=notrunc status=none
}

# poke_slots OFFSET BYTES: the same bytes into both journal slots.
poke_slots() {
	poke settings "$1" "$2"
	poke settings-b "$1" "$2"
}

# journal KEY: a line of the driver's debugfs counters (settings_slot,
# settings_seq, save_bytes, save_bytes_total).
journal() { awk -v k="$1" '$1 == k { print $2 }' "$(bms_debugfs)/counters"; }

rebind() {
	echo "$node" >/sys/bus/platform/drivers/smartbms/unbind
	echo "$node" >/sys/bus/platform/drivers/smartbms/bind
	BMS_PSY=$(bms_supply battery)
	wait_quiet_loops
}

# wait_quiet_loops [COUNT]: wait until the loop has evaluated more than
# COUNT times (default 0: after a bind the first evaluation decides the codes).
wait_quiet_loops() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(bms_loops 2>/dev/null || echo 0)" -gt "${1:-0}" ] && return 0
		sleep 0.05
	done
}

# shellcheck disable=SC2317 # called through wait_eq and check
has_code() { bms_get codes | tr ' ' '\n' | grep -qx "$1"; }

board_rest
check "the board's EEPROM is there" test -w "$EEPROM"
check "... and can be made to fail" eeprom_fail 0
check_fails "no E-B31 with sound settings" has_code E-B31
check_fails "no E-B30 with sound calibration" has_code E-B30

# Saved on change, loaded at probe.
bms_put fuse_rating 2x20A
bms_put charge_limit 14400000
rebind
check_eq "fuse rating kept over unbind/bind" 2x20A "$(bms_get fuse_rating)"
check_eq "charge limit kept over unbind/bind" 14400000 "$(bms_get charge_limit)"
check_fails "... with no E-B31" has_code E-B31

# The journal: each save goes to the other slot with the next sequence
# number; a save that changes nothing writes nothing.
slot=$(journal settings_slot)
seq=$(journal settings_seq)
took0=$(eeprom_written)
bms_put fuse_rating 100A
check_eq "a save goes to the slot not in force" $((1 - slot)) "$(journal settings_slot)"
check_eq "... with the next sequence number" $((seq + 1)) "$(journal settings_seq)"
check_eq "... and writes one 32-byte slot" 32 "$(journal save_bytes)"
check_eq "... which the EEPROM took" $((took0 + 32)) "$(eeprom_written)"
before=$(md5sum <"$eeprom")
total=$(journal save_bytes_total)
took=$(eeprom_written)
bms_put fuse_rating 100A
check_eq "saving the settings in force writes no byte" 0 "$(journal save_bytes)"
check_eq "... in the total either" "$total" "$(journal save_bytes_total)"
check_eq "... and the EEPROM took none" "$took" "$(eeprom_written)"
check_eq "... and the EEPROM is unchanged" "$before" "$(md5sum <"$eeprom")"
bms_put fuse_rating 80A
rebind
check_eq "the newest slot is in force at probe" 80A "$(bms_get fuse_rating)"
# A bit flipped in the slot in force: the save before it comes back.
if [ "$(journal settings_slot)" = 0 ]; then poke settings 10 '\x40'; else poke settings-b 10 '\x40'; fi
rebind
check_eq "a bad slot in force: the save before it is in force" 100A "$(bms_get fuse_rating)"
check_fails "... with no E-B31" has_code E-B31
bms_put fuse_rating 2x20A

# Both slots corrupt: E-B31 and the defaults.
poke_slots 8 '\x07'
rebind
wait_eq "corrupt settings (CRC): E-B31" 0 3 eval 'has_code E-B31; echo $?'
check_eq "... fuse rating back to its default" "$(bms_factory_fuse)" "$(bms_get fuse_rating)"
check_eq "... charge limit back to its default" 14200000 "$(bms_get charge_limit)"
check "saving a setting again ends E-B31" bms_put prealarm_output continuous
wait_eq "... E-B31 gone" 1 3 eval 'has_code E-B31; echo $?'
rebind
check_fails "... and the saved record is sound at the next probe" has_code E-B31

# Blank slots (a new EEPROM), then the manual's recovery: reset.
poke settings-b 0 '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'
poke settings 0 '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'
rebind
wait_eq "blank settings: E-B31" 0 3 eval 'has_code E-B31; echo $?'
check "reset (manual Appendix B: reset to defaults)" bms_put reset 1
wait_eq "... E-B31 gone" 1 3 eval 'has_code E-B31; echo $?'

# Unknown version and out-of-range values are corrupt too.
bms_put fuse_rating 100A
poke_slots 2 '\x07'
rebind
wait_eq "a settings record of an unknown version: E-B31" 0 3 eval 'has_code E-B31; echo $?'
bms_put reset 1

# Calibration: E-B30 while it is bad, gone once it is sound again.
cal=$(dd if="$eeprom" bs=1 skip="$(cell_off calibration)" count=32 status=none | od -An -v -tx1 |
	tr -d '\n' | sed 's/ /\\x/g')
poke calibration 4 '\x00'
rebind
wait_eq "corrupt calibration: E-B30" 0 3 eval 'has_code E-B30; echo $?'
poke calibration 0 "$cal"
rebind
wait_eq "sound calibration: no E-B30" 1 3 eval 'has_code E-B30; echo $?'

# A save that fails is refused and changes nothing.
board_rest
eeprom_fail 5
check_fails "a setting is refused when it cannot be saved" bms_put fuse_rating 60A
check_eq "... and nothing changed" "$(bms_factory_fuse)" "$(bms_get fuse_rating)"
eeprom_fail 0
check "it is taken once the EEPROM works" bms_put fuse_rating 60A

# Notifications: poll() readers are woken and one uevent is sent per change.
events=$SMARTBMS_TOP/tests/lib/events.py
flag=$TMPDIR/ready.$$
listen() {
	rm -f "$flag"
	python3 "$events" "$@" "$flag" >"$TMPDIR/events.$$" &
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "$flag" ] && return 0
		sleep 0.05
	done
}
psy=$(basename "$BMS_PSY")

listen poll 2 "$(bms_attr fuse_rating)"
bms_put fuse_rating 80A
wait
check_eq "a change wakes poll() on fuse_rating" woken "$(cat "$TMPDIR/events.$$")"

# And every other choice file (the driver finds them in its attribute list).
gates_before=$(gates)
for f in prealarm_usage prealarm_output remote_function soft_switch; do
	old=$(cat "$(bms_attr "$f")")
	new=$(tr ' ' '\n' <"$(bms_attr "${f}_available")" | grep -vx "$old" | head -n 1)
	listen poll 2 "$(bms_attr "$f")"
	bms_put "$f" "$new"
	wait
	check_eq "a change wakes poll() on $f ($old -> $new)" woken "$(cat "$TMPDIR/events.$$")"
	bms_put "$f" "$old"
done
# soft_switch off took System+ away; on again brings it back at the next
# evaluation, and that sends a uevent of its own, which must not land in
# the uevent counts below.  Wait for the gates, then for one evaluation
# more: the one that put them back has reported by then.  (Not board_rest:
# its reset would undo the settings the checks below rely on.)
wait_eq "... and the gates come back with soft_switch on" "$gates_before" 5 gates
wait_quiet_loops "$(bms_loops)"

# The charge limit: its own file and the power_supply property that shows it.
listen poll 2 "$(bms_attr charge_limit)"
bms_put charge_limit 14300000
wait
check_eq "a change wakes poll() on charge_limit" woken "$(cat "$TMPDIR/events.$$")"
listen poll 2 "$(bms_attr constant_charge_voltage_max)"
bms_put charge_limit 14400000
wait
check_eq "a change wakes poll() on constant_charge_voltage_max" woken \
	"$(cat "$TMPDIR/events.$$")"

listen poll 1 "$(bms_attr fuse_rating)"
bms_put fuse_rating 80A
wait
check_eq "writing the value in force wakes nobody" timeout "$(cat "$TMPDIR/events.$$")"

listen uevents 1.5 "/$psy"
bms_put remote_function alternator-only
wait
check_eq "a change sends one change uevent for $psy" 1 \
	"$(grep -c "^change .*/$psy\$" "$TMPDIR/events.$$")"

listen uevents 1.5 "/$psy"
bms_put remote_function alternator-only
wait
check_eq "writing the value in force sends no uevent" 0 \
	"$(grep -c "^change .*/$psy\$" "$TMPDIR/events.$$")"

listen poll 2 "$(bms_attr remote_function)"
bms_put reset 1
wait
check_eq "reset wakes poll() on the settings it changed" woken "$(cat "$TMPDIR/events.$$")"

finish
