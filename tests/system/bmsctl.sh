#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bmsctl against the real driver: the status (text and --json) agrees with
# sysfs, every setting round-trips in the units people use, bad input is
# refused with nothing changed, save/load/reset/clear/on/off/explain work,
# and monitor sees another process's change at once while using no CPU
# when nothing changes.  tests/check.sh builds the binary on the host.

# shellcheck source=tests/lib/board.sh
. "$SMARTBMS_TOP/tests/lib/board.sh"

BMSCTL=$SMARTBMS_TOP/build/bmsctl/bmsctl
[ -x "$BMSCTL" ] || die "bmsctl is not built at $BMSCTL (tests/check.sh builds it)"
bmsctl() { "$BMSCTL" "$@"; }

# json FILE: the fields of a JSON object as "key=value" lines (null: "null").
json() {
	python3 -c '
import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    print(f"{k}={json.dumps(v) if v is None or isinstance(v, (bool, list)) else v}")
' "$1"
}

# refused WHAT STATUS COMMAND...: fails with STATUS, changes nothing.
refused() {
	local what=$1 want=$2 before after rc
	shift 2
	before=$(bms_settings)
	bmsctl "$@" >/dev/null 2>"$TMPDIR/err"
	rc=$?
	after=$(bms_settings)
	check_eq "$what: exit status" "$want" "$rc"
	check "$what: says why ($(head -n 1 "$TMPDIR/err"))" test -s "$TMPDIR/err"
	check_eq "$what: every setting unchanged" "$before" "$after"
}

board_rest
hw=$(grep -l '^smartbms$' /sys/class/hwmon/hwmon*/name | head -n 1)
hw=${hw%/name}
mains=$(bms_supply alternator)
sleep 1.5	# a sample of the rest values

# --- status -------------------------------------------------------------------

out=$(bmsctl status)
check "status" test -n "$out"
# The alternator as the ADC reads 12.6 V (on the i2c board, 12.606 V),
# to the centivolt, rounded.
cv=$((($(cat "$mains/voltage_now") + 5000) / 10000))
fuse=$(bms_factory_fuse)
for want in "Smart BMS bms" "13.20 V" "$((cv / 100)).$(printf %02d $((cv % 100))) V" "25.0 °C" \
	    "no errors"; do
	check "status shows '$want'" grep -qF "$want" <<<"$out"
done
if [ "$fuse" = not-set ]; then
	check "status shows 'set the fuse type'" grep -qF "set the fuse type" <<<"$out"
else
	check_fails "the fuse preset ($fuse): status does not ask for it" \
		grep -qF "set the fuse type" <<<"$out"
fi

bmsctl status --json >"$TMPDIR/status.json"
declare -A j
while IFS='=' read -r k v; do j[$k]=$v; done < <(json "$TMPDIR/status.json")
check_eq "status --json: device" bms "${j[device]}"
check_eq "status --json: battery_mv is voltage_now" "$(($(bms_get voltage_now) / 1000))" "${j[battery_mv]}"
check_eq "status --json: soft_switch" "$(bms_get soft_switch)" "${j[soft_switch]}"
check_eq "status --json: system is system_status" "$(bms_get system_status)" "${j[system]}"
check_eq "status --json: alternator_mv" "$(($(cat "$mains/voltage_now") / 1000))" "${j[alternator_mv]}"
check_eq "status --json: alternator_ma" "$(($(cat "$mains/current_now") / 1000))" "${j[alternator_ma]}"
check_eq "status --json: alternator_charging" false "${j[alternator_charging]}"
check_eq "status --json: system_mv is the hwmon's system channel" \
	"$(cat "$hw/in1_input")" "${j[system_mv]}"
check_eq "status --json: temperature_mdegc" "$(cat "$hw/temp1_input")" "${j[temperature_mdegc]}"
if [ "$fuse" = not-set ]; then
	check_eq "status --json: no percentage while the fuse is not set" null \
		"${j[alternator_current_percent]}"
else
	check_eq "status --json: the percentage of the preset fuse's limit" 0 \
		"${j[alternator_current_percent]}"
fi
check_eq "status --json: fuse" "$fuse" "${j[fuse]}"
check_eq "status --json: codes" "[]" "${j[codes]}"

adc_fail battery 5
sleep 1.5
bmsctl status --json >"$TMPDIR/status.json"
check_eq "status --json: an unreadable battery voltage is null" battery_mv=null \
	"$(json "$TMPDIR/status.json" | grep '^battery_mv=')"
check "status: an unreadable battery voltage shows n/a" \
	grep -q 'Battery  *n/a' <(bmsctl status)
adc_fail battery 0

# --- settings -------------------------------------------------------------------

# roundtrip NAME VALUE FILE RAW SHOWN
roundtrip() {
	check_eq "set $1 '$2' prints the value in force" "$1 = $5" "$(bmsctl set "$1" "$2")"
	check_eq "set $1 '$2': $3 reads $4" "$4" "$(bms_get "$3")"
	check_eq "get $1" "$5" "$(bmsctl get "$1")"
}
roundtrip fuse 2x7.5A fuse_rating 2x7.5A 2x7.5A
roundtrip fuse "100" fuse_rating 100A 100A
roundtrip prealarm-usage not-available prealarm_usage not-available not-available
roundtrip prealarm-output intermittent prealarm_output intermittent intermittent
roundtrip remote-function alternator-only remote_function alternator-only alternator-only
roundtrip charge-limit 14.6V charge_limit 14600000 14.6V
roundtrip charge-limit 13500mV charge_limit 13500000 13.5V
# The driver keeps 10 mV: what is printed is what it made of the value.
roundtrip charge-limit 14.205V charge_limit 14210000 14.21V
roundtrip soft-switch off soft_switch off off
roundtrip soft-switch on soft_switch on on
sleep 1.5
bmsctl status --json >"$TMPDIR/status.json"
check_eq "status --json: a percentage once the fuse is set" alternator_current_percent=0 \
	"$(json "$TMPDIR/status.json" | grep '^alternator_current_percent=')"
check "list shows every setting" test "$(bmsctl list | grep -cE '^(fuse|prealarm-usage|prealarm-output|charge-limit|remote-function|soft-switch) ')" -eq 6

# list --json: every setting, its value the driver's, its choices the
# driver's *_available (this fails if either side changes).
bmsctl list --json >"$TMPDIR/list.json"
check "list --json parses" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMPDIR/list.json"
# list_field NAME FIELD: a field of one setting of list --json (lists space-separated).
list_field() {
	python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))}[sys.argv[2]]
v = s.get(sys.argv[3])
print(" ".join(v) if isinstance(v, list) else v)
' "$TMPDIR/list.json" "$1" "$2"
}
for pair in fuse:fuse_rating prealarm-usage:prealarm_usage prealarm-output:prealarm_output \
	remote-function:remote_function soft-switch:soft_switch; do
	name=${pair%%:*} file=${pair#*:}
	check_eq "list --json: $name's choices are the driver's ${file}_available" \
		"$(bms_get "${file}_available")" "$(list_field "$name" choices)"
	check_eq "list --values $name is ${file}_available" \
		"$(bms_get "${file}_available")" "$(bmsctl list --values "$name" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "list --json: $name's value" "$(bms_get "$file")" "$(list_field "$name" value)"
done
check_eq "list --json: charge-limit's value (set to 14.205V above)" 14.21V \
	"$(list_field charge-limit value)"

refused "unknown command" 2 frobnicate
refused "unknown setting" 2 set volume 11
refused "out-of-range charge limit" 2 set charge-limit 15.4V
refused "malformed charge limit" 2 set charge-limit 14,2V
refused "malformed fuse" 2 set fuse 3x10A
refused "a BMS that is not there" 1 --device bms7 set fuse 80A

# --- save, load, reset ----------------------------------------------------------------

conf=$TMPDIR/bms.conf
check "save" bmsctl save "$conf"
check "save: a versioned file" grep -qx "bmsctl-settings 1" "$conf"
saved=$(bms_settings)
check "reset" bmsctl reset
check_eq "reset: factory fuse" "$fuse" "$(bms_get fuse_rating)"
check_eq "reset: factory charge limit" 14200000 "$(bms_get charge_limit)"
check_eq "reset: factory remote function" alternator-and-system "$(bms_get remote_function)"
check "load" bmsctl load "$conf"
check_eq "load restores every setting" "$saved" "$(bms_settings)"

# A device whose fuse was never set (or is the devicetree's): what the
# boot-time restore meets.
bmsctl reset >/dev/null
check "reset, save (fuse $fuse)" bmsctl save "$TMPDIR/unset.conf"
check "reset, save: fuse = $fuse" grep -qx "fuse = $fuse" "$TMPDIR/unset.conf"
before=$(bms_settings)
check "reset, save, load exits 0" bmsctl load "$TMPDIR/unset.conf"
check_eq "reset, save, load changes nothing" "$before" "$(bms_settings)"
bmsctl load "$conf" >/dev/null

sed 's/^charge-limit = .*/charge-limit = 12V/' "$conf" >"$TMPDIR/bad.conf"
bmsctl reset >/dev/null
refused "load: one bad line among good ones" 2 load "$TMPDIR/bad.conf"
check "load: the message names the line" \
	grep -q "bad.conf:[0-9]*: out-of-range value '12V' for charge-limit" "$TMPDIR/err"
refused "load: a file that is not there" 1 load "$TMPDIR/missing.conf"

# --- clear, on, off, explain ----------------------------------------------------------

# clear: latch A-A12 first (3 short-circuit trips within 60 s: the driver
# retries after 10 s, so holding the line high trips at 0, 10 and 20 s).
line_set short-circuit 1
wait_eq "clear: a short circuit trips A-A12" A-A12 2 bms_get codes
sleep 23	# the trips at 10 and 20 s: latched
line_set short-circuit 0
sleep 11	# past the 10 s retry: only the latch holds it now
check_eq "clear: A-A12 still latched after the retry time" A-A12 "$(bms_get codes)"
check "clear" bmsctl clear
wait_eq "clear: A-A12 drops" "" 2 bms_get codes
check_eq "off" "soft-switch = off" "$(bmsctl off)"
wait_eq "off: System+ goes off" off 3 bms_get system_status
check_eq "on" "soft-switch = on" "$(bmsctl on)"
wait_eq "on: System+ comes back" on 3 bms_get system_status
check "explain E-B31" grep -q "bmsctl reset" <(bmsctl explain E-B31)
check_eq "explain: all eight codes" 8 "$(bmsctl explain | grep -c '^[EAW]-[AB][0-9]* (')"
bmsctl explain X-Y99 >/dev/null 2>"$TMPDIR/err"
check_eq "explain an unknown code: exit status 2 (usage)" 2 "$?"
check "explain an unknown code: the message names it" grep -q "unknown code 'X-Y99'" "$TMPDIR/err"

# --- monitor --------------------------------------------------------------------------

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# seen T0 WHAT PATTERN: the monitor's output shows PATTERN.  Without
# --interval the monitor reads nothing again unless the driver notifies, so
# seeing it at all is the rule; how soon is make bench's (poll latency).
seen() {
	local t0=$1 what=$2 i
	for ((i = 0; i < 200; i++)); do
		if grep -q "$3" "$TMPDIR/monitor.out"; then
			echo "# monitor saw $what after $(($(now_ms) - t0)) ms"
			pass "monitor --json (no --interval) sees $what"
			return
		fi
		sleep 0.02
	done
	fail "monitor --json sees $what: not after 4 s"
}

# monitor --json: field by field what status --json says, plus the time.
bmsctl status --json >"$TMPDIR/status.json"
bmsctl monitor --json --count 1 >"$TMPDIR/monitor1.json"
check_eq "monitor --json --count 1: one object" 1 "$(wc -l <"$TMPDIR/monitor1.json")"
check_eq "monitor --json is status --json field by field, plus its time" ok "$(python3 -c '
import json, sys, time
s, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = m.pop("time", None)
print("ok" if m == s and isinstance(t, (int, float)) and abs(t - time.time()) < 60
      else f"{m} != {s}, time {t}")
' "$TMPDIR/status.json" "$TMPDIR/monitor1.json")"
# --interval reads the measurements again: a new battery voltage shows.
bmsctl monitor --json --interval 0.2 --count 2 >"$TMPDIR/monitor2.json" &
mon=$!
sleep 1
adc_set battery 13.3V
for ((i = 0; i < 100; i++)); do
	kill -0 "$mon" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$mon" 2>/dev/null; then
	kill "$mon"
	fail "monitor --interval 0.2 --count 2: still running after 5 s"
fi
wait "$mon" 2>/dev/null
# The driver may filter: the second object shows a higher voltage, whatever its value.
check_eq "monitor --interval 0.2 --count 2: the new voltage, then it stops" "13200 higher" \
	"$(python3 -c '
import json, sys
v = [json.loads(l)["battery_mv"] for l in open(sys.argv[1])]
print(v[0], "higher" if len(v) == 2 and v[1] > v[0] else v[1:])
' "$TMPDIR/monitor2.json")"
adc_set battery 13.2V
sleep 1.5

bmsctl monitor --json >"$TMPDIR/monitor.out" 2>&1 &
mon=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$TMPDIR/monitor.out" ] && break
	sleep 0.05
done
check "monitor --json: the first object is valid JSON" \
	python3 -c 'import json, sys; json.loads(open(sys.argv[1]).readline())' "$TMPDIR/monitor.out"

t0=$(now_ms)
bms_put soft_switch off			# a settings file's notification
seen "$t0" "the soft switch go off" '"soft_switch": "off"'
bms_put soft_switch on
t0=$(now_ms)
line_set discharge-allowed 0		# codes: the pre-alarm, W-B12
seen "$t0" "W-B12 come" '"code": "W-B12"'
line_set discharge-allowed 1
sleep 1.5
check "monitor: every line is a JSON object" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$TMPDIR/monitor.out"
kill "$mon"
wait "$mon" 2>/dev/null

# CPU time (utime + stime, in clock ticks) of an idle monitor over 10 s.
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
bmsctl monitor >/dev/null 2>&1 &
mon=$!
sleep 1
t1=$(ticks "$mon")
sleep 10
t2=$(ticks "$mon")
echo "# an idle monitor used $((t2 - t1)) clock ticks (1/$(getconf CLK_TCK) s) in 10 s"
check "monitor: no CPU while nothing changes ($((t2 - t1)) ticks in 10 s)" test $((t2 - t1)) -le 3
kill "$mon"
wait "$mon" 2>/dev/null

board_rest
finish
