#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make mutate`: prove that the KUnit suites can fail.  Each line of
# tests/mutations.txt breaks one rule in a copy of the tree; the suites run
# in the guest and must report at least one failing case.  Prints one line
# per mutation and ends with "N passed, N failed" (a survivor is a failure).
# Not part of `make check`: it boots the guest once per mutation.
# `tests/mutate.sh N...` (or `make mutate MUTATIONS="N..."`) runs only the
# mutations numbered N (`tests/lib/mutations.py list tests/mutations.txt`
# numbers them); `make check`'s static gates check that every line's text
# is in the tree exactly once.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
work=$top/build/mutate
passed=0 failed=0

"$top/tests/uml/setup.sh" || exit 1
rm -rf "$work"
mkdir -p "$work"

list=$top/tests/mutations.txt
if ! python3 "$top/tests/lib/mutations.py" check "$list" "$top"; then
	echo "FAIL: tests/mutations.txt does not match the tree"
	exit 1
fi

while IFS=$'\t' read -r n file text repl; do
	if [ $# -gt 0 ] && [[ " $* " != *" $n "* ]]; then
		continue
	fi
	tree=$work/tree
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -a "$top/Kbuild" "$top/compat" "$top/drivers" "$top/include" "$top/tests" "$tree/"
	if ! python3 "$top/tests/lib/mutations.py" apply "$list" "$n" "$tree"; then
		echo "FAIL mutation $n: text not found once in $file: $text"
		failed=$((failed + 1))
		continue
	fi
	if ! "$tree/tests/uml/build-modules.sh" "$cache/linux-6.12" "$work/um" ARCH=um \
		SMARTBMS_TESTS=y >"$work/build-$n.log" 2>&1; then
		echo "FAIL mutation $n: does not build ($text)"
		failed=$((failed + 1))
		continue
	fi
	"$tree/tests/uml/boot.sh" --out "$work/guest-$n" --moddir "$work/um" \
		--timeout 600 --only no-system-tests
	caught=$(python3 "$top/tests/report.py" "$work/guest-$n" | grep -c '^FAIL kunit:')
	if [ "$caught" -gt 0 ]; then
		echo "PASS mutation $n caught by $caught case(s): $text -> $repl"
		passed=$((passed + 1))
	else
		echo "FAIL mutation $n survived: $text -> $repl"
		failed=$((failed + 1))
	fi
done < <(python3 "$top/tests/lib/mutations.py" list "$list")

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
