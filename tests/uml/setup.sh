#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the smartbms test bench: install what is missing, unpack Debian's
# linux-source-6.12 once into the cache and build a User-Mode Linux kernel
# from tests/uml/uml.config.  The kernel is rebuilt only when the fragment
# (or the kernel source version) changes.
#
# Usage: tests/uml/setup.sh [--kernel-only|--packages-only|--headers-dir|--bench-kernel]
#   --headers-dir prints the Debian amd64 6.12 headers the bench builds against.
#   --bench-kernel builds make bench's kernel instead: the same fragment
#   without its debugging options (tests/bench/uml-bench.config), in its own
#   tree, $SMARTBMS_CACHE/linux-6.12-bench.
# Environment: SMARTBMS_CACHE (default ~/.cache/smartbms)

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SMARTBMS_CACHE:-$HOME/.cache/smartbms}
ksrc=$cache/linux-6.12
fragment=$top/tests/uml/uml.config
jobs=$(nproc)

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Debian packages the bench needs.  The amd64 headers are found below.
packages=(
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	kmod xz-utils python3 device-tree-compiler dt-schema yamllint sparse clang
	llvm lld
	# Clients the guest runs against the driver (tests/system/clients.sh).
	lm-sensors udev
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

install_packages() {
	local need
	mapfile -t need < <(missing_packages "${packages[@]}")
	apt_install "${need[@]}"
	if [ -z "$(amd64_headers_dir)" ]; then
		[ -n "$apt_updated" ] || { apt-get update -q >/dev/null; apt_updated=1; }
		local hdr
		hdr=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
			awk '{print $1}' | sort -V | tail -n 1)
		[ -n "$hdr" ] || die "no linux-headers-6.12.*+deb12-amd64 package in the apt sources"
		apt_install "$hdr"
	fi
}

build_kernel() {
	local stamp want
	[ -f /usr/src/linux-source-6.12.tar.xz ] || die "linux-source-6.12 is not installed"
	want=$( (sha256sum < "$fragment"; ls -l /usr/src/linux-source-6.12.tar.xz) | sha256sum | cut -d' ' -f1)
	stamp=$ksrc/.smartbms-stamp
	if [ -x "$ksrc/linux" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi

	mkdir -p "$cache"
	if [ ! -f "$ksrc/Makefile" ]; then
		log "unpacking linux-source-6.12 into $ksrc"
		rm -rf "$ksrc.tmp"
		mkdir -p "$ksrc.tmp"
		tar -xf /usr/src/linux-source-6.12.tar.xz -C "$ksrc.tmp" --strip-components=1
		mv "$ksrc.tmp" "$ksrc"
	fi

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

case "${1:-}" in
--packages-only) install_packages ;;
--kernel-only) build_kernel ;;
--headers-dir) amd64_headers_dir ;;
--bench-kernel)
	install_packages
	ksrc=$cache/linux-6.12-bench
	mkdir -p "$cache"
	fragment=$cache/uml-bench.config
	{ sed '/^# Debugging/,$d' "$top/tests/uml/uml.config"; cat "$top/tests/bench/uml-bench.config"; } >"$fragment"
	build_kernel
	;;
"") install_packages; build_kernel ;;
*) die "usage: $0 [--kernel-only|--packages-only|--headers-dir|--bench-kernel]" ;;
esac
