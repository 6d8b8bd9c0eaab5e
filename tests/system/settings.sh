#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every settings file takes its valid values and refuses anything else with
# an error, changing nothing: empty, non-numeric, out of range, overflow,
# trailing garbage, unknown choice.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

# rejects FILE VALUE: written as a line, the way `echo VALUE >FILE` does,
# in one write() (the shell may split a value with a newline into two).
rejects() {
	local before after what
	what="$1 refuses $(printf '%q' "$2" | head -c 60)"
	before=$(bms_settings)
	if printf '%s\n' "$2" | dd of="$(bms_attr "$1")" bs=8192 status=none 2>/dev/null; then
		fail "$what: the write succeeded"
		return
	fi
	after=$(bms_settings)
	check_eq "$what and nothing changes" "$before" "$after"
}

# accepts FILE VALUE [EFFECTIVE]
accepts() {
	check "$1 accepts '$2'" bms_put "$1" "$2"
	check_eq "$1 reads back '${3:-$2}'" "${3:-$2}" "$(bms_get "$1")"
}

board_rest

check_eq "fuse_rating defaults to $(bms_factory_fuse) (not-set unless the devicetree presets it)" \
	"$(bms_factory_fuse)" "$(bms_get fuse_rating)"
check_eq "fuse_rating_available" "125A 100A 80A 60A 2x30A 2x20A 2x15A 2x10A 2x7.5A" \
	"$(bms_get fuse_rating_available)"
for f in 125A 100A 80A 60A 2x30A 2x20A 2x15A 2x10A 2x7.5A; do
	accepts fuse_rating "$f"
done
for bad in "" " " not-set 125 125a "2x7.5A x" 2x7.5AA 3x10A "125A
125A"; do
	rejects fuse_rating "$bad"
done

check_eq "prealarm_usage_available" "use not-available" "$(bms_get prealarm_usage_available)"
accepts prealarm_usage not-available
accepts prealarm_usage use
check_eq "prealarm_output_available" "continuous intermittent" \
	"$(bms_get prealarm_output_available)"
accepts prealarm_output intermittent
accepts prealarm_output continuous
check_eq "remote_function_available" "alternator-and-system alternator-only everything" \
	"$(bms_get remote_function_available)"
accepts remote_function everything
accepts remote_function alternator-only
accepts remote_function alternator-and-system
accepts soft_switch off
accepts soft_switch on
for f in prealarm_usage prealarm_output remote_function soft_switch; do
	for bad in "" bogus "on off" 1 -1 "$(head -c 4096 /dev/zero | tr '\0' a)"; do
		rejects "$f" "$bad"
	done
done

accepts charge_limit 13000000
accepts charge_limit 15300000
accepts charge_limit 14204999 14200000
accepts charge_limit 14205000 14210000
for bad in "" abc 12999999 15300001 0 -14200000 99999999999999999999 14200000x \
	0x14200000 "14.2V" "14200000 1" +14200000 " 14200000" "14200000 " 014200000 \
	4309167296 -4280767296 18446744073723751616 1.42e7 "14200000"$'\r'; do
	rejects charge_limit "$bad"
done
check_eq "charge_limit is 0644" 644 "$(stat -c %a "$(bms_attr charge_limit)")"

# The power_supply property only shows the charge limit: the core's parse
# truncates (kstrtol() to int), so it is read-only (0444), and sysfs refuses
# to open it for writing even to root, with EACCES.
check_eq "constant_charge_voltage_max is the charge limit" "$(bms_get charge_limit)" \
	"$(bms_get constant_charge_voltage_max)"
check_eq "constant_charge_voltage_max is read-only (0444)" 444 \
	"$(stat -c %a "$(bms_attr constant_charge_voltage_max)")"
for v in 14500000 4309167296; do
	before=$(bms_settings)
	if err=$(printf '%s' "$v" 2>&1 >"$(bms_attr constant_charge_voltage_max)"); then
		fail "root wrote $v to constant_charge_voltage_max"
	elif [[ $err != *"Permission denied"* ]]; then
		fail "writing constant_charge_voltage_max: expected EACCES, got '$err'"
	else
		check_eq "constant_charge_voltage_max refuses $v (EACCES), nothing changes" \
			"$before" "$(bms_settings)"
	fi
done

rejects clear 0
rejects clear maybe
rejects reset 0
check_fails "codes is read-only" bms_put codes E-B31

check "reset restores the factory defaults" bms_put reset 1
check_eq "... fuse $(bms_factory_fuse)" "$(bms_factory_fuse)" "$(bms_get fuse_rating)"
check_eq "... charge limit 14.2 V" 14200000 "$(bms_get charge_limit)"
check_eq "... constant_charge_voltage_max 14.2 V" 14200000 "$(bms_get constant_charge_voltage_max)"

finish
