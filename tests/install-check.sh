#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall into a temporary DESTDIR with a PREFIX, as a
# package build does: from a copy of the sources (a release tarball's set),
# with the module built against KDIR.  The installed tree must be exactly
# the expected files, and empty again after make uninstall.
#
# Usage: tests/install-check.sh KDIR WORKDIR
# Prints one "ok"/"not ok" result line; WORKDIR keeps the listings.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1
work=$2
prefix=/opt/smartbms
kver=$(cat "$kdir/include/config/kernel.release" 2>/dev/null)

fail() { echo "not ok install: make install/uninstall into a temporary DESTDIR, PREFIX=$prefix: $* (see $work)"; exit 1; }
[ -n "$kver" ] || fail "no kernel release in $kdir"

rm -rf "$work"
mkdir -p "$work/src" "$work/destdir"
work=$(cd "$work" && pwd)
dest=$work/destdir
cp -a "$top/Makefile" "$top/Kbuild" "$top/compat" "$top/drivers" "$top/include" \
	"$top/tools" "$work/src/"
make -C "$work/src" clean >/dev/null 2>&1

make -C "$work/src" install KDIR="$kdir" DESTDIR="$dest" PREFIX="$prefix" \
	>"$work/install.log" 2>&1 || fail "make install failed"
(cd "$dest" && find . -mindepth 1 \( -type f -o -type l \) -printf '%m %p\n' | sort) \
	>"$work/installed.txt"

# The module compressed or not, as the kernel's config says.
mod=$(grep -o "lib/modules/$kver/updates/drivers/power/supply/smartbms\.ko[.a-z]*" \
	"$work/installed.txt")
cat >"$work/expected.txt" <<EOT
644 ./${mod:-lib/modules/$kver/updates/drivers/power/supply/smartbms.ko}
644 .$prefix/lib/systemd/system/bmsctl-restore@.service
644 .$prefix/lib/udev/rules.d/90-bmsctl-restore.rules
644 .$prefix/share/bash-completion/completions/bmsctl
644 .$prefix/share/man/man8/bmsctl.8
755 .$prefix/sbin/bmsctl
EOT
sort -o "$work/expected.txt" "$work/expected.txt"
diff -u "$work/expected.txt" "$work/installed.txt" >"$work/install.diff" ||
	fail "installed files differ from the expected ones: $(tr '\n' ' ' <"$work/install.diff" | cut -c1-300)"

# The paths inside the installed files follow PREFIX.
grep -q "$prefix/sbin/bmsctl" "$dest$prefix/lib/systemd/system/bmsctl-restore@.service" ||
	fail "the restore unit does not run $prefix/sbin/bmsctl"
modinfo -F vermagic "$dest/$mod" | grep -q "^$kver " || fail "the module is not built for $kver"
"$dest$prefix/sbin/bmsctl" --help >/dev/null 2>&1 || fail "the installed bmsctl does not run"

make -C "$work/src" uninstall KDIR="$kdir" DESTDIR="$dest" PREFIX="$prefix" \
	>"$work/uninstall.log" 2>&1 || fail "make uninstall failed"
(cd "$dest" && find . -mindepth 1 | sort) >"$work/left.txt"
[ -s "$work/left.txt" ] && fail "make uninstall left: $(tr '\n' ' ' <"$work/left.txt" | cut -c1-300)"

echo "ok install: make install into a temporary DESTDIR with PREFIX=$prefix put exactly $(wc -l <"$work/expected.txt") files (module for $kver, bmsctl, man page, completion, restore unit, udev rule); make uninstall left nothing"
