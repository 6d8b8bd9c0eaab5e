#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static gates, run on the host by tests/check.sh (about a minute and a
# half on 2 cores once tests/uml/setup.sh has prepared both kernel trees):
#
#  - checkpatch: scripts/checkpatch.pl --strict on every kernel source and
#    header (drivers/, include/ and each tests/ directory with a Kbuild:
#    the simulated providers, KUnit suites, bench references);
#  - kernel-doc: scripts/kernel-doc -Wall on the same files;
#  - sparse: C=2 on every module, against the bench's UML tree;
#  - clang: every module built with LLVM=1 W=1 against the x86_64 tree
#    configured for clang (tests/uml/clang.config); every object must say
#    it is clang's;
#  - cppcheck: bmsctl, every check enabled;
#  - clang-tidy: bmsctl, the checks of tools/bmsctl/.clang-tidy;
#  - shellcheck: every shell script, following what each sources.
#
# The gcc W=1 builds, the devicetree gates and bmsctl's -Werror build run
# in tests/check.sh, tests/dt-check.sh and tools/bmsctl/Makefile.  Each
# exception is explained in Documentation/power/smartbms-reliability.rst.
#
# Prints one "ok static: GATE: counts" or "not ok static: GATE: counts,
# N findings: the first" line per gate on stdout, every finding on stderr.
# Exit status 1 if any gate has a finding.
#
# Usage: tests/static.sh [--out DIR]     (default: build/static)
# Environment: SMARTBMS_CACHE (default ~/.cache/smartbms): the kernel trees.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
kdir=$cache/linux-6.12
clang_kdir=$("$top/tests/uml/setup.sh" --clang-dir)
out=$top/build/static

case "${1:-}" in
--out) out=${2:?--out needs a directory} ;;
"") ;;
*) echo "usage: $0 [--out DIR]" >&2; exit 2 ;;
esac

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$top" || exit 1

failed=0
# gate NAME WHAT FINDINGS: the verdict of gate NAME, which checked WHAT;
# FINDINGS holds one finding a line.
gate() {
	local n
	n=$(grep -c . "$3")
	if [ "$n" -eq 0 ]; then
		printf 'ok static: %s: %s, 0 findings (%d s)\n' "$1" "$2" $((SECONDS - t0))
	else
		sed "s/^/  $1: /" "$3" >&2
		printf 'not ok static: %s: %s, %d findings: %s\n' "$1" "$2" "$n" \
			"$(head -n 1 "$3" | sed "s|$out/[^/]*/||g; s|$top/||g" | cut -c1-160)"
		failed=1
	fi
}

# The files of each kind, as git knows them (untracked ones too, so that a
# new file is checked before it is committed).
files() { git ls-files -c -o --exclude-standard "$@" | LC_ALL=C sort -u; }

# Kernel sources: include/, and the directories kbuild compiles (those with
# a Kbuild or, in drivers/, a Makefile).  tools/ is userspace.
mapfile -t kdirs < <(files 'Kbuild' '*/Kbuild' 'drivers/*Makefile' | xargs -r -n1 dirname | sort -u)
mapfile -t ksrcs < <(for d in "${kdirs[@]}"; do
		d=${d#.}
		files ":(glob)${d:+$d/}*.[ch]"
	done
	files ':(glob)include/**/*.h')
if [ ${#ksrcs[@]} -eq 0 ]; then
	echo "not ok static: no kernel sources found (the gates need a git checkout)"
	exit 1
fi
lines=$(cat "${ksrcs[@]}" | wc -l)

missing=()
for t in sparse clang ld.lld cppcheck clang-tidy shellcheck readelf; do
	command -v "$t" >/dev/null || missing+=("$t")
done
for f in "$kdir/scripts/checkpatch.pl" "$kdir/scripts/kernel-doc" "$clang_kdir/scripts/mod/modpost"; do
	[ -e "$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "not ok static: tools: missing ${missing[*]} (tests/uml/setup.sh installs and prepares them)"
	exit 1
fi

# checkpatch: --no-tree, as its DT compatible check only greps the kernel
# tree's bindings, which cannot hold ours (see the reliability page).
t0=$SECONDS
"$kdir/scripts/checkpatch.pl" --strict --no-tree --terse --no-summary --show-types \
	-f "${ksrcs[@]}" >"$out/checkpatch.log" 2>&1
grep -v '^$' "$out/checkpatch.log" >"$out/checkpatch.findings"
gate checkpatch "--strict, ${#ksrcs[@]} kernel sources and headers, $lines lines" \
	"$out/checkpatch.findings"

# kernel-doc: every /** comment must be kernel-doc and complete.
t0=$SECONDS
docs=$(cat "${ksrcs[@]}" | grep -c '^[[:space:]]*/\*\*[[:space:]]*$')
"$kdir/scripts/kernel-doc" -Wall -none "${ksrcs[@]}" >"$out/kernel-doc.findings" 2>&1
gate kernel-doc "-Wall, ${#ksrcs[@]} files, $docs kernel-doc comments" "$out/kernel-doc.findings"

# A module build of everything (SMARTBMS_TESTS=y) into $1 with make
# arguments $2...; its compiler and sparse diagnostics into $1.findings.
build() {
	local dir=$1
	shift
	"$top/tests/uml/build-modules.sh" "$@" SMARTBMS_TESTS=y >/dev/null 2>&1
	grep -E '(warning|error):' "$dir/build.log" >"$dir.findings"
	grep -q '^  MODPOST' "$dir/build.log" ||
		echo "the build stopped (log: $dir/build.log)" >>"$dir.findings"
}

# sparse, on every source of every module (C=2), in the bench's tree.
t0=$SECONDS
build "$out/sparse" "$kdir" "$out/sparse" ARCH=um C=2
n=$(grep -c '^  CHECK ' "$out/sparse/build.log")
gate sparse "C=2, sparse $(sparse --version | cut -d' ' -f1), $n sources (ARCH=um)" "$out/sparse.findings"

# clang: the x86_64 tree has no vmlinux, hence no Module.symvers: modpost
# only warns of the unresolved symbols (the gcc builds against Debian's
# headers and the bench kernel resolve every one).  Every object must be
# clang's: LLVM=1 against a gcc-configured tree quietly compiles with gcc.
t0=$SECONDS
build "$out/clang" "$clang_kdir" "$out/clang" LLVM=1 KBUILD_MODPOST_WARN=1
mapfile -t objs < <(find "$out/clang" -name '*.o' -o -name '*.ko' | LC_ALL=C sort)
for o in "${objs[@]}"; do
	c=$(readelf -p .comment "$o" 2>/dev/null)
	if [[ $c == *GCC:* || $c != *"clang version"* ]]; then
		echo "${o#"$out"/}: not built by clang: $(echo "$c" | grep -o 'GCC: .*\|clang version [^ ]*' | sort -u | tr '\n' ' ')"
	fi
done >>"$out/clang.findings"
n=$(grep '^  CC \[M\] ' "$out/clang/build.log" | grep -vc -e '\.mod\.o$' -e '/\.module-common\.o$')
kos=$(find "$out/clang" -name '*.ko' | wc -l)
ver=$(clang --version | grep -o 'clang version [0-9.]*')
gate clang "LLVM=1 W=1 x86_64, $n sources, $kos modules, ${#objs[@]} objects all by $ver" \
	"$out/clang.findings"

# bmsctl, with the flags of its Makefile.
bsrcs=(tools/bmsctl/*.c)
bflags=(-std=c11 -D_GNU_SOURCE '-DBMSCTL_VERSION="0"' -Itools/bmsctl)

# cppcheck: its own models of libc and POSIX stand for the system headers
# (missingIncludeSystem); readdir is the right call (see the page).
t0=$SECONDS
cppcheck -q --enable=all --std=c11 --library=posix --library=gnu "${bflags[@]:1}" \
	--suppress=missingIncludeSystem --suppress=readdirCalled \
	--template='{file}:{line}: {severity}: {message} [{id}]' \
	"${bsrcs[@]}" >"$out/cppcheck.log" 2>&1
grep -v '^$' "$out/cppcheck.log" >"$out/cppcheck.findings"
gate cppcheck "$(cppcheck --version), --enable=all, ${#bsrcs[@]} bmsctl sources" \
	"$out/cppcheck.findings"

# clang-tidy: one file a run (clang-tidy 14 carries analyzer state from one
# file to the next and reports a va_list it did not see initialised).
t0=$SECONDS
printf '%s\n' "${bsrcs[@]}" |
	xargs -P2 -I{} clang-tidy --quiet {} -- "${bflags[@]}" -Wall -Wextra \
		>"$out/clang-tidy.log" 2>&1
grep -E '(warning|error):' "$out/clang-tidy.log" >"$out/clang-tidy.findings"
n=$(cd tools/bmsctl && clang-tidy --list-checks | grep -c '^    ')
gate clang-tidy "$(clang-tidy --version | grep -o 'LLVM version [0-9.]*'), $n checks, ${#bsrcs[@]} bmsctl sources" \
	"$out/clang-tidy.findings"

# tests/mutations.txt: each mutation's text is in the tree exactly once
# (a stale line would only show in the slow `make mutate`).
t0=$SECONDS
python3 tests/lib/mutations.py check tests/mutations.txt "$top" >"$out/mutations.findings" 2>&1
gate mutations "$(grep -c '@@' tests/mutations.txt) lines of tests/mutations.txt" \
	"$out/mutations.findings"

# Every script git knows (*.sh, anything with a shell #!, and the
# bash completion) through shellcheck -x, following the sources (.shellcheckrc).
t0=$SECONDS
mapfile -t scripts < <(files | while read -r f; do
	[ -f "$f" ] || continue
	case $f in
	*.sh | *.bash-completion) echo "$f" ;;
	*) head -n 1 "$f" | grep -qE '^#!.*/(env )?(ba|da)?sh\b' && echo "$f" ;;
	esac
done)
shellcheck -x -f gcc "${scripts[@]}" >"$out/shellcheck.findings" 2>&1
gate shellcheck "$(shellcheck --version | sed -n 's/^version: //p'), ${#scripts[@]} scripts" \
	"$out/shellcheck.findings"

exit "$failed"
