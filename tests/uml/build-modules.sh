#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the smartbms modules out of tree, as a user's or DKMS's build does,
# in a copy of the sources (kernels before 6.13 cannot put an external
# module's objects elsewhere, and the bench builds for two kernels).
#
# Usage: build-modules.sh KDIR OUTDIR [make arguments...]
# Fails when the build fails or prints any warning (it always uses W=1).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$1
out=$2
shift 2

[ -f "$kdir/Makefile" ] || { echo "build-modules: no kernel build tree at $kdir" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cp -a "$top/Kbuild" "$top/compat" "$top/drivers" "$top/include" "$top/tests" "$out/"

log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-modules: build failed against $kdir" >&2
	exit 1
fi
if grep -q 'warning:' "$log"; then
	grep -B2 -A4 'warning:' "$log" >&2
	echo "build-modules: warnings against $kdir" >&2
	exit 1
fi
