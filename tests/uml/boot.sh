#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the simulated board: the bench's UML kernel, the board devicetree and
# tests/uml/init.sh, with the modules built by build-modules.sh.
#
# Usage: boot.sh --out DIR --moddir DIR [--mode check|demo|reboot|scenarios|bench]
#                [--timeout SEC]
#                [--only PATTERN] [--console] [--loglevel N] [--nvmem IMAGE]
#                [--time-travel] [--kernel DIR] [--board sim|i2c]
# --board i2c boots tests/board/smartbms-board-i2c.dts, the Raspberry Pi
# board's BMS and chips on the emulated I2C bus, run by the mainline
# ti-ads1015, iio-rescale, at24 and pca953x modules of --kernel; the
# default, sim, boots tests/board/smartbms-board.dts.
# --kernel is the kernel tree to boot (default: the bench's debug kernel,
# $SMARTBMS_CACHE/linux-6.12; make bench boots linux-6.12-bench).
# --time-travel runs the guest in simulated time (UML's basic time-travel
# mode): its clock skips ahead whenever it is idle, so the driver's 10 s and
# 30 s delays pass at once while every timer still fires in order.
# --nvmem is the board EEPROM's contents at power-on (default: the factory
# image of tests/board/mk-nvmem.py); the guest leaves the contents it had at
# power-off in DIR/nvmem.img.
# The guest writes its results into --out; the kernel log goes to
# DIR/console.log (and to the terminal too with --console).  A guest that
# does not power off within the timeout is killed and DIR/timeout written.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
kdir=$cache/linux-6.12
out='' moddir='' mode=check timeout=900 only='' console='' loglevel=7 nvmem=''
time_travel='' board=sim

while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--moddir) moddir=$2; shift ;;
	--mode) mode=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--only) only=$2; shift ;;
	--console) console=1 ;;
	--loglevel) loglevel=$2; shift ;;
	--nvmem) nvmem=$(realpath "$2"); shift ;;
	--time-travel) time_travel=time-travel ;;
	--kernel) kdir=$2; shift ;;
	--board) board=$2; shift ;;
	*) echo "usage: $0 --out DIR --moddir DIR [--mode check|demo|reboot|scenarios|bench] [--timeout SEC] [--only PATTERN] [--console] [--loglevel N] [--nvmem IMAGE] [--time-travel] [--kernel DIR] [--board sim|i2c]" >&2
	   exit 2 ;;
	esac
	shift
done
if [ -z "$out" ] || [ -z "$moddir" ]; then
	echo "boot: --out and --moddir are required" >&2
	exit 2
fi
case $board in
sim) dts=$top/tests/board/smartbms-board.dts ;;
i2c) dts=$top/tests/board/smartbms-board-i2c.dts ;;
*) echo "boot: --board sim or i2c, not $board" >&2; exit 2 ;;
esac
[ -x "$kdir/linux" ] || { echo "boot: no UML kernel at $kdir/linux (run tests/uml/setup.sh)" >&2; exit 1; }

out=$(realpath -m "$out")
moddir=$(realpath "$moddir")
rm -rf "$out"
mkdir -p "$out"

# The board devicetree, preprocessed with the kernel's dt-bindings headers.
dtb=$out/board.dtb
cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp \
	-I "$kdir/include" -I "$kdir/scripts/dtc/include-prefixes" \
	"$dts" |
	dtc -q -I dts -O dtb -o "$dtb" -

# The EEPROM at power-on.
if [ -n "$nvmem" ]; then
	cp "$nvmem" "$out/nvmem-in.img"
else
	python3 "$top/tests/board/mk-nvmem.py" "$out/nvmem-in.img"
fi

# shellcheck disable=SC2054 # con0=IN,OUT is one UML option
cmdline=(
	mem=1G root=/dev/root rootfstype=hostfs rootflags=/ rw
	init="$top/tests/uml/init.sh" dtb="$dtb"
	con=null con0=null,fd:1 ssl=null
	loglevel="$loglevel" panic=-1 kunit.enable=1
	SMARTBMS_TOP="$top" SMARTBMS_OUT="$out" SMARTBMS_MODDIR="$moddir"
	SMARTBMS_MODE="$mode" SMARTBMS_ONLY="$only" SMARTBMS_NVMEM="$out/nvmem-in.img"
	SMARTBMS_BOARD="$board" SMARTBMS_KDIR="$(realpath "$kdir")"
	${time_travel:+"$time_travel"}
)

status=0
if [ -n "$console" ]; then
	timeout --kill-after=10 "$timeout" "$kdir/linux" "${cmdline[@]}" </dev/null 2>&1 |
		tee "$out/console.log" || status=$?
else
	timeout --kill-after=10 "$timeout" "$kdir/linux" "${cmdline[@]}" \
		</dev/null >"$out/console.log" 2>&1 || status=$?
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	echo "$timeout" >"$out/timeout"
fi
exit 0
