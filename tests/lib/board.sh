# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for system tests on the simulated board, sourced by the scripts in
# tests/system/.  Lines and channels are found by name from the live
# devicetree and sysfs, never by number, and line polarity comes from the
# BMS node's *-gpios flags, so a test speaks in logical values as the
# driver does.
#
# Assertions print TAP-style lines that the guest's init collects:
#   ok - what was checked
#   not ok - what was checked: expected X, got Y

SMARTBMS_COMPATIBLE=victron,smart-bms-12-200
failures=0

# --- assertions -------------------------------------------------------------

pass() { printf 'ok - %s\n' "$1"; }
fail() { printf 'not ok - %s\n' "$1"; failures=$((failures + 1)); }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# check WHAT COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass "$what"
	else
		fail "$what: '$*' failed"
	fi
}

# check_fails WHAT COMMAND...: passes when the command fails.
check_fails() {
	local what=$1
	shift
	check "$what" not "$@"
}

not() { ! "$@"; }

# wait_eq WHAT EXPECTED SECONDS COMMAND...: passes as soon as the command
# prints EXPECTED, fails with the last value after SECONDS.
wait_eq() {
	local what=$1 want=$2 secs=$3 got start now
	shift 3
	start=$(date +%s%N)
	while :; do
		got=$("$@" 2>/dev/null)
		[ "$got" = "$want" ] && { pass "$what"; return 0; }
		now=$(date +%s%N)
		if [ $(((now - start) / 1000000)) -ge $((secs * 1000)) ]; then
			fail "$what: expected '$want', still '$got' after ${secs}s"
			return 1
		fi
		sleep 0.05
	done
}

# A test script ends with this: its exit status is its verdict.
finish() { exit $((failures > 0)); }

die() { fail "$*"; exit 1; }

# --- devicetree -------------------------------------------------------------

# dt_cells FILE: the big-endian 32-bit cells of a property, in decimal.
dt_cells() {
	local hex i
	hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
	for ((i = 0; i < ${#hex}; i += 8)); do
		printf '%d ' "0x${hex:i:8}"
	done
	echo
}

# bms_node: the BMS's node in /proc/device-tree.
bms_node() {
	local c
	for c in /proc/device-tree/*/compatible; do
		if tr '\0' '\n' <"$c" | grep -qx "$SMARTBMS_COMPATIBLE"; then
			echo "${c%/compatible}"
			return 0
		fi
	done
	return 1
}

# dt_node_by_phandle PHANDLE
dt_node_by_phandle() {
	local f
	while IFS= read -r f; do
		if [ "$(dt_cells "$f")" = "$1 " ]; then
			echo "${f%/phandle}"
			return 0
		fi
	done < <(find /proc/device-tree/ -name phandle)
	return 1
}

# bms_line NAME: "SYSFS-DIR ACTIVE-LOW" of the simulated line wired to the
# BMS's NAME-gpios, e.g. "/sys/devices/platform/gpio-sim-inputs/gpiochip0/sim_gpio3 0".
# A gpio-sim line's directory is on its bank's gpiochip, under the
# gpio-simulator device (the bank's parent node); a sim-gate line's is on
# the sim-gate device itself (the controller node).
bms_line() {
	local node prop cells bank dir
	node=$(bms_node) || { echo "no $SMARTBMS_COMPATIBLE node" >&2; return 1; }
	prop=$node/$1-gpios
	[ -e "$prop" ] || { echo "the BMS has no $1-gpios" >&2; return 1; }
	read -r -a cells < <(dt_cells "$prop")
	bank=$(dt_node_by_phandle "${cells[0]}") || return 1
	dir=/sys/devices/platform/${bank##*/}/sim_gpio${cells[1]}
	if [ ! -d "$dir" ]; then
		bank=${bank%/*}
		dir=$(echo /sys/devices/platform/"${bank##*/}"/gpiochip*/sim_gpio"${cells[1]}")
	fi
	printf '%s %d\n' "$dir" $((cells[2] & 1))
}

# --- inputs and outputs -----------------------------------------------------

# Every line is resolved once, when this file is sourced (see the end): the
# helpers run in command substitutions, where a cache would not survive,
# and forks are expensive in the guest.
declare -A LINE_DIR LINE_LOW ADC_CHAN

resolve_lines() {
	local name r
	for name in $BMS_OUTPUTS $BMS_INPUTS; do
		r=$(bms_line "$name") || continue
		LINE_DIR[$name]=${r% *}
		LINE_LOW[$name]=${r##* }
	done
}

resolve_adc() {
	local dev l label
	dev=$(adc_dev) || return 0
	for l in "$dev"/*_label; do
		read -r label <"$l"
		ADC_CHAN[$label]=${l%_label}
	done
}

# line_set NAME 0|1: drive an input line to a logical value (a real edge).
line_set() {
	local dir=${LINE_DIR[$1]:-} low=${LINE_LOW[$1]:-0} pull
	[ -n "$dir" ] || { echo "no line $1" >&2; return 1; }
	if [ $(($2 ^ low)) -eq 1 ]; then
		pull="pull-up"
	else
		pull="pull-down"
	fi
	echo "$pull" >"$dir/pull"
}

# line_get NAME: the logical value of a line (input or output).
line_get() {
	local dir=${LINE_DIR[$1]:-} v
	[ -n "$dir" ] || { echo "no line $1" >&2; return 1; }
	read -r v <"$dir/value" || return 1
	echo $((v ^ ${LINE_LOW[$1]}))
}

# line_irq_writes NAME: how many times an output on the simulated gate chip
# was written in hard interrupt context (fails for any other line).
line_irq_writes() {
	local dir=${LINE_DIR[$1]:-} v
	[ -n "$dir" ] || { echo "no line $1" >&2; return 1; }
	read -r v <"$dir/irq_writes" || return 1
	echo "$v"
}

# --- simulated ADC ----------------------------------------------------------

adc_dev() {
	local d
	for d in /sys/bus/iio/devices/iio:device*; do
		[ "$(cat "$d/name" 2>/dev/null)" = smartbms-sim-adc ] && { echo "$d"; return 0; }
	done
	return 1
}

# adc_chan LABEL: the attribute prefix of a channel, e.g. ".../in_voltage0".
adc_chan() {
	[ -n "${ADC_CHAN[$1]:-}" ] || { echo "no ADC channel labelled $1" >&2; return 1; }
	echo "${ADC_CHAN[$1]}"
}

# to_micro VALUE: "13.2V", "500mA", "-2A", "25C", "1234" in the ADC's
# engineering units (uV, uA, m degC); a plain number is taken as is.
to_micro() {
	awk -v v="$1" 'BEGIN {
		n = v; sub(/[a-zA-Z]+$/, "", n); u = substr(v, length(n) + 1)
		if (u == "V" || u == "A") f = 1000000
		else if (u == "mV" || u == "mA") f = 1000
		else if (u == "C") f = 1000
		else if (u == "") f = 1
		else exit 1
		x = n * f; printf "%d\n", (x < 0) ? x - 0.5 : x + 0.5
	}'
}

# adc_set LABEL VALUE
adc_set() {
	local chan=${ADC_CHAN[$1]:-} raw
	[ -n "$chan" ] || { echo "no ADC channel labelled $1" >&2; return 1; }
	raw=$(to_micro "$2") || { echo "bad value $2" >&2; return 1; }
	echo "$raw" >"${chan}_raw"
}

# adc_fail LABEL ERRNO: reads of the channel fail with -ERRNO (0: they work).
adc_fail() {
	local chan=${ADC_CHAN[$1]:-}
	[ -n "$chan" ] || { echo "no ADC channel labelled $1" >&2; return 1; }
	echo "$2" >"${chan}_fail"
}

# --- the driver -------------------------------------------------------------

# bms_supply KIND: the power_supply directory of the BMS's KIND supply
# ("battery"), found through the BMS's own device.
bms_supply() {
	local s
	for s in /sys/class/power_supply/*-"$1"; do
		[ -e "$s/device/of_node/compatible" ] || continue
		tr '\0' '\n' <"$s/device/of_node/compatible" |
			grep -qx "$SMARTBMS_COMPATIBLE" && { echo "$s"; return 0; }
	done
	return 1
}

# The lines of the BMS, as named in the binding (used by the tests that
# source this file).
# shellcheck disable=SC2034
BMS_OUTPUTS="alternator-enable system-charge-enable system-discharge-enable
	load-disconnect charge-disconnect prealarm"
# shellcheck disable=SC2034
BMS_INPUTS="charge-allowed discharge-allowed battery-prealarm remote short-circuit"

# bms_attr NAME: a file of the BMS's battery supply (settings, state).
bms_attr() { echo "$BMS_PSY/$1"; }

# bms_get NAME / bms_put NAME VALUE
bms_get() {
	local v
	[ -r "$BMS_PSY/$1" ] || return 1
	read -r v <"$BMS_PSY/$1" || [ -n "$v" ] || return $?
	echo "$v"
}
bms_put() { printf '%s' "$2" >"$BMS_PSY/$1"; }

# bms_settings: every settings file as "name=value ", to compare before and
# after something that must change nothing.  The charge limit twice: the
# driver's file and the power_supply property that reads it.
BMS_SETTINGS="fuse_rating prealarm_usage prealarm_output remote_function soft_switch
	charge_limit constant_charge_voltage_max"
bms_settings() {
	local f
	for f in $BMS_SETTINGS; do
		printf '%s=%s ' "$f" "$(bms_get "$f")"
	done
}

# bms_debugfs: the driver's debugfs directory.
bms_debugfs() { echo "$BMS_DEBUGFS"; }

# bms_loops: how many times the sampled loop has evaluated.
bms_loops() { awk '$1 == "loops" { print $2 }' "$(bms_debugfs)/counters"; }

# board_rest: a van at rest.  Battery 13.2 V, engine off (starter battery
# 12.6 V), no current, 25 C, every battery line allowing, remote on, factory
# settings.  Waits until the BMS has evaluated the new state.
board_rest() {
	adc_set battery 13.2V
	adc_set alternator 12.6V
	adc_set system 13.2V
	adc_set alternator-current 0
	adc_set system-current 0
	adc_set temperature 25C
	adc_set reference 2.5V
	for c in battery alternator system alternator-current system-current \
		 temperature reference; do
		adc_fail "$c" 0
	done
	line_set charge-allowed 1
	line_set discharge-allowed 1
	line_set battery-prealarm 0
	line_set remote 1
	line_set short-circuit 0
	echo 1 >"$(bms_attr reset)"
	echo 1 >"$(bms_attr clear)"
	echo 0 >"$(bms_debugfs)/loop_pause"
	# At rest: System+ and both disconnects on, alternator and pre-alarm
	# off.  A short-circuit trip still runs out its 10 s retry first.
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(gates)" = 011110 ] && return 0
		sleep 0.05
	done
	echo "board_rest: the board did not come to rest: $(gates) $(bms_get codes)" >&2
	return 1
}

# wait_quiet LINE VALUE SECONDS: wait for a line without asserting.
wait_quiet() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(line_get "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The gates, in the driver's own order.
gates() {
	local g v out=""
	for g in $BMS_OUTPUTS; do
		read -r v <"${LINE_DIR[$g]}/value"
		out="$out$((v ^ ${LINE_LOW[$g]}))"
	done
	echo "$out"
}

resolve_lines
resolve_adc
BMS_PSY=$(bms_supply battery)
BMS_DEBUGFS=/sys/kernel/debug/$(basename "$(readlink -f "$BMS_PSY/device" 2>/dev/null)")
