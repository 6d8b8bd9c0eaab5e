#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule 7, the 30 s lead, on the gates themselves.  Manual 2.2: the
# pre-alarm output "will trip with a minimum delay of 30 seconds before the
# Load disconnect output is disabled due to cell undervoltage", whatever
# raised it.  The battery's own pre-alarm comes 5 s before discharge-allowed
# falls: the load disconnect and System+ discharge gates must not fall
# until 30 s after the pre-alarm gate rose, in both output modes; with the
# pre-alarm usage "not available" the lead counts from the fall.
#
# The simulated gate chip traces every write it takes
# (smartbms_sim_gate:smartbms_sim_gate_write), with the trace clock "mono":
# the driver's clock, but for what debugfs clock_skip_ms moved that ahead.
# The test moves it over the waits, so that the lead costs a second of real
# time, not 30, and marks each move in the trace (trace_marker): a gate's
# time on the driver's clock is its trace time plus the moves marked before
# it, in the whole milliseconds the driver counts.  A mark follows its
# move, so a write between the two counts as earlier than it was, which can
# only make a lead look shorter.  The last second before the cut is not
# skipped: the loop's own timer ends the lead.

# On the i2c board the pre-alarm output is on the PCA9555: its writes are
# the mainline i2c core's i2c:i2c_write events (address, output port
# register, value; 7.3.2 of the datasheet), on the same trace clock.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

T=/sys/kernel/tracing
mountpoint -q "$T" || mount -t tracefs tracefs "$T" || die "no tracefs"
skip=$(bms_debugfs)/clock_skip_ms
event=smartbms_sim_gate/smartbms_sim_gate_write
[ -e "$T/events/$event/enable" ] || die "no $event event (is smartbms-sim-gate loaded?)"

# The gates' chip and lines, as the trace names them (chip label, offset).
chip=$(basename "$(dirname "${LINE_DIR[load-disconnect]}")")
offset() { echo "${LINE_DIR[$1]##*sim_gpio}"; }
# The pre-alarm on the expander: its I2C address (as i2c_write prints it)
# and pin; exp_addr stays empty on the simulated board.
exp_addr='' exp_pin=0 events=$event
if [[ ${LINE_DIR[prealarm]} == exp:* ]]; then
	exp_pin=${LINE_DIR[prealarm]##*:}
	exp_node=${LINE_DIR[prealarm]#exp:}
	exp_node=${exp_node%:*}
	exp_node=${exp_node##*/}
	exp_addr=$(printf '%03x' "0x${exp_node##*@}")
	events="$event i2c/i2c_write"
fi

trace_start() {
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/enable"
	echo mono >"$T/trace_clock"
	: >"$T/trace"
	for e in $events; do echo 1 >"$T/events/$e/enable"; done
	echo 1 >"$T/tracing_on"
}
trace_stop() {
	echo 0 >"$T/tracing_on"
	for e in $events; do echo 0 >"$T/events/$e/enable"; done
}

# mark WHAT: a marker with the clock's total move so far; marked_us is
# when, by bash's clock (only differences of it are used).
mark() {
	local total
	read -r total <"$skip"
	echo "prealarm-lead $1 $total" >"$T/trace_marker"
	marked_us=${EPOCHREALTIME/./}
}
skip_by() { echo "$1" >"$skip" && mark skip; }

# lead_times: from the trace so far, on the driver's clock in microseconds:
# "RISE LOAD-FALL DISCHARGE-FALL PREALARM-FELL NOW": when the pre-alarm gate
# first rose, when the load disconnect and System+ discharge gates first
# fell (-1: not yet), whether the pre-alarm gate fell in between, and the
# last "now" mark.
lead_times() {
	awk -v chip="$chip" -v exp_addr="$exp_addr" -v exp_pin="$exp_pin" \
	    -v pa="$(offset prealarm)" -v pa_low="${LINE_LOW[prealarm]}" \
	    -v ld="$(offset load-disconnect)" -v ld_low="${LINE_LOW[load-disconnect]}" \
	    -v sd="$(offset system-discharge-enable)" \
	    -v sd_low="${LINE_LOW[system-discharge-enable]}" '
	function hex(s, i, n) {
		s = tolower(s); sub(/^0x/, "", s); n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	function bit(v, o) { return int(v / 2 ^ o) % 2 }
	# The logical level a write gives line O (-1: not written).
	function level(o, low) { return bit(mask, o) ? (bit(bits, o) + low) % 2 : -1 }
	BEGIN { rise = ldf = sdf = now = -1; fell = 0; was_pa = 0; was_ld = was_sd = 1 }
	{
		ts = -1
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1); break }
		if (ts < 0)
			next
		us = ts * 1000000
	}
	/tracing_mark_write: prealarm-lead / {
		moved = $NF * 1000
		if ($(NF - 1) == "now")
			now = us + moved
		next
	}
	# The pre-alarm pin on the expander: a write of its output port.
	exp_addr != "" && /i2c_write:/ && index($0, " a=" exp_addr " ") {
		if (!match($0, /\[[0-9a-f]+-[0-9a-f]+\]/))
			next
		split(substr($0, RSTART + 1, RLENGTH - 2), b, "-")
		if (hex(b[1]) != 2 + int(exp_pin / 8))
			next
		v = (bit(hex(b[2]), exp_pin % 8) + pa_low) % 2
		t = us + moved
		if (v == 1 && was_pa == 0 && rise < 0) rise = t
		if (v == 0 && was_pa == 1 && rise >= 0 && ldf < 0) fell = 1
		was_pa = v
		next
	}
	/smartbms_sim_gate_write:/ {
		c = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^chip=/) c = substr($i, 6)
			else if ($i ~ /^mask=/) mask = hex(substr($i, 6))
			else if ($i ~ /^bits=/) bits = hex(substr($i, 6))
		}
		if (c != chip)
			next
		t = us + moved
		v = exp_addr == "" ? level(pa, pa_low) : -1
		if (v == 1 && was_pa == 0 && rise < 0) rise = t
		if (v == 0 && was_pa == 1 && rise >= 0 && ldf < 0) fell = 1
		if (v >= 0) was_pa = v
		v = level(ld, ld_low)
		if (v == 0 && was_ld == 1 && ldf < 0) ldf = t
		if (v >= 0) was_ld = v
		v = level(sd, sd_low)
		if (v == 0 && was_sd == 1 && sdf < 0) sdf = t
		if (v >= 0) was_sd = v
	}
	END { printf "%.0f %.0f %.0f %d %.0f\n", rise, ldf, sdf, fell, now }' "$T/trace"
}

# lead MODE USAGE
lead() {
	local what="$1, $2" rise ldf sdf fell now n left i
	board_rest
	adc_set battery 12.8V
	bms_put prealarm_output "$1"
	bms_put prealarm_usage "$2"
	sleep 0.2
	trace_start
	mark start

	line_set battery-prealarm 1
	if [ "$2" = use ]; then
		wait_eq "$what: the battery's pre-alarm raises W-B12" W-B12 3 bms_get codes
	else
		sleep 0.5
		check_eq "$what: the battery's pre-alarm line is ignored" "" "$(bms_get codes)"
	fi
	skip_by 5000

	n=$(bms_loops)
	line_set discharge-allowed 0
	for ((i = 0; i < 60 && $(bms_loops) <= n; i++)); do
		sleep 0.05
	done
	sleep 0.2
	check_eq "$what: discharge-allowed low 5 s after the battery's pre-alarm: loads still on" \
		1 "$(line_get load-disconnect)"
	check_eq "$what: ... W-B12 and no A-B11 yet" W-B12 "$(bms_get codes)"

	# To a second before the lead's end, on the driver's clock: the
	# trace's time of the mark, and what has passed since by bash's clock.
	mark now
	read -r rise _ _ _ now < <(lead_times)
	if [ "$rise" -ge 0 ] && [ "$now" -ge 0 ]; then
		left=$(((rise + 30001000 - now - (${EPOCHREALTIME/./} - marked_us)) / 1000))
		[ "$left" -gt 1500 ] && skip_by $((left - 1000))
	fi
	wait_eq "$what: the load disconnect falls at the lead's end" 0 5 line_get load-disconnect
	wait_eq "$what: System+ discharge off" 0 2 line_get system-discharge-enable
	wait_eq "$what: A-B11 with W-B12" "A-B11 W-B12" 2 bms_get codes
	trace_stop
	[ -n "${SMARTBMS_OUT:-}" ] && cp "$T/trace" "$SMARTBMS_OUT/system/prealarm-lead-$1-$2.trace"

	read -r rise ldf sdf fell now < <(lead_times)
	if [ "$rise" -lt 0 ] || [ "$ldf" -lt 0 ] || [ "$sdf" -lt 0 ]; then
		fail "$what: the trace lacks the gates' edges (rise $rise, falls $ldf $sdf)"
		return
	fi
	# In the driver's whole milliseconds: the lead counts from the sample
	# that raised the pre-alarm, in the millisecond of its gate write.
	rise=$((rise / 1000)) ldf=$((ldf / 1000)) sdf=$((sdf / 1000))
	echo "# prealarm-lead: $what: pre-alarm gate to load disconnect gate:" \
	     "observed $((ldf - rise)) ms, specified at least 30000 ms"
	check "$what: the load disconnect fell $((ldf - rise)) ms after the pre-alarm rose" \
		test $((ldf - rise)) -ge 30000
	check "$what: System+ discharge fell $((sdf - rise)) ms after the pre-alarm rose" \
		test $((sdf - rise)) -ge 30000
	if [ "$1" = continuous ]; then
		check_eq "$what: the pre-alarm gate stayed on until the cut" 0 "$fell"
	fi
}

lead continuous use
lead intermittent use
lead continuous not-available
board_rest

finish
