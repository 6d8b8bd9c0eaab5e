#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ADC reads failing on each of the BMS's input channels in turn (sim-adc's
# in_*_fail): after 5 samples E-B33 and its safe state (rule 13): the
# alternator port, System+ charging and the charge disconnect stop,
# discharge follows the battery's lines alone; a reading that fails has no
# value.  All of it comes back with the reads.  No splat, no leak.

. "$SMARTBMS_TOP/tests/lib/board.sh"
. "$SMARTBMS_TOP/tests/lib/faults.sh"

mark=faults-adc
kmsg_mark "$mark"
# shellcheck disable=SC2317 # called through wait_eq
has_code() { case " $(bms_get codes) " in *" $1 "*) echo 1 ;; *) echo 0 ;; esac; }

# The BMS's input channels, from its io-channel-names (outputs left out).
bms_channels() {
	local node name
	node=$(bms_node) || return 1
	tr '\0' '\n' <"$node/io-channel-names" | while read -r name; do
		[ -n "${ADC_CHAN[$name]:-}" ] || continue
		case ${ADC_CHAN[$name]##*/} in out_*) continue ;; esac
		echo "$name"
	done
}

n=0
for ch in $(bms_channels); do
	board_rest
	adc_fail "$ch" 5
	wait_eq "$ch read fails (EIO): E-B33 after 5 samples" 1 10 has_code E-B33
	check_eq "$ch read fails: alternator, System+ charging and charge disconnect off, discharge on" \
		001100 "$(gates)"
	case $ch in
	battery) check_eq "battery read fails: voltage_now has no value" "" \
		"$(cat "$(bms_attr voltage_now)" 2>/dev/null)" ;;
	temperature) check_fails "temperature read fails: hwmon temp1_input has no value" \
		cat /sys/bus/platform/devices/"$BMS_DEV"/hwmon/hwmon*/temp1_input ;;
	esac
	adc_fail "$ch" 0
	wait_eq "$ch reads again: E-B33 is over" 0 5 has_code E-B33
	wait_eq "$ch reads again: back to rest" 011110 5 gates
	n=$((n + 1))
done
check "ADC read failures: $n channels failed in turn, each gave E-B33 and its safe state" test "$n" -ge 5

check_no_splat "ADC read failures: no warning, BUG, lockdep, KASAN or UBSAN report" "$mark"
kmemleak_check "ADC read failures: kmemleak finds no leak"

finish
