#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permissions.  No world-writable file under the BMS's devices (platform
# device, power supplies, hwmon), its debugfs directory, the LEDs that
# follow its triggers or the EEPROM; every writable file is root's alone:
# a write by nobody fails with EACCES and changes nothing.  bmsctl, given
# another sysfs root, writes nowhere else (every path it opens for writing,
# creates, renames or removes, traced with strace).

. "$SMARTBMS_TOP/tests/lib/board.sh"
. "$SMARTBMS_TOP/tests/lib/faults.sh"

BMSCTL=$SMARTBMS_TOP/build/bmsctl/bmsctl
[ -x "$BMSCTL" ] || die "bmsctl is not built at $BMSCTL (tests/check.sh builds it)"
eeprom_dev=$(readlink -f "${EEPROM%/nvmem}")

board_rest

# --- no world-writable file ---------------------------------------------------

# The LEDs that follow one of the BMS's triggers (their class files).
leds=()
for l in /sys/class/leds/*; do
	grep -q "\[$BMS_DEV-" "$l/trigger" 2>/dev/null && leds+=("$(readlink -f "$l")")
done
# all_files [FIND-TEST...]
all_files() {
	{
		find "/sys/devices/platform/$BMS_DEV" "$(bms_debugfs)" "$eeprom_dev" -type f "$@"
		for l in "${leds[@]}"; do find "$l" -maxdepth 1 -type f "$@"; done
	} 2>/dev/null
}
mapfile -t files < <(all_files)
ww=$(all_files -perm -o+w)
check_eq "no world-writable file among the ${#files[@]} files of the BMS's platform device, power supplies, hwmon devices, debugfs, the ${#leds[@]} LEDs on its triggers and the EEPROM" "" "$ww"

# --- writable by root only ----------------------------------------------------

mapfile -t writable < <(find "/sys/devices/platform/$BMS_DEV" "$(bms_debugfs)" "$eeprom_dev" \
	-type f -perm /222 ! -name uevent ! -name driver_override ! -path '*/power/*' | sort)
notroot=0
for f in "${writable[@]}"; do
	read -r mode owner group < <(stat -c '%a %U %G' "$f")
	if [ "$owner" != root ] || [ $((8#$mode & 8#022)) -ne 0 ]; then
		fail "$f is $mode $owner:$group: writable by others than root"
		notroot=$((notroot + 1))
	fi
done
check_eq "${#writable[@]} writable files (settings, actions, debugfs, EEPROM), each writable by root only" 0 "$notroot"

# A value each file would accept from root.
value_for() {
	local f=$1 a
	case ${f##*/} in
	reset | clear | loop_pause) echo 1 ;;
	charge_limit) echo 13500000 ;;
	nvmem) echo 0000 ;;
	*) if [ -r "${f}_available" ]; then
		read -r -a a <"${f}_available"
		echo "${a[-1]}"
	   else
		echo 1
	   fi ;;
	esac
}

snap() { bms_settings; od -An -tx1 "$EEPROM" | tr -d ' \n'; }
denied=0
for f in "${writable[@]}"; do
	before=$(snap)
	# shellcheck disable=SC2016 # expanded by that shell
	err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		sh -c 'printf %s "$1" >"$2"' sh "$(value_for "$f")" "$f" 2>&1) &&
		{ fail "nobody wrote $f"; continue; }
	if [[ $err != *"Permission denied"* ]]; then
		fail "nobody writing $f: expected EACCES, got '$err'"
	elif [ "$before" != "$(snap)" ]; then
		fail "nobody writing $f was refused but something changed"
	else
		denied=$((denied + 1))
	fi
done
check_eq "nobody's writes to the ${#writable[@]} writable files: each EACCES, nothing changed" \
	"${#writable[@]}" "$denied"

# --- bmsctl writes only below its sysfs root ------------------------------------

root=$TMPDIR/sysroot
mkdir -p "$root"
mount -t sysfs sysfs "$root"
log=$TMPDIR/bmsctl.strace
saved=$TMPDIR/bmsctl-saved.txt
cmds=("set fuse 2x7.5A" "set prealarm-usage not-available" "set prealarm-output intermittent"
      "set charge-limit 14.4V" "set remote-function alternator-only" "off" "on"
      "save $saved" "reset" "load $saved" "clear" "reset" "status" "list" "get fuse")
ran=0 outside=0 writes=0
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086 # the command's words
	strace -f -qq -o "$log" -e trace=%file,truncate,ftruncate \
		"$BMSCTL" --sysfs-root "$root" $c >/dev/null 2>&1 ||
		fail "bmsctl --sysfs-root $root $c failed"
	ran=$((ran + 1))
	# Paths opened for writing or created, renamed, removed, linked,
	# chmod-ed: each must be below the root (or the file save was given).
	while IFS= read -r p; do
		writes=$((writes + 1))
		case $p in
		"$root"/* | "$saved" | "$saved".*) ;;
		*) fail "bmsctl $c wrote outside $root: $p"; outside=$((outside + 1)) ;;
		esac
	done < <(python3 - "$log" <<'PY'
import re, sys
WRITE_CALLS = ('creat', 'truncate', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
               'mkdir', 'mkdirat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat',
               'chmod', 'fchmodat', 'chown', 'lchown', 'fchownat', 'mknod', 'mknodat',
               'utimensat')
for line in open(sys.argv[1]):
    m = re.match(r'\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)', line)
    if not m or int(m.group(3)) < 0:
        continue
    call, args = m.group(1), m.group(2)
    paths = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
    if call in ('open', 'openat', 'openat2'):
        if re.search(r'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC', args):
            print(paths[0])
    elif call in WRITE_CALLS:
        for p in paths:
            print(p)
PY
)
done
umount "$root"
check_eq "bmsctl with --sysfs-root $root: $ran commands, $writes writes, none outside the root" \
	0 "$outside"
check "bmsctl wrote below its root (the trace sees writes)" test "$writes" -gt 10

check "the board comes back to rest" board_rest
finish
