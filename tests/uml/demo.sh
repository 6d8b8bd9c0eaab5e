#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The narrated demo, run inside the guest by tests/uml/init.sh (mode demo).
# Every line it prints starts with "demo" so the host can show just these.

set -euo pipefail
. "$SMARTBMS_TOP/tests/lib/board.sh"

say() { printf 'demo: %s\n' "$*"; }

say "the simulated board is up: kernel $(uname -r), modules loaded"
psy=$(bms_supply battery) || { say "no battery supply registered"; exit 1; }
say "the BMS registered a power supply: $psy"
say "  type=$(cat "$psy/type") scope=$(cat "$psy/scope") technology=$(cat "$psy/technology")"

for v in 12.8V 13.1V 13.6V 14.2V 13.3V 12.1V; do
	adc_set battery "$v"
	say "simulated battery at $v  ->  voltage_now = $(cat "$psy/voltage_now") uV"
done

say "every output is held in its safe state by the skeleton driver:"
for g in $BMS_OUTPUTS; do
	say "  $(printf '%-24s' "$g") $(line_get "$g")"
done
