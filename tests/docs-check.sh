#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation gates, run on the host by tests/check.sh:
#  1. Documentation/ABI through the kernel's scripts/get_abi.pl validate
#     (6.12's; its Python successor came later), alone and together with
#     the kernel's own ABI (a What: defined twice, or clashing, shows
#     there); any output fails.  A self-test: a copy with a misspelt tag
#     must fail.
#  2. Documentation/power/*.rst and the ABI rendered by get_abi.pl rest,
#     built by Sphinx (Debian's python3-sphinx) with tests/docs/conf.py,
#     -W (a warning fails) and nitpicky.
# Prints one "ok"/"not ok" line per check.
#
# Usage: tests/docs-check.sh KSRC OUTDIR   (KSRC: an unpacked 6.12 source)

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=$1
out=$2
abi=$top/Documentation/ABI
getabi=(perl "$ksrc/scripts/get_abi.pl")
failed=0
ok() { printf 'ok docs: %s\n' "$*"; }
not_ok() { printf 'not ok docs: %s\n' "$*"; failed=1; }

rm -rf "$out"
mkdir -p "$out"

# 1. The ABI.
mkdir -p "$out/abi-all"
cp -r "$ksrc/Documentation/ABI/." "$out/abi-all/"
cp -r "$abi/." "$out/abi-all/"
"${getabi[@]}" --dir "$abi" validate >"$out/abi.log" 2>&1
"${getabi[@]}" --dir "$out/abi-all" validate >>"$out/abi.log" 2>&1
n=$(grep -c '^What:' "$abi"/*/*)
if [ -s "$out/abi.log" ]; then
	not_ok "get_abi.pl validate: $(head -n 2 "$out/abi.log" | tr '\n\t' '  ' | cut -c1-200)"
else
	ok "Documentation/ABI ($n entries) passes the kernel's scripts/get_abi.pl validate, alone and with the kernel's ABI"
fi
mkdir -p "$out/abi-broken/testing"
for f in "$abi"/testing/*; do
	sed '0,/^Description:/s//Descrption:/' "$f" >"$out/abi-broken/testing/${f##*/}"
done
if "${getabi[@]}" --dir "$out/abi-broken" validate 2>&1 | grep -q "doesn't have a description"; then
	ok "self-test: get_abi.pl validate rejects an ABI file with a misspelt tag"
else
	not_ok "self-test: get_abi.pl validate accepts an ABI file with a misspelt tag"
fi

# 2. Sphinx.
src=$out/sphinx-src
mkdir -p "$src"
cp "$top"/Documentation/power/*.rst "$src/"
"${getabi[@]}" --dir "$abi" --no-rst-source rest >"$src/abi-body.rst" 2>"$out/abi-rest.log"
{
	printf 'smartbms sysfs ABI\n==================\n\n'
	cat "$src/abi-body.rst"
} >"$src/abi.rst"
rm "$src/abi-body.rst"
{
	printf 'smartbms documentation\n======================\n\n.. toctree::\n   :maxdepth: 1\n\n'
	for f in "$top"/Documentation/power/*.rst; do
		b=${f##*/}
		printf '   %s\n' "${b%.rst}"
	done
	printf '   abi\n'
} >"$src/index.rst"
if sphinx-build -q -W --keep-going -n -b html -c "$top/tests/docs" "$src" "$out/html" \
	>"$out/sphinx.log" 2>&1 && [ ! -s "$out/abi-rest.log" ]; then
	ok "sphinx-build -W -n: Documentation/power/*.rst ($(find "$top/Documentation/power" -maxdepth 1 -name "*.rst" | wc -l) pages) and the ABI build without a warning"
else
	cat "$out/abi-rest.log" "$out/sphinx.log" >&2
	not_ok "sphinx-build -W: $(grep -m1 -i 'warning\|error' "$out/sphinx.log" "$out/abi-rest.log" | sed "s|$out/||g" | cut -c1-200)"
fi
exit "$failed"
