#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The i2c board's chips, end to end: each I2C client bound to its mainline
# driver (ti-ads1015, at24, pca953x), every measured quantity from the
# plant through the ADS1015 model, the mainline scaling (ti-ads1015's
# scale, iio-rescale's front ends) and the driver to what userspace reads,
# within one ADS1015 code through the front end; the settings saved
# through at24 in 8-byte page writes; and the chips' faults reaching the
# driver as its rules say.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"
# shellcheck source=tests/lib/faults.sh
. "$SMARTBMS_TOP/tests/lib/faults.sh"

mark=i2c-chips
kmsg_mark "$mark"
chips=$(echo /sys/kernel/debug/smartbms-sim-i2c/*)
# shellcheck disable=SC2317 # called through wait_eq
has_code() { case " $(bms_get codes) " in *" $1 "*) echo 1 ;; *) echo 0 ;; esac; }

for c in adc@48:ads1015 adc@49:ads1015 eeprom@50:at24 gpio@20:pca953x; do
	d=$(i2c_client "${c%:*}") || { fail "${c%:*}: no I2C client"; continue; }
	check_eq "${c%:*} ($(basename "$d")) is bound to the mainline ${c#*:} driver" \
		"${c#*:}" "$(basename "$(readlink -f "$d/driver")")"
done

hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
hw=${hw%/name}
[ -n "$hw" ] || die "no hwmon device named smartbms"

# near WHAT WANT GOT TOL: |GOT - WANT| <= TOL (integers).
near() {
	local d=$(($3 - $2))
	if [ "${d#-}" -le "$4" ]; then
		pass "$1: $3 (want $2 +/- $4)"
	else
		fail "$1: expected $2 +/- $4, got '$3'"
	fi
}

# reading LABEL: what userspace reads for a channel, in its own units.
reading() {
	case $1 in
	battery) cat "$(bms_attr voltage_now)" ;;	# uV
	alternator) cat "$hw/in0_input" ;;		# mV
	system) cat "$hw/in1_input" ;;			# mV
	alternator-current) cat "$hw/curr1_input" ;;	# mA
	temperature) cat "$hw/temp1_input" ;;		# m degC
	esac
}

# e2e LABEL VALUE MICRO UNIT: set VALUE at the plant, read it back; MICRO
# is VALUE in uV/uA/m degC, UNIT the reading's divisor of that.
e2e() {
	local lsb tol want got i
	adc_set "$1" "$2"
	lsb=${ADC_LSB[$1]}
	# One code through the front end, in the reading's units, rounded up.
	tol=$(awk -v l="$lsb" -v u="$4" 'BEGIN { t = l / u; printf "%d\n", (t == int(t)) ? t : int(t) + 1 }')
	want=$(($3 / $4))
	# The loop samples every 100 ms; the ADS1015 converts at 1600 SPS.
	for ((i = 0; i < 40; i++)); do
		got=$(reading "$1")
		d=$((got - want))
		[ "${d#-}" -le "$tol" ] && break
		sleep 0.05
	done
	near "$1 $2 at the plant reads through the chain" "$want" "$got" "$tol"
}

board_rest
e2e battery 13.2V 13200000 1
e2e battery 11.95V 11950000 1
e2e battery 14.6V 14600000 1
e2e alternator 12.6V 12600000 1000
e2e alternator 13.1V 13100000 1000
e2e system 13.2V 13200000 1000
e2e alternator-current 1.5A 1500000 1000
e2e alternator-current 20A 20000000 1000
e2e temperature 25C 25000 1
e2e temperature -10C -10000 1
e2e temperature 86C 86000 1
board_rest

# The settings through at24: one 32-byte journal slot in 8-byte pages,
# each its own write cycle (24C02: 8-byte pages, tWR 5 ms).
eeprom=$chips/eeprom@50
c0=$(cat "$eeprom/write_cycles") b0=$(cat "$eeprom/bytes_programmed")
bms_put fuse_rating 100A
check_eq "a save through at24: 4 write cycles" 4 $(($(cat "$eeprom/write_cycles") - c0))
check_eq "... programming the 32-byte slot" 32 $(($(cat "$eeprom/bytes_programmed") - b0))
check_eq "... and the setting is in force" 100A "$(bms_get fuse_rating)"

# The EEPROM does not acknowledge: the save fails, nothing changes.
echo 1 >"$eeprom/nack"
check_fails "the EEPROM NACKs: the save is refused" bms_put fuse_rating 80A
check_eq "... and the old setting stays" 100A "$(bms_get fuse_rating)"
BMSCTL=$SMARTBMS_TOP/build/bmsctl/bmsctl
[ -x "$BMSCTL" ] || die "bmsctl is not built at $BMSCTL (tests/check.sh builds it)"
out=$("$BMSCTL" set fuse 80A 2>&1)
rc=$?
# Exit status 1: the device refused (2 would be bad input, 127 no bmsctl).
check_eq "... bmsctl set fails too, with exit status 1 ($out)" 1 "$rc"
check "... and says why" grep -q "cannot write" <<<"$out"
check_eq "... still the old setting" 100A "$(bms_get fuse_rating)"
echo 0 >"$eeprom/nack"
bms_put fuse_rating 125A
check_eq "the EEPROM acknowledges again: the save works" 125A "$(bms_get fuse_rating)"

# The ADC is gone (unplugged, or its supply lost): E-B33, rule 13's safe
# state, no reading; all back when it answers again.
for f in gone nack; do
	board_rest
	echo 1 >"$chips/adc@48/$f"
	wait_eq "ADS1015 0x48 $f: E-B33" 1 10 has_code E-B33
	check_eq "ADS1015 0x48 $f: alternator, System+ charging and charge disconnect off" \
		001100 "$(gates)"
	check_eq "ADS1015 0x48 $f: voltage_now has no value" "" \
		"$(cat "$(bms_attr voltage_now)" 2>/dev/null)"
	echo 0 >"$chips/adc@48/$f"
	wait_eq "ADS1015 0x48 answers again: E-B33 is over" 0 5 has_code E-B33
	wait_eq "... and the board is back at rest" 011110 5 gates
done

# The expander: the outputs on it follow the driver, the remote input
# through its INT line.
board_rest
check_eq "at rest: the expander's charge disconnect is on, pre-alarm off" 10 \
	"$(line_get charge-disconnect)$(line_get prealarm)"
line_set remote 0
wait_eq "remote off on the expander (INT): alternator and System+ off (the default function)" 000110 5 gates
line_set remote 1
wait_eq "remote on again: back to rest" 011110 5 gates

check_no_splat "the i2c chips: no warning, BUG, lockdep, KASAN or UBSAN report" "$mark"

finish
