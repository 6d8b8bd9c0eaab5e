#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the libFuzzer harnesses (tests/fuzz/Makefile) and run each in turn,
# one process at a time, for a bounded time.  Prints one result line per
# harness:
#   ok fuzz: <harness>: N runs in T s, corpus M (S seeds), E edges, 0 crashes
#   not ok fuzz: <harness>: <what> after N runs: <input> (reproduce: <command>)
# and exits non-zero if any harness failed.  `make check` runs it for 60 s
# a harness, `make fuzz` for FUZZ_TIME seconds (default 600).
#
# The corpora the fuzzers grow are kept in build/fuzz/corpus/<harness>/ from
# one run to the next, seeded from the committed tests/fuzz/corpus/<harness>/;
# crash, leak and timeout inputs go to build/fuzz/crashes/<harness>/, and
# each run's log to build/fuzz/<harness>.log.
#
# Usage: tests/fuzz/run.sh [--time SECONDS] [HARNESS...]
#   HARNESS: record, engine, bmsctl-values, bmsctl-load (default: all)

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz
secs=${FUZZ_TIME:-600}

while [ $# -gt 0 ]; do
	case $1 in
	--time) secs=$2; shift 2 ;;
	--time=*) secs=${1#--time=}; shift ;;
	-*) echo "usage: $0 [--time SECONDS] [HARNESS...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(record engine bmsctl-values bmsctl-load)

# The longest input worth trying, per harness.
max_len() {
	case $1 in
	record) echo 64 ;;
	bmsctl-values) echo 300 ;;
	*) echo 4096 ;;
	esac
}

mkdir -p "$out"
if ! make -s -C "$top/tests/fuzz" O="$out/bin" >"$out/build.log" 2>&1; then
	for h in "${harnesses[@]}"; do
		echo "not ok fuzz: $h: the harnesses do not build (build/fuzz/build.log)"
	done
	exit 1
fi

# A private directory for the harnesses' scratch files (bmsctl-load's fake
# sysfs tree), in memory where there is /dev/shm.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/smartbms-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

failed=0
for h in "${harnesses[@]}"; do
	bin=$out/bin/fuzz-$h
	seeds=$top/tests/fuzz/corpus/$h
	corpus=$out/corpus/$h
	crashes=$out/crashes/$h
	log=$out/$h.log
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "not ok fuzz: $h: no such harness or no seed corpus"
		failed=1
		continue
	fi
	# bmsctl's harnesses: the settings files' words, and comparison
	# operands as features (a number that wrapped still guides them).
	dict=()
	case $h in
	bmsctl-*) dict=(-dict="$top/tests/fuzz/bmsctl.dict" -use_value_profile=1) ;;
	esac
	rm -rf "$crashes"
	mkdir -p "$corpus" "$crashes"
	echo "fuzz: $h for $secs s" >&2
	# New inputs go to the first directory; the seeds are only read.
	TMPDIR=$tmp "$bin" -max_total_time="$secs" -max_len="$(max_len "$h")" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$crashes/" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	runs=${runs:-0}
	input=$(find "$crashes" -type f | head -n 1)
	if [ $rc -ne 0 ] || [ -n "$input" ]; then
		what=$(grep -m 1 -E 'invariant broken|ERROR: (AddressSanitizer|libFuzzer)|runtime error' \
			"$log" | sed 's/^==[0-9]*== *//')
		echo "not ok fuzz: $h: ${what:-exit status $rc} after $runs runs:" \
			"${input#"$top"/} (reproduce: build/fuzz/bin/fuzz-$h ${input#"$top"/}; log build/fuzz/$h.log)"
		failed=1
		continue
	fi
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	size=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$done_line")
	nseeds=$(find "$seeds" -type f | wc -l)
	echo "ok fuzz: $h: $runs runs in $secs s, corpus ${size:-?} ($nseeds seeds)," \
		"${edges:-?} edges, 0 crashes"
done
exit $failed
