#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set the bench up where something is missing, validate the
# devicetree binding and the board (tests/dt-check.sh), run the static
# gates (tests/static.sh), build the module for the bench's UML kernel, for
# Debian's amd64, PREEMPT_RT and 6.1 headers and for arm64, check DKMS and
# make install (tests/dkms-check.sh, tests/install-check.sh), boot the
# simulated board and run every test in it, boot the i2c board (the real
# board's chips and their mainline drivers, tests/i2c/ and the system
# tests, alongside the host checks), and print one verdict.
# The last line is "N passed, N failed"; the exit status is non-zero if
# anything failed.
#
# Environment: SMARTBMS_CACHE (kernel cache), SMARTBMS_ONLY (run only the
# system tests whose name contains one of its comma-separated words; the
# reboot, scenario and i2c board boots then run only if it names them:
# "reboot", "scenarios", "i2c-board"), SMARTBMS_TIMEOUT (guest, seconds), SMARTBMS_FUZZ_TIME
# (seconds each fuzz harness runs, default 60).

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
build=$top/build
out=$build/check
host=$out/host-results

rm -rf "$out"
mkdir -p "$out"
: >"$host"
result() { printf '%s\n' "$*" >>"$host"; }

# step NAME CMD...: run a host check that prints its own result lines; a
# check that stops without a "not ok" line counts as one.
step() {
	local name=$1 res=$out/$1-results
	shift
	if ! "$@" >"$res"; then
		grep -q '^not ok' "$res" ||
			echo "not ok $name: ${1#"$top"/} stopped without a result" >>"$res"
	fi
	grep -q '^\(not \)\?ok ' "$res" ||
		echo "not ok $name: ${1#"$top"/} printed no result" >>"$res"
	cat "$res" >>"$host"
}

if ! "$top/tests/uml/setup.sh"; then
	result "not ok setup: the bench could not be set up (see above)"
	python3 "$top/tests/report.py" --host-results "$host" 2>/dev/null ||
		echo "0 passed, 1 failed"
	exit 1
fi

# boot_selected WORD: run the extra boot WORD (see SMARTBMS_ONLY above).
boot_selected() {
	[ -z "${SMARTBMS_ONLY:-}" ] || [[ ,$SMARTBMS_ONLY, == *",$1,"* ]]
}

# bmsctl, against fake sysfs trees here; the guests run the same binary
# (built before the i2c board boots).
if make -s -C "$top/tools/bmsctl" O="$build/bmsctl" >"$out/bmsctl-build.log" 2>&1; then
	result "ok build: bmsctl (C11, -Wall -Wextra -Werror)"
	python3 "$top/tests/bmsctl/host-test.py" "$build/bmsctl/bmsctl" >"$out/bmsctl-host" ||
		grep -q '^not ok' "$out/bmsctl-host" || echo "not ok bmsctl-host: stopped" >>"$out/bmsctl-host"
	cat "$out/bmsctl-host" >>"$host"
else
	cat "$out/bmsctl-build.log" >&2
	result "not ok build: bmsctl: see above"
fi

# The modules for the bench kernel first: the i2c board boots with them
# while the host checks below run.  It is the Raspberry Pi board's BMS and
# chips on the emulated I2C bus, the mainline chip drivers running against
# register-level models: the chips' own tests (tests/i2c/) and the system
# tests, their results prefixed "i2c-board:".
um_built=''
if "$top/tests/uml/build-modules.sh" "$cache/linux-6.12" "$build/um" ARCH=um SMARTBMS_TESTS=y \
	2>"$out/build-um.log"; then
	result "ok build: smartbms.ko and the test modules against the bench kernel (ARCH=um, gcc W=1, $(objects "$build/um") sources, 0 warnings)"
	um_built=1
else
	cat "$out/build-um.log" >&2
	result "not ok build: modules against the bench kernel: see above"
fi
i2c_boot=''
if [ -n "$um_built" ] && boot_selected i2c-board; then
	echo "check: booting the i2c board (the real board's chips, mainline drivers), in the background" >&2
	"$top/tests/uml/boot.sh" --board i2c --out "$out/i2c-board" --moddir "$build/um" \
		--timeout "${SMARTBMS_TIMEOUT:-2400}" &
	i2c_boot=$!
fi

# The binding, the test-only schemas and the simulated board's devicetree
# (host side, about 10 s once the kernel's schemas are cached).
step dt "$top/tests/dt-check.sh" --out "$out/dt"

# The static gates (tests/static.sh): checkpatch, kernel-doc, sparse, the
# clang build, cppcheck, clang-tidy, shellcheck; each line with its counts.
step static "$top/tests/static.sh" --out "$out/static"

# objects DIR: how many of our sources the module build in DIR compiled
# (not kbuild's own .mod.o and .module-common.o).
objects() { grep '^  CC \[M\] ' "$1/build.log" | grep -vc -e '\.mod\.o$' -e '/\.module-common\.o$'; }

# The libFuzzer harnesses (tests/fuzz/), 60 s each, one after the other.
echo "check: fuzzing, ${SMARTBMS_FUZZ_TIME:-60} s a harness" >&2
step fuzz "$top/tests/fuzz/run.sh" --time "${SMARTBMS_FUZZ_TIME:-60}"

# The newest Debian 6.12 amd64 headers (setup installed them if none was).
hdr=$("$top/tests/uml/setup.sh" --headers-dir)
if [ -z "$hdr" ]; then
	result "not ok build: against Debian's linux-headers-6.12 amd64: not installed"
elif "$top/tests/uml/build-modules.sh" "$hdr" "$build/amd64" 2>"$out/build-amd64.log"; then
	result "ok build: smartbms.ko against ${hdr##*/} (gcc W=1, $(objects "$build/amd64") sources, 0 warnings)"
else
	cat "$out/build-amd64.log" >&2
	result "not ok build: smartbms.ko against ${hdr##*/}: see above"
fi

# Packaging (issue 9): the other kernels and architectures users build for,
# DKMS and make install.  build_for NAME KIND WHAT [make args]: KIND as
# setup.sh --headers-dir takes it.
build_for() {
	local name=$1 kind=$2 what=$3 dir
	shift 3
	dir=$("$top/tests/uml/setup.sh" --headers-dir "$kind")
	if [ -z "$dir" ]; then
		result "not ok build: against $what: not installed or not prepared"
	elif "$top/tests/uml/build-modules.sh" "$dir" "$build/$name" "$@" 2>"$out/build-$name.log"; then
		result "ok build: smartbms.ko against ${dir##*/}, $what (W=1, no warnings)"
	else
		cat "$out/build-$name.log" >&2
		result "not ok build: smartbms.ko against ${dir##*/}, $what: see above"
	fi
}
build_for rt rt "Debian's PREEMPT_RT headers"
build_for v6.1 6.1 "Debian's 6.1 LTS headers (through compat/smartbms-compat.h)"
build_for arm64 arm64 "arm64 cross-compiled with aarch64-linux-gnu-gcc (defconfig + tests/cross/arm64.config; modules_prepare only: modpost cannot check symbols)" \
	ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KBUILD_MODPOST_WARN=1
if [ -n "$hdr" ]; then
	r=$("$top/tests/dkms-check.sh" "$hdr" "$out/dkms")
	result "${r:-not ok dkms: tests/dkms-check.sh stopped without a result}"
	r=$("$top/tests/install-check.sh" "$hdr" "$build/install")
	result "${r:-not ok install: tests/install-check.sh stopped without a result}"
fi

# The ABI through the kernel's get_abi.pl, the rst pages through Sphinx.
step docs "$top/tests/docs-check.sh" "$cache/linux-6.12" "$out/docs"

guest=()
if [ -n "$um_built" ]; then
	echo "check: booting the simulated board" >&2
	"$top/tests/uml/boot.sh" --out "$out/guest" --moddir "$build/um" \
		--timeout "${SMARTBMS_TIMEOUT:-2400}" --only "${SMARTBMS_ONLY:-}"
	guest=("$out/guest")
	# A second boot from the EEPROM the first one left: settings must survive.
	if ! boot_selected reboot; then
		:
	elif [ -f "$out/guest/nvmem.img" ]; then
		echo "check: rebooting the simulated board" >&2
		"$top/tests/uml/boot.sh" --out "$out/reboot" --moddir "$build/um" \
			--mode reboot --nvmem "$out/guest/nvmem.img" --timeout 300
		guest+=("$out/reboot")
	else
		result "not ok reboot: the first boot left no EEPROM image"
	fi
	# The manual's scenarios with the plant model, in simulated time, from
	# an EEPROM whose settings went bad while the board was off.
	if boot_selected scenarios; then
		echo "check: the manual's scenarios on the simulated board (simulated time)" >&2
		python3 "$top/tests/board/mk-nvmem.py" "$out/nvmem-corrupt.img" --corrupt-settings
		"$top/tests/uml/boot.sh" --out "$out/scenarios" --moddir "$build/um" \
			--mode scenarios --time-travel --timeout 1800 --nvmem "$out/nvmem-corrupt.img"
		guest+=("$out/scenarios")
	fi
fi
if [ -n "$i2c_boot" ]; then
	wait "$i2c_boot"
	guest+=("$out/i2c-board")
fi

python3 "$top/tests/report.py" --host-results "$host" "${guest[@]}"
