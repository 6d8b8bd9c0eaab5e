#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the smartbms modules out of tree, as a user's or DKMS's build does,
# in a copy of the sources (kernels before 6.13 cannot put an external
# module's objects elsewhere, and the bench builds for two kernels).
#
# Usage: build-modules.sh KDIR OUTDIR [make arguments...]
# Fails when the build fails or prints any warning (it always uses W=1).
# With KBUILD_MODPOST_WARN=1 (a tree without Module.symvers), modpost's
# unresolved symbols are not warnings here.

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
# The compiler's and modpost's warnings (modpost's are upper case).  A tree
# prepared with modules_prepare only has no Module.symvers: built with
# KBUILD_MODPOST_WARN=1, modpost's reports that it cannot resolve symbols
# are expected there, and nothing else is.
expected='^WARNING: Module.symvers is missing|^WARNING: modpost: "[^"]*" \[.*\] undefined!$|^WARNING: modpost: suppressed [0-9]+ unresolved symbol warnings'
[[ " $* " == *" KBUILD_MODPOST_WARN=1 "* ]] || expected='^$'
if grep -i 'warning:' "$log" | grep -Evq "$expected"; then
	grep -i -B2 -A4 'warning:' "$log" >&2
	echo "build-modules: warnings against $kdir" >&2
	exit 1
fi
