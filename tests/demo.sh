#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: set the bench up where something is missing, boot the
# simulated board and show the BMS at work (tests/plant/demo.py narrates from
# inside the guest).  Exits non-zero if the demo or the kernel went wrong.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
build=$top/build
out=$build/demo

"$top/tests/uml/setup.sh" || exit 1
"$top/tests/uml/build-modules.sh" "$cache/linux-6.12" "$build/um" ARCH=um SMARTBMS_TESTS=y || exit 1
make -s -C "$top/tools/bmsctl" O="$build/bmsctl" || exit 1

echo "demo: booting the simulated board (User-Mode Linux)"
"$top/tests/uml/boot.sh" --out "$out" --moddir "$build/um" --mode demo --time-travel \
	--timeout 300 --console --loglevel 1 |
	grep --line-buffered '^demo' || true

# The same verdict as `make check` applies to the demo's run, quietly.
if ! python3 "$top/tests/report.py" --dmesg "$out" >"$out/report.txt"; then
	grep '^FAIL' "$out/report.txt"
	echo "demo: something went wrong; logs in $out"
	exit 1
fi
echo "demo: done (logs in $out)"
