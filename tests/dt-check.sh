#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Devicetree checks, run on the host by tests/check.sh:
#
#  1. the kernel's bindings, processed once by dt-mk-schema and cached (with
#     dt-bindings/*.patch, the patches an upstream submission sends with the
#     binding, and tests/board/dt-exceptions.patch, the test board's
#     exceptions, applied to a copy first);
#  2. each of our schemas (dt-bindings/ and tests/sim/) through
#     dt-doc-validate and yamllint (when installed), and its example
#     compiled and validated against the kernel's schemas plus ours, as the
#     kernel's dt_binding_check does;
#  3. the simulated board (tests/board/smartbms-board.dts, preprocessed as
#     tests/uml/boot.sh does) through dt-validate against the same schemas,
#     with every compatible required to match a schema;
#  4. a self-test: copies of the board with a required property removed, a
#     GPIO property misspelt and a channel name misspelt must each fail;
#  5. the admin guide's real board (boards/*.dts: the kernel's board file
#     plus the BMS, its ADCs, front ends and EEPROM): dtc and dt-validate
#     must report nothing about the nodes it adds (the kernel's own nodes
#     draw reports from this older dt-schema: counted, kept in a log), and
#     a copy without remote-gpios must fail.
#
# Prints one "ok dt: ..." or "not ok dt: ...: why" line per check on stdout,
# diagnostics on stderr.  Exit status 1 if any check failed.
#
# Usage: tests/dt-check.sh [--out DIR]     (default: build/dt)
# Environment: SMARTBMS_CACHE (default ~/.cache/smartbms): the kernel source
# is read from there and the processed kernel schemas are cached there.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
kdir=$cache/linux-6.12
kbind=$kdir/Documentation/devicetree/bindings
out=$top/build/dt

case "${1:-}" in
--out) out=${2:?--out needs a directory} ;;
"") ;;
*) echo "usage: $0 [--out DIR]" >&2; exit 2 ;;
esac

board=$top/tests/board/smartbms-board.dts
# The bench's second board: the real board's BMS and chips (boards/*.dtsi).
board_i2c=$top/tests/board/smartbms-board-i2c.dts
# Ours, each with the path its $id names under dt-bindings/ or tests/sim/.
mapfile -t ours < <(find "$top/dt-bindings" "$top/tests/sim" -name '*.yaml' | LC_ALL=C sort)
patches=("$top"/dt-bindings/*.patch "$top"/tests/board/dt-exceptions.patch)

failed=0
ok() { printf 'ok dt: %s\n' "$*"; }
not_ok() { printf 'not ok dt: %s\n' "$*"; failed=1; }
# The result of a step: $1 the name, the step's diagnostics in file $2.
# Any output at all fails the step: dt-doc-validate and dt-validate report
# most problems on stderr with exit status 0.
verdict() {
	if [ -s "$2" ]; then
		sed 's/^/  /' "$2" >&2
		not_ok "$1: $(head -n 1 "$2" | sed "s|$out/||g; s|$top/||g" | cut -c1-160)"
	else
		ok "$1"
	fi
}

missing=()
for t in dt-doc-validate dt-validate dt-mk-schema dt-extract-example dtc cpp patch; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
	not_ok "tools: missing ${missing[*]} (tests/uml/setup.sh installs them)"
	exit 1
fi
if [ ! -d "$kbind" ]; then
	not_ok "kernel bindings: none at $kbind (tests/uml/setup.sh unpacks them)"
	exit 1
fi
# The Python that has dtschema is the one dt-validate runs with.
read -ra py <<<"$(sed -n '1s/^#! *//p' "$(command -v dt-validate)")"

rm -rf "$out"
mkdir -p "$out"

# cpp and dtc as tests/uml/boot.sh runs them.  $1 source, $2 dtb.
compile() {
	cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp \
		-I "$kdir/include" -I "$kdir/scripts/dtc/include-prefixes" "$1" |
		dtc -q -I dts -O dtb -o "$2" -
}

# 1. The kernel's schemas.  dt-schema 2022.08 is older than some of the
# 6.12 schemas and skips those it cannot process ("ignoring, error in
# schema"): tolerated for the kernel's (a board node needing one would match
# no schema, which step 3 rejects), never for ours (dt-merge-schemas.py).
t0=$SECONDS
key=$({
	dt-mk-schema --version
	find "$kbind" -type f -printf '%P %s %T@\n' | LC_ALL=C sort
	cat "${patches[@]}"
} | sha256sum | cut -c1-16)
kc=$cache/dt-schema/$key
if [ ! -s "$kc/kernel.json" ]; then
	echo "dt-check: processing the kernel's bindings (once, about 30 s)" >&2
	mkdir -p "$cache/dt-schema"
	tmp=$(mktemp -d "$cache/dt-schema/.new.XXXXXX")
	cp -a "$kbind" "$tmp/bindings"
	for p in "${patches[@]}"; do
		if ! patch -s -p4 -d "$tmp/bindings" <"$p" >"$tmp/patch.log" 2>&1; then
			cat "$tmp/patch.log" >&2
			rm -rf "$tmp"
			not_ok "kernel schemas: ${p#"$top"/} does not apply to $kbind"
			exit 1
		fi
	done
	if ! dt-mk-schema -j "$tmp/bindings" >"$tmp/kernel.json" 2>"$tmp/mk-schema.log"; then
		cat "$tmp/mk-schema.log" >&2
		rm -rf "$tmp"
		not_ok "kernel schemas: dt-mk-schema failed"
		exit 1
	fi
	# Name the kernel's files, not the copy, in "From schema:" lines.
	sed -i "s|$tmp/bindings/|$kbind/|g" "$tmp/kernel.json" "$tmp/mk-schema.log"
	rm -rf "$tmp/bindings" "$tmp/patch.log"
	# Another check running at the same time may have won: use either.
	mv -T "$tmp" "$kc" 2>/dev/null || rm -rf "$tmp"
	# Drop entries for other kernels or patches unused for a day.
	find "$cache/dt-schema" -mindepth 1 -maxdepth 1 -type d ! -name "$key" \
		! -newermt '-1 day' -exec rm -rf {} + 2>/dev/null
fi
touch "$kc/kernel.json"
skipped=$(grep -c 'ignoring' "$kc/mk-schema.log")
ok "kernel schemas: processed by dt-mk-schema $(dt-mk-schema --version)," \
	"$skipped too new for it skipped (${kc/#"$HOME"/\~}/mk-schema.log), $((SECONDS - t0)) s"

merged=$out/processed-schema.json
if "${py[@]}" "$top/tests/dt-merge-schemas.py" "$kc/kernel.json" "$merged" "${ours[@]}" \
	2>"$out/merge.log"; then
	: >"$out/merge.log"
else
	[ -s "$out/merge.log" ] || echo "dt-merge-schemas.py failed" >"$out/merge.log"
	rm -f "$merged"
fi
verdict "our schemas processed with the kernel's" "$out/merge.log"

# Everything dt-validate checks is compiled first and validated in one run:
# loading the processed schemas is most of the time a run takes.
dtbs=()
# Bring $2 (a .dts) to $3 (a .dtb) for check $1, or record why not in $1.log.
prepare() {
	if compile "$2" "$3" 2>"$out/$1.log"; then
		: >"$out/$1.log"
		dtbs+=("$3")
	else
		[ -s "$out/$1.log" ] || echo "does not compile" >"$out/$1.log"
	fi
}

# 2. Our schemas: dt-doc-validate, then each example as dt_binding_check
# does.  dt-doc-validate resolves $ref by path under one -u directory: a tree
# of links to the kernel's bindings with ours added.
yamllint=$(command -v yamllint) nolint=
[ -n "$yamllint" ] || nolint=" (yamllint not installed: style not checked)"
farm=$out/schemas
cp -rs "$kbind/." "$farm/"
for f in "${ours[@]}"; do
	base=$(basename "$f" .yaml)
	case $f in
	"$top"/dt-bindings/*) rel=${f#"$top"/dt-bindings/} ;;
	*) rel=${f##*/} ;;
	esac
	mkdir -p "$(dirname "$farm/$rel")"
	ln -sfn "$f" "$farm/$rel"
	dt-doc-validate -u "$farm" "$farm/$rel" >"$out/$base.doc.log" 2>&1 ||
		[ -s "$out/$base.doc.log" ] || echo "dt-doc-validate failed" >"$out/$base.doc.log"
	# Style, with the kernel's yamllint rules, as dt_binding_check does.
	[ -z "$yamllint" ] ||
		yamllint -f parsable -c "$kbind/.yamllint" "$f" >>"$out/$base.doc.log" 2>&1
	if grep -q '^examples:' "$f"; then
		if dt-extract-example "$f" >"$out/$base.example.dts" 2>"$out/$base.example.log"; then
			prepare "$base.example" "$out/$base.example.dts" "$out/$base.example.dtb"
		fi
	fi
done

# 3. The board, and 4. broken copies of it that must fail.  Each mutant: a
# name, a sed script for the board, a text the failure must contain.
prepare board "$board" "$out/board.dtb"
prepare board-i2c "$board_i2c" "$out/board-i2c.dtb"
# 5. The real boards, and each without remote-gpios.  dtc's warnings about
# the lines of our files (the board's and the boards/*.dtsi it includes)
# count (into $name.log); the kernel's files' do not.  The warnings are the
# kernel tree's own dtc's, as make dtbs gives them (Debian's dtc 1.6 still
# asks an interrupt provider for #address-cells, which the 6.12 bindings of
# the PCA9555 do not allow).
kdtc=$kdir/scripts/dtc/dtc
[ -x "$kdtc" ] || kdtc=dtc
mapfile -t examples < <(find "$top/boards" -name '*.dts' 2>/dev/null | LC_ALL=C sort)
for ex in "${examples[@]}"; do
	name=example-$(basename "$ex" .dts)
	prepare "$name" "$ex" "$out/$name.dtb"
	# The BMS node is in an included .dtsi: the mutant is made after cpp.
	cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp -I "$kdir/include" \
		-I "$kdir/scripts/dtc/include-prefixes" "$ex" 2>/dev/null |
		sed '/^[[:space:]]*remote-gpios[[:space:]]*=/d' >"$out/$name-mutant.dts"
	prepare "$name-mutant" "$out/$name-mutant.dts" "$out/$name-mutant.dtb"
	cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp -I "$kdir/include" \
		-I "$kdir/scripts/dtc/include-prefixes" "$ex" 2>/dev/null |
		"$kdtc" -I dts -O dtb -o /dev/null - 2>&1 |
		grep -F -e "${ex##*/}" -e "$(basename "$(dirname "$ex")")/smartbms-" >>"$out/$name.log"
done
mutants=(
	"without remote-gpios" '/^[[:space:]]*remote-gpios[[:space:]]*=/d' "'remote-gpios' is a required property"
	"with charge-allowed-gpios misspelt" 's/\<charge-allowed-gpios\>/charge-alowed-gpios/' "charge-alowed-gpios"
	"with a misspelt channel name" '/io-channel-names/,/;/s/"temperature"/"temprature"/' "io-channel-names"
)
for ((i = 0; i < ${#mutants[@]}; i += 3)); do
	m=mutant-$((i / 3))
	sed "${mutants[i + 1]}" "$board" >"$out/$m.dts"
	if cmp -s "$board" "$out/$m.dts"; then
		echo "the edit no longer applies to the board" >"$out/$m.log"
	else
		prepare "$m" "$out/$m.dts" "$out/$m.dtb"
	fi
done

# dt-validate starts each report with the file's name; a line without one
# belongs to the previous report.  Lines before any go to every file.
vlog=$out/dt-validate.log
: >"$vlog"
if [ ! -f "$merged" ]; then
	echo "not validated: the schemas could not be processed" >"$vlog"
elif [ ${#dtbs[@]} -gt 0 ]; then
	dt-validate -m -s "$merged" "${dtbs[@]}" >"$vlog" 2>&1 ||
		echo "dt-validate failed (exit status $?)" >>"$vlog"
fi
# The report for $1.dtb (the path without .dtb) into $1.out.
reports() {
	awk -v want="$1.dtb: " '
		index($0, "/") == 1 && index($0, ".dtb: ") { mine = index($0, want) == 1; seen = 1 }
		mine || !seen' "$vlog" >"$1.out"
}

for f in "${ours[@]}"; do
	base=$(basename "$f" .yaml)
	log=$out/$base.doc.log
	if [ ! -s "$log" ] && [ -f "$out/$base.example.dts" ]; then
		log=$out/$base.example.log
		if [ ! -s "$log" ]; then
			reports "$out/$base.example"
			log=$out/$base.example.out
		fi
	fi
	verdict "${f#"$top"/}: dt-doc-validate,${yamllint:+ yamllint,} example validates$nolint" "$log"
done

log=$out/board.log
if [ ! -s "$log" ]; then
	reports "$out/board"
	log=$out/board.out
fi
verdict "tests/board/smartbms-board.dts validates against the kernel's bindings and ours" "$log"
log=$out/board-i2c.log
if [ ! -s "$log" ]; then
	reports "$out/board-i2c"
	log=$out/board-i2c.out
fi
verdict "tests/board/smartbms-board-i2c.dts (the real board's BMS and chips on the emulated bus) validates against the kernel's bindings and ours" "$log"

# The nodes a real board adds: those its file opens, and the nodes it
# extends by label (&i2c1 is i2c@...): the names dt-validate reports under.
for ex in "${examples[@]}"; do
	name=example-$(basename "$ex" .dts)
	rel=${ex#"$top"/}
	log=$out/$name.log
	if [ -s "$log" ]; then
		verdict "$rel: dtc" "$log"
		continue
	fi
	reports "$out/$name"
	# Its own file and the .dtsi files of boards/ it includes.
	mapfile -t srcs < <(printf '%s\n' "$ex"; sed -n 's/^#include "\(.*\)"$/\1/p' "$ex" |
		while read -r f; do printf '%s\n' "$(dirname "$ex")/$f"; done)
	mapfile -t nodes < <(sed -n 's/^[[:space:]]*\([a-z0-9_]*:[[:space:]]*\)\{0,1\}\([a-z][a-zA-Z0-9@,._-]*\)[[:space:]]*{$/\2/p' "${srcs[@]}")
	mapfile -t labels < <(sed -n 's/^&\([a-z0-9_]*\)[[:space:]]*{$/\1/p' "$ex")
	for l in "${labels[@]}"; do
		nodes+=("$(dtc -I dtb -O dts "$out/$name.dtb" 2>/dev/null |
			sed -n "s/^[[:space:]]*$l:[[:space:]]*\([^ ]*\) {$/\1/p" | head -n 1)")
	done
	pattern=$(printf '%s\n' "${nodes[@]}" | sed '/^$/d; s/[.]/\\./g' | paste -sd'|')
	# The reports in $1.out about those nodes, into $1.ours.
	ours() {
		awk -v re="^[^ ]*\\.dtb: ($pattern)[:@ ]" '
			index($0, "/") == 1 { mine = ($0 ~ re) } mine' "$1.out" >"$1.ours"
	}
	ours "$out/$name"
	others=$(grep -c '\.dtb: ' "$out/$name.out")
	others=$((others - $(grep -c '\.dtb: ' "$out/$name.ours")))
	if [ -s "$out/$name.ours" ]; then
		verdict "$rel: the nodes it adds validate" "$out/$name.ours"
	else
		ok "$rel: the ${#nodes[@]} nodes it adds (BMS, ADCs, expander, front ends, EEPROM, battery, LEDs) pass dtc and dt-validate ($others reports on the kernel's own nodes from dt-schema $(dt-mk-schema --version): ${name}.out)"
	fi
	reports "$out/$name-mutant"
	ours "$out/$name-mutant"
	if grep -qF "bms: 'remote-gpios' is a required property" "$out/$name-mutant.ours"; then
		ok "self-test: $rel without remote-gpios fails validation"
	else
		not_ok "self-test: $rel without remote-gpios passes validation"
	fi
done

for ((i = 0; i < ${#mutants[@]}; i += 3)); do
	m=$out/mutant-$((i / 3))
	if [ -s "$m.log" ]; then
		not_ok "self-test: the board ${mutants[i]}: $(head -n 1 "$m.log")"
		continue
	fi
	reports "$m"
	if grep -qF -- "${mutants[i + 2]}" "$m.out"; then
		ok "self-test: the board ${mutants[i]} fails validation"
	else
		not_ok "self-test: the board ${mutants[i]} passes validation (see ${vlog#"$top"/})"
	fi
done

# The two gates in one line each, with their counts (what they found is in
# the lines above).
count() { cat "$@" 2>/dev/null | grep -c .; }
mapfile -t examples < <(find "$out" -maxdepth 1 -name '*.example.dts')
found=$(count "$out"/*.doc.log)
[ "$found" -eq 0 ] && v=ok || v=not_ok
$v "gate dt-doc-validate: ${#ours[@]} schemas${yamllint:+ (and yamllint)}, $found findings"
found=$(count "$out"/*.example.log "$out"/*.example.out "$out"/board.log "$out"/board.out \
	"$out"/board-i2c.log "$out"/board-i2c.out)
[ "$found" -eq 0 ] && v=ok || v=not_ok
$v "gate dt-validate: ${#examples[@]} schema examples and the two bench boards, $found findings," \
	"and $((${#mutants[@]} / 3)) broken copies of the board that must fail (the self-tests)"

exit "$failed"
