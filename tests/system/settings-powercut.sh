#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A power cut at every byte of a settings save (issue 21).  The EEPROM's
# cut_after (tests/lib/board.sh eeprom_cut: sim-nvmem's, or the AT24C02
# model's on the i2c board) makes the chip store only N more bytes and then
# fail every access, as on a board whose supply went.
# For every N from 0 to the whole cell, from the same starting image: the
# save is cut after N bytes, the EEPROM is powered up again and the BMS
# probes afresh from the image the cut left (unbind and bind: at probe the
# image is all the BMS has).  The settings then in force must be exactly
# the old set or exactly the new one, with no E-B31: the old one until the
# whole record is stored.  Three times: with the version 1 record of older
# drivers in slot A (the first save after an upgrade), and with each slot
# of the journal in force.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"
# shellcheck source=tests/lib/faults.sh
. "$SMARTBMS_TOP/tests/lib/faults.sh"

mark=settings-powercut
kmsg_mark "$mark"
# The chip's contents as the bench loads them (sim-nvmem's nvmem file, the
# AT24C02 model's contents on the i2c board).
eeprom=$EEPROM_IMAGE
has_code() { case " $(bms_get codes) " in *" $1 "*) echo 1 ;; *) echo 0 ;; esac; }

# cell_size NAME: a cell's size in bytes, from the live devicetree.
cell_size() {
	local c
	read -r -a c < <(cell_reg "$1")
	echo "${c[1]}"
}

# The bytes of a journal slot that are the record (magic, version, length,
# sequence number, settings, CRC: SMARTBMS_SETTINGS_SLOT_SIZE); the rest of
# the cell is padding that no probe reads.
record=24

# probe: bind the BMS and wait for its first evaluation, which decides
# the codes.
probe() {
	local i
	bms_rebind
	for ((i = 0; i < 100; i++)); do
		[ "$(bms_loops 2>/dev/null || echo 0)" -gt 0 ] && return 0
		sleep 0.05
	done
}

# restore IMAGE: the EEPROM as IMAGE has it, and the BMS probed from it.
restore() {
	bms_unbind
	cat "$1" >"$eeprom"
	probe
}

# sweep WHAT IMAGE: from IMAGE, cut the save of fuse 80A after every byte.
sweep() {
	local what=$1 image=$2 n m old new got want bad=0 stored before saved
	restore "$image"
	old=$(bms_settings)
	check_eq "$what: the old set is in force, with no E-B31" 0 "$(has_code E-B31)"
	bms_put fuse_rating 80A
	new=$(bms_settings)
	check "$what: the new set differs from the old" test "$new" != "$old"
	m=$(cell_size settings-b)
	restore "$image"
	for ((n = 0; n <= m; n++)); do
		before=$(eeprom_written)
		eeprom_cut "$n"
		# The cut save fails (the EEPROM went with the power), and the
		# writer is told.
		saved=0
		bms_put fuse_rating 80A 2>/dev/null && saved=1
		stored=$(($(eeprom_written) - before))
		eeprom_power_up
		bms_unbind
		probe
		got=$(bms_settings)
		want=old
		[ "$n" -ge "$record" ] && want=new
		if [ "$saved" = 1 ]; then
			fail "power cut at byte $n of $m ($what): the cut save reported success"
			bad=$((bad + 1))
		elif [ "$(has_code E-B31)" = 1 ]; then
			fail "power cut at byte $n of $m ($what): E-B31, $got"
			bad=$((bad + 1))
		elif [ "$got" = "$old" ] && [ $want = old ]; then
			pass "power cut at byte $n of $m ($what): the old settings, $stored bytes stored, the save failed"
		elif [ "$got" = "$new" ] && [ $want = new ]; then
			pass "power cut at byte $n of $m ($what): the new settings, $stored bytes stored, the save failed"
		else
			fail "power cut at byte $n of $m ($what): expected the $want settings, got $got"
			bad=$((bad + 1))
		fi
		# The next cut starts from IMAGE again.  A BMS that probed the
		# old set from the torn image holds what it would hold from
		# IMAGE (the same slot in force, the same sequence number): only
		# the EEPROM needs its bytes back, which saves a probe.
		if [ "$got" = "$old" ] && [ "$(has_code E-B31)" = 0 ]; then
			cat "$image" >"$eeprom"
		else
			restore "$image"
		fi
	done
	check_eq "$what: $((m + 1)) cuts, none lost the settings" 0 "$bad"
}

board_rest
dd if="$eeprom" of="$TMPDIR/start.img" status=none

# 1. The upgrade: slot A holds a version 1 record (mk-nvmem.py writes one),
# slot B is blank.
python3 "$SMARTBMS_TOP/tests/board/mk-nvmem.py" "$TMPDIR/v1.img"
sweep "v1 upgrade" "$TMPDIR/v1.img"

# 2. Journalled, slot A in force: two saves from the upgrade, so both
# slots hold version 2 slots and the cut save goes to B.
restore "$TMPDIR/v1.img"
bms_put fuse_rating 100A
bms_put prealarm_output intermittent
dd if="$eeprom" of="$TMPDIR/v2a.img" status=none
sweep "journal, A in force" "$TMPDIR/v2a.img"

# 3. Slot B in force: one save more, so the cut save goes to A.
restore "$TMPDIR/v2a.img"
bms_put remote_function alternator-only
dd if="$eeprom" of="$TMPDIR/v2b.img" status=none
sweep "journal, B in force" "$TMPDIR/v2b.img"

restore "$TMPDIR/start.img"
check "the board comes back to rest" board_rest
check_no_splat "power cuts: no warning, BUG, lockdep, KASAN or UBSAN report" "$mark"

finish
