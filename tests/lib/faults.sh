# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the fault, concurrency, hostile-input and permission tests
# (tests/system/faults-*.sh), sourced after tests/lib/board.sh.

KMEMLEAK=/sys/kernel/debug/kmemleak
BMS_DRIVER=/sys/bus/platform/drivers/smartbms

BMS_DEV=$(basename "$(readlink -f "$BMS_PSY/device")")

# The factory defaults as bms_settings prints them (this board presets no fuse).
BMS_DEFAULTS="fuse_rating=not-set prealarm_usage=use prealarm_output=continuous remote_function=alternator-and-system soft_switch=on constant_charge_voltage_max=14200000 "

bms_bound() { [ -e "/sys/bus/platform/devices/$BMS_DEV/driver" ]; }

# bms_rebind: bind the BMS if it is not, and refresh what board.sh found.
bms_rebind() {
	bms_bound || echo "$BMS_DEV" >"$BMS_DRIVER/bind" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		bms_bound && break
		sleep 0.05
	done
	BMS_PSY=$(bms_supply battery)
	resolve_adc
}

bms_unbind() { echo "$BMS_DEV" >"$BMS_DRIVER/unbind"; }

# kmemleak_check WHAT: scan for leaks (objects older than kmemleak's 5 s
# minimum age) and pass when there is none.
kmemleak_check() {
	[ -w "$KMEMLEAK" ] || { pass "$1: (kmemleak not available)"; return 0; }
	sleep 5
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	if [ -s "$KMEMLEAK" ]; then
		fail "$1: kmemleak reports $(grep -c '^unreferenced object' "$KMEMLEAK") leaks"
		sed 's/^/# /' "$KMEMLEAK" | head -60
	else
		pass "$1"
	fi
}

# splats_since MARK: kernel log lines after the line count MARK that look
# like a warning, BUG, lockdep, KASAN or UBSAN report.
dmesg_lines() { dmesg | wc -l; }
splats_since() {
	dmesg | tail -n +"$(($1 + 1))" |
		grep -E 'WARNING:|BUG:|kernel BUG at|Oops|UBSAN:|KASAN:|possible recursive locking|possible circular locking|inconsistent lock state|sleeping function called from invalid context|INFO: task .* blocked' |
		head -5
}
check_no_splat() {
	local s
	s=$(splats_since "$2")
	if [ -z "$s" ]; then
		pass "$1"
	else
		fail "$1: $s"
	fi
}
