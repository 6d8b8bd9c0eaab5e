# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the fault, concurrency, hostile-input and permission tests
# (tests/system/faults-*.sh), sourced after tests/lib/board.sh.

KMEMLEAK=/sys/kernel/debug/kmemleak
BMS_DRIVER=/sys/bus/platform/drivers/smartbms

BMS_DEV=$(basename "$(readlink -f "$BMS_PSY/device")")

# The factory defaults as bms_settings prints them; the fuse is the
# devicetree's preset, if any (the i2c board's, as the Raspberry Pi's).
# shellcheck disable=SC2034 # used by the scripts that source this file
BMS_DEFAULTS="fuse_rating=$(bms_factory_fuse) prealarm_usage=use prealarm_output=continuous remote_function=alternator-and-system soft_switch=on charge_limit=14200000 constant_charge_voltage_max=14200000 "

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

# kmsg_mark NAME: from now on, copy the kernel log aside for since_mark
# (dmesg does not do: the load of these tests may wrap the ring).
declare -a KMSG_PIDS=()
trap '[ ${#KMSG_PIDS[@]} -eq 0 ] || kill "${KMSG_PIDS[@]}" 2>/dev/null' EXIT
kmsg_mark() {
	local i
	python3 "$SMARTBMS_TOP/tests/lib/kmsg-watch.py" "$TMPDIR/kmsg.$1" &
	KMSG_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -s "$TMPDIR/kmsg.$1" ] && return 0
		sleep 0.05
	done
}
# since_mark NAME: the kernel log since kmsg_mark NAME.
since_mark() { cat "$TMPDIR/kmsg.$1" 2>/dev/null; }

# check_no_splat WHAT MARK: no warning, BUG, lockdep, KASAN or UBSAN report
# in the kernel log since MARK (the host checks the whole console log too).
check_no_splat() {
	local s
	s=$(since_mark "$2" |
		grep -E 'WARNING:|BUG:|kernel BUG at|Oops|UBSAN:|KASAN:|possible recursive locking|possible circular locking|inconsistent lock state|sleeping function called from invalid context|INFO: task .* blocked' |
		head -5)
	if ! since_mark "$2" | grep -q '^# watching'; then
		fail "$1: the kernel log was not watched"
	elif [ -z "$s" ]; then
		pass "$1"
	else
		fail "$1: $s"
	fi
}
