#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS flow a user runs, against installed Debian headers: copy the
# sources to /usr/src/smartbms-VERSION (make dkms-src), dkms add, build,
# install for KERNELRELEASE (which need not be the running kernel), check
# the installed module, then remove everything again so the check repeats.
# Needs root (DKMS writes /usr/src, /var/lib/dkms and /lib/modules); a
# smartbms already registered with DKMS is left alone and fails the check.
#
# Usage: tests/dkms-check.sh KDIR LOGDIR
# Prints one "ok"/"not ok" result line.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1
log=$2
mkdir -p "$log"
kver=$(cat "$kdir/include/config/kernel.release" 2>/dev/null)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
src=/usr/src/smartbms-$ver
what="dkms add/build/install/remove of smartbms/$ver for $kver"

fail() { echo "not ok dkms: $what: $* (logs: $log)"; exit 1; }

[ -n "$kver" ] || fail "no kernel release in $kdir"
[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v dkms >/dev/null || fail "dkms is not installed"
[ "$(readlink -f "/lib/modules/$kver/build")" = "$(readlink -f "$kdir")" ] ||
	fail "/lib/modules/$kver/build is not $kdir"
if dkms status smartbms 2>/dev/null | grep -q . || [ -e "$src" ]; then
	fail "smartbms is already registered with DKMS or $src exists: not touching it"
fi

cleanup() {
	dkms remove "smartbms/$ver" --all >>"$log/dkms-remove.log" 2>&1
	rm -rf "$src"
}
trap cleanup EXIT

make -s -C "$top" dkms-src DKMS_SRC="$src" >"$log/dkms-src.log" 2>&1 || fail "make dkms-src failed"
dkms add "smartbms/$ver" >"$log/dkms-add.log" 2>&1 || fail "dkms add failed"
dkms build "smartbms/$ver" -k "$kver" >"$log/dkms-build.log" 2>&1 || {
	cat "/var/lib/dkms/smartbms/$ver/build/make.log" >>"$log/dkms-build.log" 2>/dev/null
	fail "dkms build failed"
}
cp /var/lib/dkms/smartbms/"$ver/$kver"/*/log/make.log "$log/make.log" 2>/dev/null
grep -q 'bad exit status' "$log/dkms-build.log" && fail "a DKMS step (clean or build) failed"
dkms install "smartbms/$ver" -k "$kver" >"$log/dkms-install.log" 2>&1 || fail "dkms install failed"
dkms status smartbms >"$log/dkms-status.log" 2>&1
grep -q "^smartbms/$ver, $kver, .*: installed" "$log/dkms-status.log" ||
	fail "dkms status does not say installed"
ko=$(find "/lib/modules/$kver/updates/dkms" -name 'smartbms.ko*' 2>/dev/null | head -n 1)
[ -n "$ko" ] || fail "no smartbms.ko under /lib/modules/$kver/updates/dkms"
modinfo -F vermagic "$ko" | grep -q "^$kver " || fail "$ko is not built for $kver"
modinfo -F alias "$ko" | grep -q 'victron,smart-bms-12-200' || fail "$ko has no devicetree alias"
# depmod ran: the module is found by name for that kernel.
modinfo -k "$kver" -n smartbms 2>/dev/null | grep -q updates/dkms ||
	fail "modinfo -k $kver smartbms does not find the DKMS module (depmod)"

trap - EXIT
cleanup
if dkms status smartbms 2>/dev/null | grep -q . || [ -e "$src" ] ||
	find "/lib/modules/$kver" -name 'smartbms.ko*' 2>/dev/null | grep -q .; then
	fail "dkms remove left something behind"
fi
echo "ok dkms: $what (${ko#/lib/modules/"$kver"/}; removed again)"
