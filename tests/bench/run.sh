#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build what the bench needs, boot the simulated board in
# bench mode (never time-travel: the guest's clock is real time), and print
# the table tests/bench/report.py makes of what the guest measured.  The
# table goes to build/bench/bench.txt and build/bench/bench.json, the raw
# traces stay in build/bench/guest/bench/.  About 15 minutes; not part of
# `make check`.  The guest runs the benchmark kernel, configured as a product
# would be: without make check's KASAN, lockdep and the like
# (tests/bench/uml-bench.config; built once, a few minutes).
#
# Environment: SMARTBMS_CACHE (kernel cache); SMARTBMS_BENCH_QUICK=1 for a
# short run with small samples (to try the bench itself, not for figures);
# SMARTBMS_BENCH_ONLY=trips for the trip latencies alone (about 10 minutes).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
kdir=$cache/linux-6.12-bench
out=$top/build/bench

"$top/tests/uml/setup.sh"
"$top/tests/uml/setup.sh" --bench-kernel
make -s -C "$top/tools/bmsctl" O="$top/build/bmsctl" >/dev/null
"$top/tests/uml/build-modules.sh" "$kdir" "$top/build/um-bench" ARCH=um SMARTBMS_TESTS=y

rm -rf "$out"
mkdir -p "$out"
if [ -n "${SMARTBMS_BENCH_QUICK:-}" ]; then
	t_idle=5
	echo "N_TRIP=100 N_BLOCKS=2 N_WAKE=20 T_TIMERS=45 T_IDLE=$t_idle N_TOOL=10" >"$out/config.sh"
else
	t_idle=60
	echo "N_TRIP=2000 N_BLOCKS=4 N_WAKE=200 T_TIMERS=130 T_IDLE=$t_idle N_TOOL=100" >"$out/config.sh"
fi
printf 'BENCH_KDIR=%q\n' "$kdir" >>"$out/config.sh"
minutes=15
case ${SMARTBMS_BENCH_ONLY:-} in
"") ;;
trips) echo "ONLY=trips" >>"$out/config.sh"; minutes=10 ;;
*) echo "bench: SMARTBMS_BENCH_ONLY: only \"trips\" is known" >&2; exit 2 ;;
esac
# A quick run's length was never measured: no estimate rather than a wrong one.
[ -z "${SMARTBMS_BENCH_QUICK:-}" ] || minutes=""

# The machine, and what else ran on it meanwhile: another make check (the
# load average), or, on a virtual machine, the hypervisor running something
# else on our CPUs (steal time, the 8th figure of /proc/stat's "cpu" line).
steal_ticks() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
{
	echo "host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"
steal0=$(steal_ticks)
start=$(date +%s)

echo "bench: booting the simulated board${minutes:+ (about $minutes minutes)}" >&2
"$top/tests/uml/boot.sh" --out "$out/guest" --moddir "$top/build/um-bench" --mode bench \
	--kernel "$kdir" \
	--timeout 1500 --loglevel 1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
awk -v t0="$steal0" -v t1="$(steal_ticks)" -v hz="$(getconf CLK_TCK)" \
	-v s="$(($(date +%s) - start))" -v n="$(nproc)" 'BEGIN {
	st = (t1 - t0) / hz
	printf "steal time (the hypervisor): %.2f s over %d s on %d CPUs (%.2f %%)\n",
		st, s, n, s ? 100 * st / (s * n) : 0 }' >>"$out/machine.txt"

cat "$out/machine.txt"
if [ -f "$out/guest/timeout" ] || [ ! -f "$out/guest/done" ]; then
	echo "bench: the guest did not finish (see $out/guest)" >&2
	exit 1
fi
if grep -q '^not ok bench' "$out/guest/results" 2>/dev/null; then
	echo "bench: $(grep -m1 '^not ok bench' "$out/guest/results") (see $out/guest/bench.log)" >&2
	exit 1
fi
# The trips' traces, with their nanoseconds; trace-cmd's warnings to a log.
log=$out/trace-cmd.log
: >"$log"
for f in "$out"/guest/bench/trip-*.dat "$out"/guest/bench/tripg-*.dat; do
	[ -e "$f" ] || continue
	echo "== $f" >>"$log"
	trace-cmd report -t -i "$f" >"${f%.dat}.trace" 2>>"$log" ||
		{ echo "bench: trace-cmd report failed for $f (see $log)" >&2; exit 1; }
done
BENCH_ONLY=${SMARTBMS_BENCH_ONLY:-} BENCH_T_IDLE=$t_idle \
	python3 "$top/tests/bench/report.py" "$out/guest" "$kdir" "$top/build/um-bench" "$out"
