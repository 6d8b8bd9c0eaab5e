#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, inside the guest (tests/uml/init.sh, mode bench; the host
# side is tests/bench/run.sh).  Each section leaves its raw data in
# $SMARTBMS_OUT/bench/: kernel traces (tracefs, clock "mono"; the trips' as
# trace-cmd files, whose timestamps keep the nanoseconds that tracefs's text
# drops) and JSON from tests/bench/guest.py.  tests/bench/report.py turns them into the table.
# Sizes come from $SMARTBMS_OUT/../config.sh when run.sh wrote one.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

N_TRIP=2000 N_BLOCKS=4 N_WAKE=200 T_TIMERS=200 T_IDLE=60 N_TOOL=100
conf=$SMARTBMS_OUT/../config.sh
# shellcheck source=/dev/null
[ -f "$conf" ] && . "$conf"

data=$SMARTBMS_OUT/bench
mkdir -p "$data"
T=/sys/kernel/tracing
mountpoint -q "$T" || mount -t tracefs tracefs "$T"
py() { python3 "$SMARTBMS_TOP/tests/bench/guest.py" "$@"; }
say() { echo "bench: $*"; }
irq_of() { awk -v l="$1" '$NF == l { sub(":", "", $1); print $1 }' /proc/interrupts; }
node=$(basename "$(readlink -f "$BMS_PSY/device")")
drv=/sys/bus/platform/drivers/smartbms

# What guest.py needs, resolved once by board.sh.
export BENCH_DEBUGFS=$BMS_DEBUGFS BENCH_PSY=$BMS_PSY
BENCH_GATE_DIRS="" BENCH_GATE_LOW=""
for g in $BMS_OUTPUTS; do
	BENCH_GATE_DIRS="$BENCH_GATE_DIRS ${LINE_DIR[$g]}"
	BENCH_GATE_LOW="$BENCH_GATE_LOW ${LINE_LOW[$g]}"
done
export BENCH_GATE_DIRS BENCH_GATE_LOW
BENCH_ADC_BATTERY=$(adc_chan battery)
export BENCH_ADC_BATTERY
export BENCH_DISCHARGE_PULL=${LINE_DIR[discharge-allowed]}/pull
if [ "${LINE_LOW[discharge-allowed]}" = 1 ]; then
	export BENCH_DISCHARGE_HIGH=pull-down BENCH_DISCHARGE_LOW=pull-up
else
	export BENCH_DISCHARGE_HIGH=pull-up BENCH_DISCHARGE_LOW=pull-down
fi

# trace_start EVENT...: a fresh trace of just these events.
trace_start() {
	local e
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/enable"
	echo >"$T/set_event_pid"
	echo mono >"$T/trace_clock"
	echo 16384 >"$T/buffer_size_kb"
	: >"$T/trace"
	for e in "$@"; do
		echo 1 >"$T/events/$e/enable"
	done
	echo 1 >"$T/tracing_on"
}
# trace_save NAME
trace_save() {
	echo 0 >"$T/tracing_on"
	cat "$T/trace" >"$data/$1.trace"
	echo 0 >"$T/events/enable"
	: >"$T/trace"
}
# trace_save_dat NAME: the same as a trace-cmd file (run.sh prints it).
# A trace that cannot be saved ends the bench: its figures would be missing.
trace_save_dat() {
	echo 0 >"$T/tracing_on"
	if ! trace-cmd extract -o "$data/$1.dat" >/dev/null; then
		say "trace-cmd extract failed for $1: stopping"
		load_off
		exit 1
	fi
	echo 0 >"$T/events/enable"
	: >"$T/trace"
}
# The board's gate numbers, for the traces.
grep -E '^ gpio-[0-9]+ ' /sys/kernel/debug/gpio >"$data/gpio.txt"

unbind() { echo "$node" >"$drv/unbind"; }
rebind() {
	echo "$node" >"$drv/bind"
	BMS_PSY=$(bms_supply battery)
	board_rest
}

# A busy userspace load: two spinning shells (the guest has one CPU).
load_pids=()
load_on() { local _; for _ in 1 2; do bash -c 'while :; do :; done' & load_pids+=($!); done; }
load_off() { kill "${load_pids[@]}" 2>/dev/null; wait "${load_pids[@]}" 2>/dev/null; load_pids=(); }

engine_running() { adc_set alternator 14.0V; wait_quiet alternator-enable 1 5; }

# --- 1. trip latency, beside the floor ------------------------------------
# The floor runs beside the driver, on lines of its own that its module
# adds, and the two take turns edge by edge: one into the floor, one into
# the driver, each after the same quiet time.  So both meet the machine in
# the same moments and at the same pace: the stalls of this machine come
# in bursts of a second or two, and in runs 8-13 edges that caught one came
# at a steady rate per second whatever their pace (see the performance page), so
# blocks of either alone, or edges at different paces, would not meet the
# same share.  The cases take turns in blocks as well.  A trip ends where
# the simulated gate chip takes the write (smartbms_sim_gate_write), not at
# gpiolib's gpio:gpio_value, which traces each line of an array write
# before the chip writes them together: a trip's two or three lines would
# put one or two extra trace events inside the measured time that the
# floor's one line does not have, so that the bench would measure its own
# probes.  For comparison with the runs before that end, a second, shorter
# pass ends at gpiolib's last gpio:gpio_value of the handler, as they did
# (files "tripg-*"; report.py prints it beside, not as a target).
# A short circuit holds System+ off for the product's 10 s retry, and three
# within 60 s latch: the bench moves the driver's clock past both after each
# of its edges (debugfs clock_skip_ms), so it gets as many edges as the
# others, taken the same way.
SC_SKIP=60001
trip_end() {	# chip|gpiolib
	case $1 in
	chip) pfx=trip
		trip_events="irq/irq_handler_entry irq/irq_handler_exit smartbms_sim_gate/smartbms_sim_gate_write" ;;
	gpiolib) pfx=tripg
		trip_events="irq/irq_handler_entry irq/irq_handler_exit gpio/gpio_value" ;;
	esac
}
trip_case() {	# NAME LINE COUNT [--skip MS]: the floor's edges in turn
	local name=$1 line=$2 n=$3 irq rest
	shift 3
	board_rest
	engine_running
	rest=$(gates)
	irq=$(irq_of "$line")
	echo "irq == $irq || irq == $floor_irq" >"$T/events/irq/filter"
	# shellcheck disable=SC2086 # one word per event
	trace_start $trip_events
	# SCHED_FIFO: under the spinning shells a normal task's wake-up waits
	# for a tick, by how long depending on what came before, and the edges
	# just after a tick stall more; so every edge comes after its quiet
	# time instead, the floor's and the driver's alike.
	chrt -f 10 python3 "$SMARTBMS_TOP/tests/bench/guest.py" trips "$irq" "$n" "$rest" \
		--floor-irq "$floor_irq" "$@" >>"$data/$pfx-$name-$load.json"
	trace_save_dat "$pfx-$name-$load-$block"
	echo 0 >"$T/events/irq/filter"
}

insmod "$SMARTBMS_MODDIR/tests/bench/smartbms-bench-floor.ko" ||
	{ say "smartbms-bench-floor.ko did not load: stopping"; exit 1; }
for _ in 1 2 3 4 5 6 7 8 9 10; do	# its probe may have been deferred
	floor_irq=$(irq_of smartbms-bench-floor)
	[ -n "$floor_irq" ] && break
	sleep 0.2
done
[ -n "$floor_irq" ] || { say "the floor has no interrupt: stopping"; exit 1; }
for load in unloaded loaded; do
	[ "$load" = loaded ] && load_on
	for end in chip gpiolib; do
		trip_end "$end"
		blocks=$N_BLOCKS
		[ "$end" = gpiolib ] && blocks=$(((N_BLOCKS + 1) / 2))
		for ((block = 1; block <= blocks; block++)); do
			trip_case charge-allowed charge-allowed $((N_TRIP / N_BLOCKS))
			trip_case remote remote $((N_TRIP / N_BLOCKS))
			trip_case short-circuit short-circuit $((N_TRIP / N_BLOCKS)) --skip "$SC_SKIP"
		done
	done
	[ "$load" = loaded ] && load_off
	say "trips ($load): done"
done
rmmod smartbms-bench-floor
[ "${ONLY:-}" = trips ] && { say "done"; exit 0; }

# --- 2. edge to userspace ---------------------------------------------------
board_rest
echo "irq == $(irq_of charge-allowed)" >"$T/events/irq/filter"
trace_start irq/irq_handler_entry
py wakeup "$(irq_of charge-allowed)" "$N_WAKE" "$(gates)" >"$data/wakeup.json"
trace_save wakeup
echo 0 >"$T/events/irq/filter"
say "edge to userspace: done"

# --- 3. timer accuracy --------------------------------------------------------
board_rest
trace_start gpio/gpio_value
py timers "$T_TIMERS" >"$data/timers.json"
trace_save timers
say "timers: $(cat "$data/timers.json")"

# --- 4. idle cost -------------------------------------------------------------
idle() {	# NAME
	sleep 2
	trace_start workqueue/workqueue_execute_start workqueue/workqueue_execute_end \
		timer/timer_expire_entry
	sleep "$T_IDLE"
	trace_save "idle-$1"
}
board_rest
idle rest
adc_set alternator 14.0V
adc_set alternator-current 20A
adc_set battery 13.4V
wait_quiet alternator-enable 1 5
idle charging
board_rest
unbind
insmod "$SMARTBMS_MODDIR/tests/bench/smartbms-bench-poll.ko"
idle reference
rmmod smartbms-bench-poll
rebind
say "idle: done"

# --- 5. tool cost -------------------------------------------------------------
bmsctl=$SMARTBMS_TOP/build/bmsctl/bmsctl
board_rest
py tool "$N_TOOL" cat "$BMS_PSY/uevent" >"$data/tool-cat.json"
py tool "$N_TOOL" "$bmsctl" status >"$data/tool-status.json"
py tool "$N_TOOL" "$bmsctl" status --json >"$data/tool-status-json.json"
say "tool: done"

# --- 6. memory one bound device allocates -----------------------------------
# bind_traced NAME DRIVER-DIR DEVICE: bind, with the binding task's
# allocations and frees traced (report.py keeps what it still holds).
bind_traced() {
	trace_start kmem/kmalloc kmem/kmem_cache_alloc kmem/kfree kmem/kmem_cache_free \
		kmem/mm_page_alloc kmem/mm_page_free
	bash -c 'echo $$ >'"$T"'/set_event_pid; echo '"$3"' >'"$2"'/bind'
	trace_save "$1"
}
unbind
bind_traced bind "$drv" "$node"
BMS_PSY=$(bms_supply battery)
board_rest

# The reference: generic-adc-battery from the same tree, on the node that
# smartbms-bench-adcbat.ko adds (its channels: the battery's voltage and
# System+ current).  Bound once as it loads, then again traced.
gab=/sys/bus/platform/drivers/generic-adc-battery gab_dev=smartbms-bench-adc-battery
if ! insmod "$BENCH_KDIR/drivers/power/supply/generic-adc-battery.ko"; then
	say "generic-adc-battery.ko did not load: no reference for the bound memory"
elif ! insmod "$SMARTBMS_MODDIR/tests/bench/smartbms-bench-adcbat.ko"; then
	say "smartbms-bench-adcbat.ko did not load: no reference for the bound memory"
	rmmod generic-adc-battery
else
	if [ -e "$gab/$gab_dev" ]; then
		echo "$gab_dev" >"$gab/unbind"
		bind_traced bind-adc-battery "$gab" "$gab_dev"
	else
		say "generic-adc-battery did not bind $gab_dev: no reference for the bound memory"
	fi
	rmmod smartbms-bench-adcbat
	rmmod generic-adc-battery
fi
say "done"
