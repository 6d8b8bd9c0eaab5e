#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Concurrency.  100 unbind/bind cycles of the BMS while edges storm every
# input line (tests/sim/smartbms-sim-storm.c), two processes write
# settings and one reads the status (sysfs and bmsctl status); each unbind
# leaves every gate off and each bind brings the BMS back.  Then an
# interrupt storm alone for 10 s.  Throughout, a sysfs read completes
# within a bound; the storms are reported in the kernel log; no lockdep,
# KASAN, UBSAN or atomic-sleep report; no leak.

. "$SMARTBMS_TOP/tests/lib/board.sh"
. "$SMARTBMS_TOP/tests/lib/faults.sh"

BMSCTL=$SMARTBMS_TOP/build/bmsctl/bmsctl
[ -x "$BMSCTL" ] || die "bmsctl is not built at $BMSCTL (tests/check.sh builds it)"
CYCLES=100
STORM_S=10
READ_BOUND_MS=5000
inject=/sys/kernel/debug/smartbms-sim-storm
flag=$TMPDIR/faults-concurrency.run
psy=$BMS_PSY

mark=faults-concurrency
kmsg_mark "$mark"
board_rest
irq_of() { awk -v l="$1" '$NF == l { sub(":", "", $1); print $1 }' /proc/interrupts; }
irqs=()
nested=0
for l in $BMS_INPUTS; do
	# smartbms-sim-storm runs a line's flow handler in hard interrupt
	# context, which a nested interrupt (a line on the i2c board's
	# expander, served from its driver's thread) must never see.
	if [[ ${LINE_DIR[$l]} == exp:* ]]; then
		nested=$((nested + 1))
		continue
	fi
	irqs+=("$(irq_of "$l")")
done
check "the ${#irqs[@]} input lines' interrupts found (and $nested on the expander)" \
	test $((${#irqs[@]} + nested)) -eq 5
# On a board whose gates sleep the trip path is threaded and oneshot: the
# interrupt stays masked while its thread runs, which contains a storm
# before the driver's own count could see one.
threaded=''
dmesg | grep -q 'trip path in a threaded handler' && threaded=1

# max_read_ms FILE SECONDS: the slowest of the reads of FILE made for
# SECONDS (a read that fails counts with its time too).
max_read_ms() {
	local end=$((SECONDS + $2)) max=0 t0 t1 d
	while [ $SECONDS -lt "$end" ]; do
		t0=$(date +%s%N)
		timeout 10 cat "$1" >/dev/null 2>&1
		t1=$(date +%s%N)
		d=$(((t1 - t0) / 1000000))
		[ "$d" -gt "$max" ] && max=$d
		sleep 0.1
	done
	echo "$max"
}

# --- the load -------------------------------------------------------------------

# nap SECONDS: a sleep without a fork (read times out on a pipe that
# nobody writes), to pace the writers so that they load the driver, not
# the guest's one CPU.
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }

: >"$flag"
pids=()
storm() {
	local i
	while [ -e "$flag" ]; do
		for i in "${irqs[@]}"; do
			echo "$i 300" >"$inject" 2>/dev/null
		done
		sleep 0.05
	done
}
writer() {
	local k=0 refused=0 v
	local -a files=(fuse_rating prealarm_output remote_function soft_switch
			prealarm_usage charge_limit)
	local -a vals=(125A 2x7.5A intermittent continuous alternator-only alternator-and-system
		       on on use not-available 14000000 14400000)
	while [ -e "$flag" ]; do
		v=$((RANDOM % 6))
		if printf '%s' "${vals[v * 2 + RANDOM % 2]}" 2>/dev/null >"$psy/${files[v]}"; then
			k=$((k + 1))
		else
			refused=$((refused + 1))	# unbound: the file is gone
		fi
		nap 0.005
	done
	echo "$k $refused" >"$TMPDIR/faults-writer.$1"
}
reader() {
	local k=0 crash=0 f rc
	while [ -e "$flag" ]; do
		for f in "$psy"/*; do
			[ -f "$f" ] && [ -r "$f" ] && { read -r _ <"$f"; } 2>/dev/null
		done
		"$BMSCTL" status >/dev/null 2>&1
		rc=$?
		[ "$rc" -gt 2 ] && crash=$((crash + 1))
		[ "$rc" -eq 0 ] && k=$((k + 1))
	done
	echo "$k $crash" >"$TMPDIR/faults-reader.$1"
}
storm & pids+=($!)
for w in 1 2; do writer "$w" & pids+=($!); done
reader 1 & pids+=($!)

cycles=0 safe=0 bound=0 slowest=0
for ((c = 0; c < CYCLES; c++)); do
	bms_unbind 2>/dev/null || true
	[ "$(gates)" = 000000 ] && safe=$((safe + 1))
	t0=$(date +%s%N)
	echo "$BMS_DEV" >"$BMS_DRIVER/bind" 2>/dev/null
	t1=$(date +%s%N)
	bms_bound && bound=$((bound + 1))
	d=$(((t1 - t0) / 1000000))
	[ "$d" -gt "$slowest" ] && slowest=$d
	cycles=$((cycles + 1))
done
bms_rebind
read_ms=$(max_read_ms "$BMS_PSY/codes" 3)

rm -f "$flag"
for p in "${pids[@]}"; do wait "$p"; done
writes=$(cat "$TMPDIR"/faults-writer.* | awk '{ s += $1 } END { print s + 0 }')
reads=$(cat "$TMPDIR"/faults-reader.* | awk '{ s += $1 } END { print s + 0 }')
crashes=$(cat "$TMPDIR"/faults-reader.* | awk '{ s += $2 } END { print s + 0 }')

check_eq "$cycles unbind/bind cycles under storms on ${#irqs[@]} lines, $writes settings writes and $reads status reads (bmsctl and sysfs) that succeeded: every unbind left every gate off" \
	"$cycles" "$safe"
check_eq "... every bind bound the BMS (slowest bind ${slowest} ms)" "$cycles" "$bound"
check_eq "... bmsctl status never crashed" 0 "$crashes"
check "... a sysfs read under the load took at most ${read_ms} ms (bound ${READ_BOUND_MS} ms)" \
	test "$read_ms" -le "$READ_BOUND_MS"
check "the board comes back to rest after the cycles" board_rest

# --- an interrupt storm alone ---------------------------------------------------

storms_total() { awk '$4 == "storms" { s += $5 } END { print s + 0 }' "$(bms_debugfs)/counters"; }
edges_total() { awk '$2 == "edges" { s += $3 } END { print s + 0 }' "$(bms_debugfs)/counters"; }
kmsg_mark faults-storm-alone
before_storms=$(storms_total)
before_edges=$(edges_total)
loops=$(bms_loops)
: >"$flag"
storm & spid=$!
read_ms=$(max_read_ms "$BMS_PSY/codes" "$STORM_S")
rm -f "$flag"
wait "$spid"
edges=$(($(edges_total) - before_edges))
storms=$(($(storms_total) - before_storms))
if [ -z "$threaded" ]; then
	check "a ${STORM_S} s interrupt storm on ${#irqs[@]} lines: $edges edges, $storms storms counted" \
		test "$storms" -ge 5
else
	check "a ${STORM_S} s interrupt storm on ${#irqs[@]} lines, threaded: $edges edges served, each line masked while served" \
		test "$edges" -gt 0
fi
check "... the loop kept evaluating ($(($(bms_loops) - loops)) evaluations)" \
	test "$(bms_loops)" -gt "$loops"
check "... a sysfs read took at most ${read_ms} ms (bound ${READ_BOUND_MS} ms)" \
	test "$read_ms" -le "$READ_BOUND_MS"
[ -n "$threaded" ] ||
	check "... the storm is reported in the kernel log" \
		eval "since_mark faults-storm-alone | grep -q 'interrupt storm on'"
check "the board comes back to rest after the storm" board_rest

check_no_splat "concurrency: no lockdep, KASAN, UBSAN, atomic-sleep or other report" "$mark"
kmemleak_check "concurrency: kmemleak finds no leak"

finish
