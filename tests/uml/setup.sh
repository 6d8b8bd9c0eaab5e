#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the smartbms test bench: install what is missing, unpack Debian's
# linux-source-6.12 once into the cache and build a User-Mode Linux kernel
# from tests/uml/uml.config.  The kernel is rebuilt only when the fragment
# (or the kernel source version) changes.
#
# Usage: tests/uml/setup.sh [--kernel-only|--packages-only|--headers-dir [KIND]|
#                            --clang-only|--clang-dir|--arm64-only|--bench-kernel]
#   --headers-dir prints the Debian amd64 6.12 headers the bench builds against;
#   KIND "rt" the PREEMPT_RT 6.12 ones, "6.1" the 6.1 LTS ones, "arm64" the
#   arm64 tree prepared from linux-source-6.12 (cross build, ARCH=arm64).
#   --clang-only prepares only the x86_64 tree configured for clang
#   (tests/uml/clang.config; the static gates build the modules against it),
#   --clang-dir prints it.
#   --arm64-only prepares only the arm64 tree.
#   --bench-kernel builds make bench's kernel instead: the same fragment
#   without its debugging options (tests/bench/uml-bench.config), in its own
#   tree, $SMARTBMS_CACHE/linux-6.12-bench.
# Environment: SMARTBMS_CACHE (default ~/.cache/smartbms)

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
ksrc=$cache/linux-6.12
fragment=$top/tests/uml/uml.config
clang_src=$cache/linux-6.12-clang
clang_fragment=$top/tests/uml/clang.config
jobs=$(nproc)

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Debian packages the bench needs.  The amd64 headers are found below.
packages=(
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	kmod xz-utils python3 device-tree-compiler dt-schema yamllint sparse clang
	llvm lld cppcheck clang-tidy shellcheck
	# libFuzzer and the sanitizers' runtimes for clang (tests/fuzz/).
	libclang-rt-14-dev
	# Clients the guest runs against the driver (tests/system/clients.sh).
	lm-sensors udev
	# Packaging (issue 9): DKMS, the arm64 cross build, the rst build.
	dkms gcc-aarch64-linux-gnu python3-sphinx
	# make bench: the trips' traces with their nanoseconds.
	trace-cmd
)

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf '%s\n' "$p"
	done
}

apt_updated=
apt_install() {
	[ $# -gt 0 ] || return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (run as root to install): $*"
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		apt-get update -q >/dev/null
		apt_updated=1
	fi
	log "installing: $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" >/dev/null
}

# The newest Debian 6.12 amd64 headers, installed if none is.
amd64_headers_dir() {
	local d
	for d in /usr/src/linux-headers-6.12.*-amd64; do
		case $d in
		*-rt-amd64 | *-cloud-amd64) ;;
		*) [ -f "$d/Makefile" ] && printf '%s\n' "$d" ;;
		esac
	done | sort -V | tail -n 1
}

# The newest installed headers matching a glob (rt_headers_dir, v61_headers_dir).
newest_headers_dir() {
	local d
	for d in "$@"; do
		[ -f "$d/Makefile" ] && printf '%s\n' "$d"
	done | sort -V | tail -n 1
}
rt_headers_dir() { newest_headers_dir /usr/src/linux-headers-6.12.*-rt-amd64; }
v61_headers_dir() { newest_headers_dir /usr/src/linux-headers-6.1.*[0-9]-amd64; }
arm64_tree=$cache/linux-6.12-arm64
arm64_fragment=$top/tests/cross/arm64.config

# Install the newest package matching REGEX when CHECK prints nothing.
install_headers_if_missing() {
	local check=$1 regex=$2 hdr
	[ -z "$($check)" ] || return 0
	[ -n "$apt_updated" ] || { apt-get update -q >/dev/null; apt_updated=1; }
	hdr=$(apt-cache search --names-only "$regex" | awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$hdr" ] || die "no package matching $regex in the apt sources"
	apt_install "$hdr"
}

install_packages() {
	local need
	mapfile -t need < <(missing_packages "${packages[@]}")
	apt_install "${need[@]}"
	install_headers_if_missing rt_headers_dir '^linux-headers-6\.12\.[0-9]+\+deb12-rt-amd64$'
	install_headers_if_missing v61_headers_dir '^linux-headers-6\.1\.0-[0-9]+-amd64$'
	if [ -z "$(amd64_headers_dir)" ]; then
		[ -n "$apt_updated" ] || { apt-get update -q >/dev/null; apt_updated=1; }
		local hdr
		hdr=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
			awk '{print $1}' | sort -V | tail -n 1)
		[ -n "$hdr" ] || die "no linux-headers-6.12.*+deb12-amd64 package in the apt sources"
		apt_install "$hdr"
	fi
}

# Unpack linux-source-6.12 into DIR unless it is there (a tree per target).
unpack_source() {
	[ -f "$1/Makefile" ] && return 0
	log "unpacking linux-source-6.12 into $1"
	mkdir -p "${1%/*}"
	rm -rf "$1.tmp"
	mkdir -p "$1.tmp"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$1.tmp" --strip-components=1
	mv "$1.tmp" "$1"
}

build_kernel() {
	local stamp want
	[ -f /usr/src/linux-source-6.12.tar.xz ] || die "linux-source-6.12 is not installed"
	want=$( (sha256sum < "$fragment"; ls -l /usr/src/linux-source-6.12.tar.xz) | sha256sum | cut -d' ' -f1)
	stamp=$ksrc/.smartbms-stamp
	if [ -x "$ksrc/linux" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi

	unpack_source "$ksrc"

	log "configuring the UML kernel from $fragment"
	rm -f "$stamp"
	make -s -C "$ksrc" ARCH=um defconfig
	"$ksrc/scripts/kconfig/merge_config.sh" -m -O "$ksrc" "$ksrc/.config" "$fragment" >/dev/null
	make -s -C "$ksrc" ARCH=um olddefconfig
	local opt bad=
	while read -r opt; do
		grep -qx "$opt" "$ksrc/.config" || { log "option did not take: $opt"; bad=1; }
	done < <(grep -o '^CONFIG_[A-Z0-9_]*=.*\|^# CONFIG_[A-Z0-9_]* is not set' "$fragment")
	[ -z "$bad" ] || die "the config fragment does not apply to this kernel"

	log "building the UML kernel with $jobs jobs (a few minutes, once)"
	make -s -C "$ksrc" ARCH=um -j"$jobs" linux modules >"$ksrc.build.log" 2>&1 ||
		{ tail -n 40 "$ksrc.build.log" >&2; die "kernel build failed (log: $ksrc.build.log)"; }
	printf '%s\n' "$want" > "$stamp"
	log "kernel ready: $ksrc/linux"
}

# A second, x86_64 tree of the same source, configured and prepared with
# clang (LLVM=1) for external modules only: Debian's headers are gcc's, and
# LLVM=1 against them still compiles with gcc.  Never the UML tree: that one
# is configured for ARCH=um.  Redone only when the fragment, the source or
# clang changes.
build_clang_tree() {
	local stamp want
	[ -f /usr/src/linux-source-6.12.tar.xz ] || die "linux-source-6.12 is not installed"
	want=$( (sha256sum < "$clang_fragment"; ls -l /usr/src/linux-source-6.12.tar.xz
		clang --version) | sha256sum | cut -d' ' -f1)
	stamp=$clang_src/.smartbms-stamp
	if [ -f "$clang_src/scripts/mod/modpost" ] && [ -f "$stamp" ] &&
		[ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi

	unpack_source "$clang_src"

	log "configuring the x86_64 tree for clang from $clang_fragment"
	rm -f "$stamp"
	make -s -C "$clang_src" ARCH=x86_64 LLVM=1 defconfig
	"$clang_src/scripts/kconfig/merge_config.sh" -m -O "$clang_src" \
		"$clang_src/.config" "$clang_fragment" >/dev/null
	make -s -C "$clang_src" ARCH=x86_64 LLVM=1 olddefconfig
	local opt bad=
	while read -r opt; do
		grep -qx "$opt" "$clang_src/.config" || { log "option did not take: $opt"; bad=1; }
	done < <(grep -o '^CONFIG_[A-Z0-9_]*=.*' "$clang_fragment")
	grep -q '^CONFIG_CC_IS_CLANG=y' "$clang_src/.config" || { log "not configured for clang"; bad=1; }
	[ -z "$bad" ] || die "the clang config fragment does not apply to this kernel"

	log "preparing the clang tree for external modules (a minute or two, once)"
	make -s -C "$clang_src" ARCH=x86_64 LLVM=1 -j"$jobs" modules_prepare \
		>"$cache/clang-prepare.log" 2>&1 ||
		{ tail -n 40 "$cache/clang-prepare.log" >&2; die "modules_prepare failed (log: $cache/clang-prepare.log)"; }
	printf '%s\n' "$want" > "$stamp"
	log "clang tree ready: $clang_src"
}

# An arm64 tree from the same linux-source-6.12, for the cross build: arm64
# defconfig plus tests/cross/arm64.config, modules_prepare only (no vmlinux,
# so no Module.symvers).  Prepared again only when its inputs change.
prepare_arm64_tree() {
	local stamp want cross=aarch64-linux-gnu- opt bad=
	[ -f /usr/src/linux-source-6.12.tar.xz ] || die "linux-source-6.12 is not installed"
	want=$( (sha256sum < "$arm64_fragment"; ls -l /usr/src/linux-source-6.12.tar.xz;
		"${cross}gcc" --version | head -n 1) | sha256sum | cut -d' ' -f1)
	stamp=$arm64_tree/.smartbms-stamp
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0

	unpack_source "$arm64_tree"
	log "preparing the arm64 tree (defconfig + $arm64_fragment, modules_prepare)"
	rm -f "$stamp"
	local mk=(make -s -C "$arm64_tree" ARCH=arm64 CROSS_COMPILE="$cross")
	"${mk[@]}" defconfig
	"$arm64_tree/scripts/kconfig/merge_config.sh" -m -O "$arm64_tree" \
		"$arm64_tree/.config" "$arm64_fragment" >/dev/null
	"${mk[@]}" olddefconfig
	while read -r opt; do
		grep -qx "$opt" "$arm64_tree/.config" || { log "option did not take: $opt"; bad=1; }
	done < <(grep -o '^CONFIG_[A-Z0-9_]*=.*' "$arm64_fragment")
	[ -z "$bad" ] || die "the arm64 fragment does not apply to this kernel"
	"${mk[@]}" -j"$jobs" modules_prepare >"$cache/arm64-prepare.log" 2>&1 ||
		{ tail -n 40 "$cache/arm64-prepare.log" >&2; die "arm64 modules_prepare failed"; }
	printf '%s\n' "$want" > "$stamp"
	log "arm64 tree ready: $arm64_tree"
}

case "${1:-}" in
--packages-only) install_packages ;;
--kernel-only) build_kernel ;;
--clang-only) build_clang_tree ;;
--clang-dir) printf '%s\n' "$clang_src" ;;
--arm64-only) prepare_arm64_tree ;;
--headers-dir)
	case "${2:-}" in
	"") amd64_headers_dir ;;
	rt) rt_headers_dir ;;
	6.1) v61_headers_dir ;;
	arm64) [ -f "$arm64_tree/.smartbms-stamp" ] && printf '%s\n' "$arm64_tree" ;;
	*) die "--headers-dir: unknown kind $2" ;;
	esac ;;
--bench-kernel)
	install_packages
	ksrc=$cache/linux-6.12-bench
	mkdir -p "$cache"
	fragment=$cache/uml-bench.config
	{ sed '/^# Debugging/,$d' "$top/tests/uml/uml.config"; cat "$top/tests/bench/uml-bench.config"; } >"$fragment"
	build_kernel
	;;
"") install_packages; build_kernel; build_clang_tree; prepare_arm64_tree ;;
*) die "usage: $0 [--kernel-only|--packages-only|--headers-dir [rt|6.1|arm64]|--clang-only|--clang-dir|--arm64-only|--bench-kernel]" ;;
esac
