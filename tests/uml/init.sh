#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the User-Mode Linux guest (tests/uml/run.sh boots it).  The root
# file system is the host's, through hostfs, so the repository and the host's
# programs are at their usual paths.  The kernel passes these from its
# command line:
#   SMARTBMS_TOP     the repository
#   SMARTBMS_OUT     directory for results and logs (on the host)
#   SMARTBMS_MODDIR  where the modules were built for this kernel
#   SMARTBMS_MODE    check: run every test; demo: run tests/plant/demo.py;
#                    reboot: check the settings a check run left in the EEPROM;
#                    scenarios: the manual's scenarios with the plant model
#                    (tests/plant/scenarios.py; boot.sh --time-travel);
#                    bench: run the benchmarks (tests/bench/guest.sh)
#   SMARTBMS_ONLY    optional: run only the system tests (in scenarios mode:
#                    the scenarios) whose name contains one of these
#                    comma-separated words
#   SMARTBMS_NVMEM   the board EEPROM's contents at power-on
#   SMARTBMS_BOARD   sim: tests/board/smartbms-board.dts; i2c: the real
#                    board's chips on the emulated I2C bus, run by the
#                    mainline modules of SMARTBMS_KDIR (boot.sh --board)
#   SMARTBMS_KDIR    the kernel tree booted, whose modules those are
#
# Results go to $SMARTBMS_OUT/results, one per line: "ok NAME" or
# "not ok NAME: why".  The host reads them with the kernel log; whatever the
# guest fails to write counts as a failure there.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

out=$SMARTBMS_OUT
results=$out/results

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# devtmpfs has no /dev/fd; bash's process substitution needs it.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug
mount -t configfs configfs /sys/kernel/config
# Scratch space stays in the guest, not on the host's disk, wherever that
# hides none of the bench's own paths (a clone may well live in /tmp).
private_tmpfs() {
	local p
	for p in "$SMARTBMS_TOP" "$SMARTBMS_OUT" "$SMARTBMS_MODDIR"; do
		case $p/ in "$1"/*) return 0 ;; esac
	done
	mount -t tmpfs tmpfs "$1"
}
private_tmpfs /tmp
private_tmpfs /run
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
export TMPDIR=/dev/shm
# Python run from the clone (tests/plant) writes no bytecode into it.
export PYTHONDONTWRITEBYTECODE=1

result() { printf '%s\n' "$*" >>"$results"; }

eeprom=/sys/bus/nvmem/devices/smartbms-sim-nvmem/nvmem
board=${SMARTBMS_BOARD:-sim}
# The i2c board's chips: the models' debugfs (tests/sim/smartbms-sim-i2c-*.c).
i2c_chips=/sys/kernel/debug/smartbms-sim-i2c/i2c

# Kernel messages from here on belong to the tests.
echo clear >/sys/kernel/debug/kmemleak 2>/dev/null

# load MODULE [WHAT]: insmod one module; WHAT names the step in the result
# ("load" by default, "reload N" when make check loads it again).
load() {
	local mod=$SMARTBMS_MODDIR/$1 what=${2:-load}
	if insmod "$mod" 2>>"$out/init.log"; then
		result "ok $what: ${1##*/}"
	else
		result "not ok $what: ${1##*/}: insmod failed"
	fi
}

# inputs_at_rest: a board at rest.  Its pull resistors hold each input of
# the BMS at its idle level from power-on (battery lines allowing, remote
# on, no short).  gpio-sim lines start pulled down, which on the active-low
# short-circuit line would be a short at every boot.
inputs_at_rest() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c '. "$1" 2>/dev/null
		line_set charge-allowed 1 && line_set discharge-allowed 1 &&
		line_set battery-prealarm 0 && line_set remote 1 &&
		line_set short-circuit 0' rest "$SMARTBMS_TOP/tests/lib/board.sh" ||
		result "not ok board: the inputs could not be brought to rest"
}

# kmod NAME [WHAT]: insmod a module of the booted kernel's tree (the
# mainline chip drivers), the modules it depends on first.
kmod() {
	local ko dep deps
	grep -q "^${1//-/_} " /proc/modules && return 0
	ko=$(grep -m1 "/$1\.o\$" "$SMARTBMS_KDIR/modules.order") || {
		result "not ok ${2:-load}: $1: not in the kernel's modules.order"
		return 1
	}
	ko=$SMARTBMS_KDIR/${ko%.o}.ko
	deps=$(modinfo -F depends "$ko" 2>/dev/null)
	for dep in ${deps//,/ }; do
		kmod "$dep" "$2" || return 1
	done
	if insmod "$ko" 2>>"$out/init.log"; then
		result "ok ${2:-load}: $1 (mainline)"
	else
		result "not ok ${2:-load}: $1 (mainline): insmod failed"
		return 1
	fi
}

# The mainline modules of the i2c board, in the order they are loaded.
# power_off unloads them all but gpio-pca953x, which stays loaded once
# loaded (its expander goes and comes back with the bus): UML has no
# SPARSE_IRQ, so an interrupt descriptor outlives its mapping with the
# lockdep class of its last chip, which gpiolib keys in the expander
# driver's module; unloading that module leaves the class dangling, and
# lockdep reports "bad unlock balance" when the bus maps the descriptor
# again.  With SPARSE_IRQ (arm64, x86) a freed descriptor is a new one.
i2c_mainline="at24 ti-ads1015 iio-rescale gpio-pca953x"

# power_on_i2c IMAGE [WHAT]: the i2c board: the gate chip, the bus with its
# chip models, IMAGE in the EEPROM model, the mainline drivers, the inputs
# at rest, then the driver.
power_on_i2c() {
	local m
	load tests/sim/smartbms-sim-gate.ko "$2"
	load tests/sim/smartbms-sim-storm.ko "$2"
	load tests/sim/smartbms-sim-i2c.ko "$2"
	cat "$1" >"$i2c_chips/eeprom@50/contents" ||
		result "not ok eeprom: the image could not be loaded into the AT24C02 model"
	for m in $i2c_mainline; do
		kmod "$m" "$2"
	done
	# The LEDs are on the expander: bound again once it is back.
	[ -e /sys/bus/platform/drivers/leds-gpio/bms-leds ] ||
		echo bms-leds >/sys/bus/platform/drivers/leds-gpio/bind 2>/dev/null
	inputs_at_rest
	load drivers/power/supply/smartbms.ko "$2"
}

# power_on IMAGE [WHAT]: the board's modules, the EEPROM holding IMAGE, the
# inputs at rest, then the driver.
power_on() {
	[ "$board" = sim ] || { power_on_i2c "$@"; return; }
	load tests/sim/smartbms-sim-adc.ko "$2"
	load tests/sim/smartbms-sim-nvmem.ko "$2"
	# The EEPROM keeps its contents while the board is off.
	cat "$1" >"$eeprom" ||
		result "not ok eeprom: the image could not be loaded"
	load tests/sim/smartbms-sim-gate.ko "$2"
	load tests/sim/smartbms-sim-storm.ko "$2"
	inputs_at_rest
	load drivers/power/supply/smartbms.ko "$2"
}

# power_off [WHAT [IMAGE]]: unload every module of the bench that is
# loaded, the driver first; the EEPROM's contents at power-off go to IMAGE
# (nvmem.img, which the reboot boot starts from, by default).
power_off() {
	local m what=${1:-unload} image=${2:-$out/nvmem.img}
	for m in smartbms-bench-floor smartbms-bench-poll \
		 smartbms-engine-test smartbms-probe-test smartbms smartbms-sim-gate \
		 smartbms-sim-adc smartbms-sim-nvmem smartbms-sim-storm \
		 iio-rescale ti-ads1015 at24 smartbms-sim-i2c; do
		grep -q "^${m//-/_} " /proc/modules || continue
		[ "$m" != smartbms-sim-nvmem ] || cat "$eeprom" >"$image"
		if [ "$m" = smartbms-sim-i2c ]; then
			cat "$i2c_chips/eeprom@50/contents" >"$image"
			# The LEDs hold the expander's lines.
			[ ! -e /sys/bus/platform/drivers/leds-gpio/bms-leds ] ||
				echo bms-leds >/sys/bus/platform/drivers/leds-gpio/unbind
		fi
		if rmmod "$m"; then
			result "ok $what: $m"
		else
			result "not ok $what: $m: rmmod failed"
		fi
	done
}

run_kunit() {
	local ko before suite
	for ko in "$SMARTBMS_MODDIR"/tests/kunit/*.ko; do
		[ -e "$ko" ] || continue
		before=$(printf '%s\n' /sys/kernel/debug/kunit/*)
		load "${ko#"$SMARTBMS_MODDIR"/}"
		# The suites a module added must each report a result.
		for suite in /sys/kernel/debug/kunit/*; do
			[ -e "$suite" ] || continue
			grep -qxF "$suite" <<<"$before" ||
				printf '%s\n' "${suite##*/}" >>"$out/kunit-suites"
		done
	done
}

# selected NAME: SMARTBMS_ONLY is unset, or NAME contains one of its words.
selected() {
	local w words
	[ -n "${SMARTBMS_ONLY:-}" ] || return 0
	IFS=, read -r -a words <<<"$SMARTBMS_ONLY"
	for w in "${words[@]}"; do
		[ -n "$w" ] && [[ $1 == *"$w"* ]] && return 0
	done
	return 1
}

# One system test: a script printing "ok - what" / "not ok - what" lines.
run_system_test() {
	local t=$1 name log rc n=0
	shift
	name=$(basename "$t")
	# tests/i2c/X.sh is i2c/X; the others are system tests.
	case $t in
	*/tests/i2c/*) name=i2c/${name%.*}${1:+-$1} ;;
	*) name=system/${name%.*}${1:+-$1} ;;
	esac
	log=$out/$name.log
	mkdir -p "${log%/*}"
	case $t in
	# Scenarios run in simulated time: hours of it pass in minutes.
	*.py) timeout 36000 python3 "$t" "$@" >"$log" 2>&1 ;;
	# A shell test has 10 minutes: faults-concurrency takes 3 to 5 on a
	# busy 2-core machine (KASAN, lockdep and kmemleak on one CPU).
	*) timeout 600 bash "$t" "$@" >"$log" 2>&1 ;;
	esac
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) result "ok $name: ${line#ok - }"; n=$((n + 1)) ;;
		"not ok - "*) result "not ok $name: ${line#not ok - }"; n=$((n + 1)) ;;
		esac
	done <"$log"
	if [ "$rc" -eq 124 ]; then
		result "not ok $name: timed out"
	elif [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' "$log"; then
		result "not ok $name: exited with status $rc"
	elif [ "$n" -eq 0 ]; then
		result "not ok $name: ran no assertion"
	fi
}

{
	echo "init: booted $(uname -r)"
	power_on "$SMARTBMS_NVMEM"

	case $SMARTBMS_MODE in
	demo)
		python3 "$SMARTBMS_TOP/tests/plant/demo.py" >/dev/console 2>&1 ||
			result "not ok demo: exited with status $?"
		;;
	reboot)
		run_system_test "$SMARTBMS_TOP/tests/uml/persist.sh" verify
		;;
	scenarios)
		run_system_test "$SMARTBMS_TOP/tests/plant/scenarios.py"
		;;
	bench)
		bash "$SMARTBMS_TOP/tests/bench/guest.sh" >"$out/bench.log" 2>&1 ||
			result "not ok bench: tests/bench/guest.sh exited with status $?"
		;;
	*)
		if [ "$board" = i2c ]; then
			# The chips and their mainline drivers, end to end.
			for t in "$SMARTBMS_TOP"/tests/i2c/*.sh; do
				selected "$(basename "$t" .sh)" && run_system_test "$t"
			done
		else
			run_kunit
		fi
		for t in "$SMARTBMS_TOP"/tests/system/*.sh; do
			selected "$(basename "$t" .sh)" || continue
			if [ "$board" = i2c ] &&
			   why=$(sed -n "s/^$(basename "$t" .sh): //p" "$SMARTBMS_TOP/tests/i2c/not-run") &&
			   [ -n "$why" ]; then
				printf 'system/%s: %s\n' "$(basename "$t" .sh)" "$why" >>"$out/not-run"
				continue
			fi
			run_system_test "$t"
		done
		# Settings for the next boot to find (make check boots twice).
		run_system_test "$SMARTBMS_TOP/tests/uml/persist.sh" set
		;;
	esac

	# Unbinding and unloading are tested on every run, then leaks.
	power_off
	# Users reload the driver (DKMS upgrades, modprobe -r): make check loads
	# and unloads the driver and the board's modules twice more, from the
	# EEPROM image it left, under the same scan of the kernel log for
	# KASAN, lockdep and other reports.  The test modules stay out: loading
	# them again would run their suites again.
	if [ "$SMARTBMS_MODE" = check ]; then
		for n in 1 2; do
			power_on "$out/nvmem.img" "reload $n"
			compgen -G '/sys/bus/platform/drivers/smartbms/*/power_supply/*-battery' >/dev/null ||
				result "not ok reload $n: the driver bound no BMS"
			power_off "unload again $n" "$TMPDIR/nvmem-reload.img"
		done
	fi
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >"$out/kmemleak"
	fi
	dmesg >"$out/dmesg.log"
	echo "init: done"
} >>"$out/init.log" 2>&1

: >"$out/done"
sync
poweroff -f
echo o >/proc/sysrq-trigger
