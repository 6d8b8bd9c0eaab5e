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
	local node
	node=$(bms_node) || { echo "no $SMARTBMS_COMPATIBLE node" >&2; return 1; }
	[ -e "$node/$1-gpios" ] || { echo "the BMS has no $1-gpios" >&2; return 1; }
	gpio_line "$node/$1-gpios"
}

# gpio_line PROP: "DIR ACTIVE-LOW" of the line a *-gpios property (a file
# in /proc/device-tree) names, as bms_line prints them.
gpio_line() {
	local cells bank dir
	read -r -a cells < <(dt_cells "$1")
	bank=$(dt_node_by_phandle "${cells[0]}") || return 1
	# A line of the i2c board's expander: its model's pins in debugfs.
	if [ -e "$bank/compatible" ] && tr '\0' '\n' <"$bank/compatible" | grep -qx nxp,pca9555; then
		dir=$(echo /sys/kernel/debug/smartbms-sim-i2c/*/"${bank##*/}")
		printf 'exp:%s:%d %d\n' "$dir" "${cells[1]}" $((cells[2] & 1))
		return 0
	fi
	dir=/sys/devices/platform/${bank##*/}/sim_gpio${cells[1]}
	if [ ! -d "$dir" ]; then
		bank=${bank%/*}
		dir=$(echo /sys/devices/platform/"${bank##*/}"/gpiochip*/sim_gpio"${cells[1]}")
	fi
	printf '%s %d\n' "$dir" $((cells[2] & 1))
}

# bms_gates_sleep: some output of the BMS is on a chip whose lines sleep
# (the i2c board's expander): the driver's trip path is then threaded.
bms_gates_sleep() {
	local g
	for g in $BMS_OUTPUTS; do
		[[ ${LINE_DIR[$g]:-} == exp:* ]] && return 0
	done
	return 1
}

# exp_pin DIR BIT [LEVEL]: read (or, with LEVEL, drive from outside) one
# pin of the expander model in DIR.
exp_pin() {
	local v drive driven
	if [ $# -eq 2 ]; then
		read -r v <"$1/pins" || return 1
		echo $(((v >> $2) & 1))
		return 0
	fi
	read -r drive <"$1/drive" && read -r driven <"$1/driven" || return 1
	drive=$(((drive & ~(1 << $2)) | ($3 << $2)))
	echo "$drive" >"$1/drive" && echo $((driven | (1 << $2))) >"$1/driven"
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

# On the i2c board each channel is an ADS1015 input behind its front end:
# ADC_CHAN[label] is "AIN NUM DEN OFFSET LSB" (tests/lib/i2c-chain.py).
declare -A ADC_LSB
resolve_adc() {
	local dev l label ain num den off lsb
	if [ -d /sys/kernel/debug/smartbms-sim-i2c ]; then
		while read -r label ain num den off lsb; do
			ADC_CHAN[$label]="$ain $num $den $off"
			# shellcheck disable=SC2034 # for the tests
			ADC_LSB[$label]=$lsb
		done < <(python3 "$(dirname "${BASH_SOURCE[0]}")/i2c-chain.py")
		return 0
	fi
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
	if [[ $dir == exp:* ]]; then
		dir=${dir#exp:}
		exp_pin "${dir%:*}" "${dir##*:}" $(($2 ^ low))
		return
	fi
	if [ $(($2 ^ low)) -eq 1 ]; then
		pull="pull-up"
	else
		pull="pull-down"
	fi
	echo "$pull" >"$dir/pull"
}

# line_get NAME: the logical value of a line (input or output).
line_get() {
	[ -n "${LINE_DIR[$1]:-}" ] || { echo "no line $1" >&2; return 1; }
	line_value "${LINE_DIR[$1]}" "${LINE_LOW[$1]}"
}

# line_value DIR ACTIVE-LOW: the logical value of a line gpio_line resolved.
line_value() {
	local dir=$1 v
	if [[ $dir == exp:* ]]; then
		dir=${dir#exp:}
		v=$(exp_pin "${dir%:*}" "${dir##*:}") || return 1
	else
		read -r v <"$dir/value" || return 1
	fi
	echo $((v ^ $2))
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

# adc_set LABEL VALUE: on the i2c board, the ADS1015 pin voltage that the
# front end makes of VALUE (rounded to the microvolt).
adc_set() {
	local chan=${ADC_CHAN[$1]:-} raw ain num den off x
	[ -n "$chan" ] || { echo "no ADC channel labelled $1" >&2; return 1; }
	raw=$(to_micro "$2") || { echo "bad value $2" >&2; return 1; }
	if [[ $chan == /sys/kernel/debug/* ]]; then
		read -r ain num den off <<<"$chan"
		x=$(((raw - off) * num * 2))
		if [ "$x" -lt 0 ]; then x=$(((x - den) / (2 * den))); else x=$(((x + den) / (2 * den))); fi
		echo "$x" >"$ain"
		return
	fi
	echo "$raw" >"${chan}_raw"
}

# adc_quantum LABEL: one ADC code of the channel in its engineering units
# (uV, uA, m degC), rounded up: the quantisation of a reading on the i2c
# board; 0 on the simulated ADC, which is exact.
adc_quantum() {
	local lsb=${ADC_LSB[$1]:-0}
	awk -v l="$lsb" 'BEGIN { printf "%d\n", (l == int(l)) ? l : int(l) + 1 }'
}

# adc_code LABEL VALUE down|up: the plant value (in uV, uA, m degC) at the
# middle of the code just at or below (down) or at or above (up) VALUE, so
# that "exactly at a threshold" means the same on a board with a 22 mV
# step as on the exact simulated ADC (where it is VALUE itself).
adc_code() {
	local raw lsb off
	raw=$(to_micro "$2") || return 1
	lsb=${ADC_LSB[$1]:-0}
	read -r _ _ _ off <<<"${ADC_CHAN[$1]:-}"
	awk -v v="$raw" -v l="$lsb" -v o="${off:-0}" -v d="$3" 'BEGIN {
		if (l == 0) { print v; exit }
		c = (v - o) / l
		f = int(c); if (f > c) f--
		if (d == "up" && f < c) f++
		x = f * l + o; printf "%d\n", (x < 0) ? x - 0.5 : x + 0.5
	}'
}

# check_near WHAT WANT GOT LABEL [UNIT]: GOT is WANT within one code of the
# channel LABEL (exactly, on the simulated ADC); UNIT divides the quantum
# for a reading in mV, mA (1000).
check_near() {
	local q d
	q=$(adc_quantum "$4")
	q=$(((q + ${5:-1} - 1) / ${5:-1}))
	d=$(($3 - $2))
	if [ "${d#-}" -le "$q" ] 2>/dev/null; then
		pass "$1"
	else
		fail "$1: expected '$2' (+/- $q), got '$3'"
	fi
}

# wait_near WHAT WANT SECONDS LABEL COMMAND...: wait_eq within one code of
# the channel LABEL (exactly on the simulated ADC).
wait_near() {
	local what=$1 want=$2 secs=$3 label=$4 q got d i
	shift 4
	q=$(adc_quantum "$label")
	for ((i = 0; i <= secs * 20; i++)); do
		got=$("$@" 2>/dev/null)
		d=$((${got:-0} - want))
		[ -n "$got" ] && [ "${d#-}" -le "$q" ] && { pass "$what"; return 0; }
		sleep 0.05
	done
	fail "$what: expected '$want' (+/- $q), still '$got' after ${secs}s"
	return 1
}

# adc_fail LABEL ERRNO: reads of the channel fail with -ERRNO (0: they
# work).  On the i2c board the whole ADS1015 goes (reads fail with -ENXIO,
# whatever ERRNO), and with it the other channels of the chip.
adc_fail() {
	local chan=${ADC_CHAN[$1]:-}
	[ -n "$chan" ] || { echo "no ADC channel labelled $1" >&2; return 1; }
	if [[ $chan == /sys/kernel/debug/* ]]; then
		chan=${chan%% *}
		echo $(($2 != 0)) >"${chan%/*}/gone"
		return
	fi
	echo "$2" >"${chan}_fail"
}

# i2c_client NODE: the I2C client device of a chip's devicetree node
# ("adc@48") on the i2c board.
i2c_client() {
	local d
	for d in /sys/bus/i2c/devices/*; do
		[ "$(basename "$(readlink -f "$d/of_node" 2>/dev/null)")" = "$1" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

# --- the EEPROM -------------------------------------------------------------

# cell_reg NAME: "OFFSET SIZE" of an nvmem cell of the BMS's EEPROM, from
# the live devicetree.
cell_reg() {
	local c
	c=$(compgen -G "/proc/device-tree/*/nvmem-layout/$1@*/reg" ||
		compgen -G "/proc/device-tree/*/*/nvmem-layout/$1@*/reg") || return 1
	dt_cells "${c%%$'\n'*}"
}

# The EEPROM, resolved once (see the end):
#   EEPROM	the nvmem file of its provider, read and written through the
#		provider's driver (sim-nvmem; on the i2c board, mainline at24)
#   EEPROM_IMAGE the file with the chip's whole contents, which the bench
#		loads and saves as it powers the board on and off
#   EEPROM_CHIP the at24 model's debugfs directory on the i2c board
resolve_eeprom() {
	local c node d
	c=$(compgen -G "/proc/device-tree/*/nvmem-layout/settings@*" ||
		compgen -G "/proc/device-tree/*/*/nvmem-layout/settings@*") || return 0
	node=${c%%$'\n'*}
	node=${node%/nvmem-layout/*}
	for d in /sys/bus/nvmem/devices/*; do
		[ "$(readlink -f "$d/of_node" 2>/dev/null)" = "$(readlink -f "$node")" ] &&
			EEPROM=$d/nvmem
	done
	EEPROM_IMAGE=$EEPROM
	if tr '\0' '\n' <"$node/compatible" | grep -qx atmel,24c02; then
		EEPROM_CHIP=$(echo /sys/kernel/debug/smartbms-sim-i2c/*/"${node##*/}")
		EEPROM_IMAGE=$EEPROM_CHIP/contents
	fi
}

# eeprom_provider: the EEPROM provider's device directory.
eeprom_provider() { local d; d=$(readlink -f "${EEPROM%/nvmem}"); echo "${d%/*}"; }

# eeprom_fail ERRNO: every access fails, with ERRNO on sim-nvmem, as a
# chip that does not acknowledge (-EIO) on the i2c board; 0 restores.
eeprom_fail() {
	if [ -n "$EEPROM_CHIP" ]; then
		echo $(($1 != 0)) >"$EEPROM_CHIP/nack"
	else
		echo "$1" >"$(eeprom_provider)/fail"
	fi
}

# eeprom_cut N: the power goes after the EEPROM stored N more bytes; from
# then every access fails until eeprom_power_up.
eeprom_cut() {
	if [ -n "$EEPROM_CHIP" ]; then
		echo "$1" >"$EEPROM_CHIP/cut_after"
	else
		echo "$1" >"$(eeprom_provider)/cut_after"
	fi
}

# eeprom_power_up: the EEPROM's supply is back (and no cut is armed).
eeprom_power_up() {
	if [ -n "$EEPROM_CHIP" ]; then
		echo -1 >"$EEPROM_CHIP/cut_after"
		echo 0 >"$EEPROM_CHIP/gone"
	else
		echo -1 >"$(eeprom_provider)/cut_after"
		echo 0 >"$(eeprom_provider)/fail"
	fi
}

# eeprom_written: the bytes the EEPROM stored since it was loaded.
eeprom_written() {
	if [ -n "$EEPROM_CHIP" ]; then
		cat "$EEPROM_CHIP/bytes_programmed"
	else
		cat "$(eeprom_provider)/written"
	fi
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

# bms_factory_fuse: the fuse rating after a reset: the devicetree's
# victron,fuse-rating (the i2c board, like the Raspberry Pi's, presets
# it), else not-set.
bms_factory_fuse() {
	local f
	f=$(bms_node)/victron,fuse-rating
	if [ -e "$f" ]; then tr -d '\0' <"$f"; else echo not-set; fi
}

# fuse_limit FUSE: the alternator current limit of a fuse rating, in uA
# (behaviour.md, settings: the fuse table).
fuse_limit() {
	case $1 in
	125A) echo 100000000 ;; 100A) echo 90000000 ;; 80A) echo 60000000 ;;
	60A) echo 50000000 ;; 2x30A) echo 40000000 ;; 2x20A) echo 25000000 ;;
	2x15A) echo 20000000 ;; 2x10A) echo 12000000 ;; *) echo 9000000 ;;
	esac
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
	# Not on every board (the i2c board measures no System+ current).
	[ -z "${ADC_CHAN[system-current]:-}" ] || adc_set system-current 0
	adc_set temperature 25C
	adc_set reference 2.5V
	for c in battery alternator system alternator-current system-current \
		 temperature reference; do
		[ -z "${ADC_CHAN[$c]:-}" ] || adc_fail "$c" 0
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
		if [[ ${LINE_DIR[$g]} == exp:* ]]; then
			v=$(line_get "$g")
		else
			read -r v <"${LINE_DIR[$g]}/value"
			v=$((v ^ ${LINE_LOW[$g]}))
		fi
		out="$out$v"
	done
	echo "$out"
}

# shellcheck disable=SC2034 # for the tests
EEPROM='' EEPROM_IMAGE='' EEPROM_CHIP=''
resolve_lines
resolve_adc
resolve_eeprom
BMS_PSY=$(bms_supply battery)
BMS_DEBUGFS=/sys/kernel/debug/$(basename "$(readlink -f "$BMS_PSY/device" 2>/dev/null)")
