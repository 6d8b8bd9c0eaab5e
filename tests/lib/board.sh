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

# bms_line NAME: "SYSFS-DIR ACTIVE-LOW" of the gpio-sim line wired to the
# BMS's NAME-gpios, e.g. "/sys/devices/platform/gpio-sim-inputs/gpiochip0/sim_gpio3 0".
bms_line() {
	local node prop cells bank dev
	node=$(bms_node) || { echo "no $SMARTBMS_COMPATIBLE node" >&2; return 1; }
	prop=$node/$1-gpios
	[ -e "$prop" ] || { echo "the BMS has no $1-gpios" >&2; return 1; }
	read -r -a cells < <(dt_cells "$prop")
	bank=$(dt_node_by_phandle "${cells[0]}") || return 1
	dev=$(basename "$(dirname "$bank")")
	printf '%s %d\n' "$(echo /sys/devices/platform/"$dev"/gpiochip*/sim_gpio"${cells[1]}")" \
		$((cells[2] & 1))
}

# --- inputs and outputs -----------------------------------------------------

# line_set NAME 0|1: drive an input line to a logical value (a real edge).
line_set() {
	local dir low pull
	read -r dir low < <(bms_line "$1") || return 1
	if [ $(($2 ^ low)) -eq 1 ]; then
		pull="pull-up"
	else
		pull="pull-down"
	fi
	echo "$pull" >"$dir/pull"
}

# line_get NAME: the logical value of a line (input or output).
line_get() {
	local dir low
	read -r dir low < <(bms_line "$1") || return 1
	echo $(($(cat "$dir/value") ^ low))
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
	local dev l
	dev=$(adc_dev) || { echo "no simulated ADC" >&2; return 1; }
	for l in "$dev"/*_label; do
		[ "$(cat "$l")" = "$1" ] && { echo "${l%_label}"; return 0; }
	done
	echo "no ADC channel labelled $1" >&2
	return 1
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
	local chan raw
	chan=$(adc_chan "$1") || return 1
	raw=$(to_micro "$2") || { echo "bad value $2" >&2; return 1; }
	echo "$raw" >"${chan}_raw"
}

# adc_fail LABEL ERRNO: reads of the channel fail with -ERRNO (0: they work).
adc_fail() {
	local chan
	chan=$(adc_chan "$1") || return 1
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
