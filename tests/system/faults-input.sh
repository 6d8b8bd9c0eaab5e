#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input.  Every writable sysfs file of the BMS (found by
# permission under its platform device) is fed a corpus: empty,
# whitespace, huge, negative, overflowing, hex and octal forms, trailing
# garbage, non-ASCII, 4 KiB (tests/lib/hostile-sysfs.py): a refusal returns
# an error and changes nothing (every readable file of the BMS and the
# EEPROM compared), an acceptance is a documented valid form.  Then every
# bad settings record we know (tests/lib/mk-bad-settings.py) is written
# into the EEPROM and the BMS rebound: E-B31 and the factory defaults.

. "$SMARTBMS_TOP/tests/lib/board.sh"
. "$SMARTBMS_TOP/tests/lib/faults.sh"

mark=faults-input
kmsg_mark "$mark"
eeprom=$EEPROM_IMAGE
has_code() { case " $(bms_get codes) " in *" $1 "*) echo 1 ;; *) echo 0 ;; esac; }

# --- sysfs ------------------------------------------------------------------

board_rest
echo 1 >"$(bms_debugfs)/loop_pause"
python3 "$SMARTBMS_TOP/tests/lib/hostile-sysfs.py" \
	"/sys/bus/platform/devices/$BMS_DEV/" "$eeprom" || failures=$((failures + 1))
echo 0 >"$(bms_debugfs)/loop_pause"
check "after the corpus the board comes back to rest" board_rest

# --- settings records ---------------------------------------------------------

image=$TMPDIR/faults-good.img
cat "$eeprom" >"$image"
mkdir -p "$TMPDIR/bad-settings"
n=0 bad=0
for v in $(python3 "$SMARTBMS_TOP/tests/lib/mk-bad-settings.py" "$image" "$TMPDIR/bad-settings"); do
	bms_unbind
	cat "$TMPDIR/bad-settings/$v.img" >"$eeprom"
	bms_rebind
	n=$((n + 1))
	got="$(has_code E-B31)$(has_code E-B30) $(bms_settings)"
	if [ "$got" = "10 $BMS_DEFAULTS" ]; then
		printf '# %s: E-B31, defaults\n' "$v"
	else
		fail "settings record $v: expected E-B31 alone and the defaults, got '$(bms_get codes)' $(bms_settings)"
		bad=$((bad + 1))
	fi
done
check_eq "bad settings records: $n variants written into the EEPROM, each gave E-B31 and the defaults" 0 "$bad"

bms_unbind
cat "$image" >"$eeprom"
bms_rebind
check_eq "the good image back: no E-B31" 0 "$(has_code E-B31)"
check "and the board comes back to rest" board_rest

check_no_splat "hostile input: no warning, BUG, lockdep, KASAN or UBSAN report" "$mark"
kmemleak_check "hostile input: kmemleak finds no leak"

finish
