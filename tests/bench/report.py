#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one `make bench` run into its table (text and JSON).

Usage: report.py GUEST-DIR KDIR MODDIR OUTDIR

Reads the traces and JSON tests/bench/guest.sh left in GUEST-DIR/bench,
the module files for the footprint, and writes OUTDIR/bench.txt and
OUTDIR/bench.json; prints the text.  Exits 1 when the guest left no data
or, in a full run, a file of any section; not when a target is missed (a
trip case without data is one): the table says which are.

Environment, from tests/bench/run.sh: BENCH_ONLY, "trips" when only the
trips were run (SMARTBMS_BENCH_ONLY=trips), empty for a full run;
BENCH_T_IDLE, the seconds of each idle trace.
"""

import glob
import json
import os
import re
import subprocess
import sys

# What a full run leaves besides the trips' traces (sections 2 to 6).
FULL_RUN_FILES = ('wakeup.json', 'timers.trace', 'idle-rest.trace', 'idle-charging.trace',
                  'idle-reference.trace', 'tool-cat.json', 'tool-status.json',
                  'tool-status-json.json', 'bind.trace')

# A trip over this (us) stalled: some 2.5 x the p99 of any case, quiet or
# loaded.  The table counts them, for a p99 that lands in them to show it.
TAIL_US = 25

# tracefs's text (microseconds, with a flags column) and trace-cmd report -t
# (nanoseconds, without it).
EV = re.compile(r'^\s*(\S.*?)-(\d+)\s+\[\d+\]\s+(?:\S+\s+)?(\d+)\.(\d+): (\w+):\s+(.*)$')


def events(path):
    """(timestamp in us, a float when the trace has nanoseconds, pid,
    event, its fields)."""
    with open(path) as f:
        for line in f:
            m = EV.match(line)
            if m:
                frac = m.group(4)
                ts = int(m.group(3)) * 1000000 + int(frac[:6].ljust(6, '0'))
                if len(frac) > 6:
                    ts += int(frac[6:]) / 10.0 ** (len(frac) - 6)
                yield ts, int(m.group(2)), m.group(5), m.group(6)


def pct(vals, p):
    if not vals:
        return None
    v = sorted(vals)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def stats(vals):
    return {'n': len(vals), 'p50': pct(vals, 50), 'p99': pct(vals, 99),
            'max': max(vals) if vals else None, 'min': min(vals) if vals else None}


def gate_writes(ev, rest):
    """[(line, value)] of one write, from the simulated chip's own event
    (all the lines it took at once; a line is (chip, offset)) or from
    gpiolib's (one line, by its global GPIO number)."""
    if ev == 'smartbms_sim_gate_write':
        f = dict(kv.split('=', 1) for kv in rest.split())
        chip, mask, bits = f['chip'], int(f['mask'], 16), int(f['bits'], 16)
        return [((chip, i), str(bits >> i & 1))
                for i in range(mask.bit_length()) if mask >> i & 1]
    if ev == 'gpio_value':
        gpio, op, val = rest.split()
        if op == 'set':
            return [(gpio, val)]
    return []


FLOOR = 'name=smartbms-bench-floor'


def trip_latencies(pattern, floor):
    """Entry of the handler to the last gate write it made, in handlers
    that changed a gate (us): the floor's handlers (FLOOR true) or the
    driver's, which take turns in the same files.  A trip writes all the
    lines it drops in one chip write, so the last write of the handler,
    changed or not, is when the affected gates are written.  The floor's
    one write counts whether or not it changes its gate."""
    lat, untripped = [], 0
    for path in sorted(glob.glob(pattern)):
        l, u = trip_latencies_one(path, floor)
        lat += l
        untripped += u
    return lat, untripped


def trip_latencies_one(path, floor):
    state, lat = {}, []
    entry, last, tripped, untripped = None, None, False, 0
    for ts, _pid, ev, rest in events(path):
        if ev == 'irq_handler_entry':
            mine = (FLOOR in rest.split()) == floor
            entry, last, tripped = (ts if mine else None), None, False
        elif ev in ('gpio_value', 'smartbms_sim_gate_write'):
            writes = gate_writes(ev, rest)
            if not writes:
                continue
            changed = False
            for line, val in writes:
                changed = changed or state.get(line) != val
                state[line] = val
            if entry is not None:
                last = ts
                tripped = tripped or changed or floor
            if entry is not None and not tripped:
                last = None
        elif ev == 'irq_handler_exit' and entry is not None:
            if last is None:
                untripped += 1
            else:
                lat.append(round(last - entry, 3))  # to the ns, no float noise
            entry = None
    return lat, untripped


def gpio_numbers(path):
    num = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*gpio-(\d+) \(([^|)\s]+)', line)
            if m:
                num[m.group(2)] = m.group(1)
    return num


def timer_runs(path, gpio):
    """Each run: (observed duration, first sample after the condition,
    release after the engine's own deadline), ms.  The engine starts a
    delay at the first sample that sees its condition (the loop reads
    charge-allowed first in each sample), so the lateness splits into the
    wait for that sample and the timer's own lateness."""
    want = {'lockout': gpio['system-charge-enable'], 'prealarm': gpio['load-disconnect']}
    spec = {'lockout': 10000, 'prealarm': 30000}
    first_line = gpio['charge-allowed']
    state, start, out = {}, {}, {'lockout': [], 'prealarm': []}
    for ts, _pid, ev, rest in events(path):
        if ev == 'tracing_mark_write':
            m = re.match(r'bench (\w+) (start|lost)', rest)
            if m and m.group(2) == 'start':
                start[m.group(1)] = [ts, None]
            elif m:
                start.pop(m.group(1), None)
        elif ev == 'gpio_value':
            g, op, val = rest.split()
            if op == 'get' and g == first_line:
                for s in start.values():
                    if s[1] is None:
                        s[1] = ts
            if op != 'set':
                continue
            old = state.get(g)
            state[g] = val
            for rule, num in want.items():
                if g == num and old is not None and old != val and rule in start:
                    t0, ts0 = start.pop(rule)
                    ts0 = t0 if ts0 is None else ts0
                    out[rule].append(((ts - t0) / 1000.0, (ts0 - t0) / 1000.0,
                                      (ts - ts0) / 1000.0 - spec[rule]))
    return out


def idle_cost(path, fn):
    """Executions of the work function, the time between the first and
    the last (us), and the time spent in it (us)."""
    runs, busy, first, last, st = 0, 0, None, None, None
    for ts, _pid, ev, rest in events(path):
        if ev == 'workqueue_execute_start' and re.search(r'function %s\b' % fn, rest):
            runs += 1
            first = ts if first is None else first
            last = ts
            st = ts
        elif ev == 'workqueue_execute_end' and st is not None and \
                re.search(r'function %s\b' % fn, rest):
            busy += ts - st
            st = None
    return runs, (last - first) if runs > 1 else 0, busy


def bind_memory(path):
    """Slab bytes and objects the binding task allocated and still holds
    after bind, without kmemleak's metadata (__alloc_object) should the
    kernel have kmemleak; and pages, which include the kernel's own
    page-table overhead."""
    live, pages, debug = {}, {}, 0
    for _ts, _pid, ev, rest in events(path):
        f = dict(kv.split('=', 1) for kv in rest.split() if '=' in kv)
        if ev in ('kmalloc', 'kmem_cache_alloc'):
            live[f['ptr']] = (int(f.get('bytes_alloc', 0)),
                              f.get('call_site', '').startswith('__alloc_object'))
        elif ev in ('kfree', 'kmem_cache_free'):
            live.pop(f.get('ptr'), None)
        elif ev == 'mm_page_alloc':
            pages[f['pfn']] = 4096 << int(f['order'])
        elif ev == 'mm_page_free':
            pages.pop(f.get('pfn'), None)
    debug = sum(b for b, d in live.values() if d)
    mine = [b for b, d in live.values() if not d]
    return sum(mine), len(mine), debug, sum(pages.values())


def size_of(ko):
    try:
        out = subprocess.run(['size', '-A', ko], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    text = data = 0
    for line in out.splitlines():
        p = line.split()
        if len(p) < 2 or not p[1].isdigit():
            continue
        name, sz = p[0], int(p[1])
        if name.startswith(('.text', '.init.text', '.exit.text', '.rodata')):
            text += sz
        elif name.startswith(('.data', '.bss')):
            data += sz
    return {'text': text, 'data': data, 'file': os.path.getsize(ko)}


def fmt(v, unit=''):
    return '-' if v is None else ('%g%s' % (round(v, 1), unit))


def trip_table(d, prefix, cases, target=None):
    """One pass of the trips (files PREFIX-CASE-LOAD-*.trace in D): its
    results and the table's rows, each case beside the floor of the same
    load.  Every case is run, in either mode: one without data is a row
    that says so, never a row left out.  With TARGET, each case's p99
    within 1.5 x the floor's is a target, and a missing case misses it."""
    res, lines = {}, []
    for load in ('unloaded', 'loaded'):
        fs = None
        for case in ('floor',) + cases:
            # The floor's edges are in every case's files, in turn with the driver's.
            name = '%s-%s-%s-*.trace' % (prefix, '*' if case == 'floor' else case, load)
            files = glob.glob(os.path.join(d, name))
            lat, untripped = trip_latencies(os.path.join(d, name), case == 'floor')
            s = stats(lat)
            # The tail apart from the percentiles: how often an edge stalled.
            s['over_25us'] = sum(1 for v in lat if v > TAIL_US)
            if case == 'floor':
                fs = s
            else:
                s['edges_without_trip'] = untripped
            res['%s-%s' % (case, load)] = s
            if not s['n']:
                why = 'no trip in %s' % name if files else 'no %s' % name
                s['missing'] = why
                lines.append('   %-16s %-9s %6s %6s %6s %6s %6s  missing: %s' %
                             (case, load, '-', '-', '-', '-', '-', why))
                if target:
                    target('trip %s %s: %s (missing: %s)' %
                           (case, load, 'measured' if case == 'floor' else 'p99 <= 1.5 x floor',
                            why), False)
                continue
            if case == 'floor':
                lines.append('   %-16s %-9s %6d %6s %6s %6s %6d  (the floor: one gate, nothing else)' %
                             (case, load, s['n'], fmt(s['p50']), fmt(s['p99']), fmt(s['max']),
                              s['over_25us']))
                continue
            r = {k: (s[k] / fs[k] if s[k] and fs[k] else None) for k in ('p50', 'p99', 'max')}
            s['ratio'] = r
            lines.append('   %-16s %-9s %6d %6s %6s %6s %6d  x%s / x%s / x%s' %
                         (case, load, s['n'], fmt(s['p50']), fmt(s['p99']), fmt(s['max']),
                          s['over_25us'], fmt(r['p50']), fmt(r['p99']), fmt(r['max'])))
            if target:
                target('trip %s %s: p99 <= 1.5 x floor (%s)' %
                       (case, load, 'x' + fmt(r['p99']) if fs['n'] else 'no floor to compare with'),
                       r['p99'] is not None and r['p99'] <= 1.5)
    return res, lines


def main():
    guest, kdir, moddir, outdir = sys.argv[1:5]
    d = os.path.join(guest, 'bench')
    only = os.environ.get('BENCH_ONLY', '')
    if only not in ('', 'trips'):
        print('bench: BENCH_ONLY=%s: only "trips" is known' % only, file=sys.stderr)
        return 2
    full = not only
    if not os.path.exists(os.path.join(d, 'gpio.txt')):
        print('bench: the guest left no data (see %s)' % guest, file=sys.stderr)
        return 1
    missing = [f for f in FULL_RUN_FILES if full and not os.path.exists(os.path.join(d, f))]
    if missing:
        print('bench: a full run, but the guest left no %s in %s (see %s/bench.log)' %
              (', '.join(missing), d, guest), file=sys.stderr)
        return 1
    res, lines, targets = {}, [], []

    def target(what, ok):
        targets.append({'target': what, 'met': bool(ok)})

    # 1. Trip latency.
    lines.append('1. Trip latency: interrupt handler entry -> last affected gate written'
                 ' (us, tracepoints: irq, the gate chip\'s write)')
    lines.append('   %-16s %-9s %6s %6s %6s %6s %6s  %s' % ('edge', 'load', 'n', 'p50', 'p99', 'max',
                                                         '>25us', 'p50/p99/max vs floor'))
    res['trip'], rows = trip_table(d, 'trip', ('charge-allowed', 'remote', 'short-circuit'),
                                   target)
    lines += rows

    # 1b. The same edges, ending where runs 1-5 ended: not a target.
    lines.append('')
    lines.append('   beside, ending at gpiolib\'s last gpio:gpio_value instead (the end of runs 1-5;'
                 ' gpiolib traces each line')
    lines.append('   before the chip write, so a trip of 2-3 lines carries 1-2 more events'
                 ' than the floor; not a target):')
    res['trip_gpiolib'], rows = trip_table(d, 'tripg', ('charge-allowed', 'remote', 'short-circuit'))
    lines += rows

    res['only'] = only or None
    if not full:
        lines.append('')
        lines.append('(only the trips were run: SMARTBMS_BENCH_ONLY=trips)')

    if full:
        # 2. Edge to userspace.
        with open(os.path.join(d, 'wakeup.json')) as f:
            wk = json.load(f)
        lines.append('')
        lines.append('2. Edge to userspace: injecting write -> client wake-up (us), charge-allowed low')
        res['wakeup'] = {}
        fs = res['trip']['floor-unloaded']
        for i, what in enumerate(('uevent (netlink)', 'poll() on system_status')):
            vals = [w[i] / 1000.0 for w in wk if w[i] is not None]
            s = stats(vals)
            s['missed'] = sum(1 for w in wk if w[i] is None)
            s['ratio_p50'] = s['p50'] / fs['p50'] if s['p50'] and fs['p50'] else None
            res['wakeup'][what] = s
            lines.append('   %-26s n=%d p50 %s p99 %s max %s (missed %d)  x%s the trip floor at p50' %
                         (what, s['n'], fmt(s['p50']), fmt(s['p99']), fmt(s['max']), s['missed'],
                          fmt(s['ratio_p50'])))
        lines.append('   beside: trip floor p50 %s us (the kernel side alone)' % fmt(fs['p50']))

        # 3. Timer accuracy.
        gpio = gpio_numbers(os.path.join(d, 'gpio.txt'))
        runs = timer_runs(os.path.join(d, 'timers.trace'), gpio)
        lines.append('')
        lines.append('3. Timer accuracy: condition -> gate (error against the specified delay, ms)')
        res['timers'] = {}
        for rule, spec, period in (('lockout', 10000, 100), ('prealarm', 30000, 1000)):
            err = [v[0] - spec for v in runs[rule]]
            wait = [v[1] for v in runs[rule]]
            own = [v[2] for v in runs[rule]]
            early = sum(1 for e in err if e < 0)
            s = {'runs': len(err), 'min_err_ms': min(err) if err else None,
                 'max_err_ms': max(err) if err else None, 'early': early,
                 'spec_ms': spec, 'sampling_period_ms': period}
            res['timers'][rule] = s
            name = {'lockout': '10 s lock-out release', 'prealarm': '30 s pre-alarm lead'}[rule]
            s['max_err_of_period'] = s['max_err_ms'] / period if err else None
            lines.append('   %-22s runs %3d  error min %s max %s  early %d  (sampling period %d ms;'
                         ' max error x%s of it)' %
                         (name, len(err), fmt(s['min_err_ms']), fmt(s['max_err_ms']), early, period,
                          '-' if s['max_err_of_period'] is None
                          else '%.2f' % s['max_err_of_period']))
            if err and rule == 'lockout':
                s['first_sample_ms'] = [min(wait), max(wait)]
                s['after_deadline_ms'] = [min(own), max(own)]
                lines.append('   %-22s   of which: waiting for the first sample %s..%s,'
                             ' released after the engine\'s deadline %s..%s' %
                             ('', fmt(min(wait)), fmt(max(wait)), fmt(min(own)), fmt(max(own))))
            target('%s: zero early releases (%d)' % (name, early), err and early == 0)
            target('%s: late by <= one sampling period, %d ms (max %s ms)' %
                   (name, period, fmt(s['max_err_ms'])),
                   err and s['max_err_ms'] <= period)

        # 4. Idle cost.
        lines.append('')
        lines.append('4. Idle cost: timer wake-ups/s and CPU time of the loop (work items traced)')
        res['idle'] = {}
        for what, fn in (('rest', 'smartbms_work'), ('charging', 'smartbms_work'),
                         ('reference', 'smartbms_bench_poll_work')):
            p = os.path.join(d, 'idle-%s.trace' % what)
            n, span, busy = idle_cost(p, fn)
            secs = float(os.environ.get('BENCH_T_IDLE', '60'))
            # The rate between the first and the last wake-up: counting those in
            # the window would be one off, as the window's edges fall.
            rate = (n - 1) / (span / 1e6) if span else n / secs
            s = {'wakeups_per_s': rate, 'wakeups': n, 'cpu_us_per_s': busy / secs,
                 'seconds': secs}
            res['idle'][what] = s
        ref = res['idle']['reference']
        for what in ('rest', 'charging', 'reference'):
            s = res['idle'][what]
            label = {'rest': 'driver at rest', 'charging': 'driver charging',
                     'reference': 'reference 10 Hz poll'}[what]
            lines.append('   %-22s %6.2f wake-ups/s  %8.1f us CPU/s  (x%s / x%s the reference)' %
                         (label, s['wakeups_per_s'], s['cpu_us_per_s'],
                          fmt(s['wakeups_per_s'] / ref['wakeups_per_s'] if ref['wakeups_per_s'] else None),
                          fmt(s['cpu_us_per_s'] / ref['cpu_us_per_s'] if ref['cpu_us_per_s'] else None)))
        # Judged to three decimals: the first and the last wake-up each come
        # their own timer latency late, so a loop of exactly 1 s shows as
        # 1.0000001/s as often as 0.9999999/s.
        target('at rest <= 1 wake-up/s (%.2f)' % res['idle']['rest']['wakeups_per_s'],
               round(res['idle']['rest']['wakeups_per_s'], 3) <= 1.0)

        # 5. Tool cost.
        lines.append('')
        lines.append('5. Tool cost: wall time per run (ms)')
        res['tool'] = {}
        for what, f in (('cat uevent', 'tool-cat.json'), ('bmsctl status', 'tool-status.json'),
                        ('bmsctl status --json', 'tool-status-json.json')):
            with open(os.path.join(d, f)) as fh:
                res['tool'][what] = stats([v / 1e6 for v in json.load(fh)])
        cat = res['tool']['cat uevent']
        for what, s in res['tool'].items():
            lines.append('   %-22s n=%d p50 %s p99 %s  (x%s / x%s cat at p50 / p99)' %
                         (what, s['n'], fmt(s['p50']), fmt(s['p99']), fmt(s['p50'] / cat['p50']),
                          fmt(s['p99'] / cat['p99'])))
        for what in ('bmsctl status', 'bmsctl status --json'):
            r = res['tool'][what]['p50'] / cat['p50']
            target('%s <= 2 x cat (x%s)' % (what, fmt(r)), r <= 2)

        # 6. Footprint.
        lines.append('')
        lines.append('6. Footprint (ARCH=um benchmark kernel, no KASAN or lockdep)')
        res['footprint'] = {}
        for what, ko in (('smartbms.ko', os.path.join(moddir, 'drivers/power/supply/smartbms.ko')),
                         ('generic-adc-battery.ko',
                          os.path.join(kdir, 'drivers/power/supply/generic-adc-battery.ko'))):
            res['footprint'][what] = size_of(ko)
        mod, refmod = res['footprint']['smartbms.ko'], res['footprint']['generic-adc-battery.ko']
        for what, s in (('smartbms.ko', mod), ('generic-adc-battery.ko', refmod)):
            if not s:
                lines.append('   %-24s missing: not built' % what)
                continue
            r = ''
            if s is not refmod and refmod and refmod['text'] and refmod['data']:
                r = '  (x%s / x%s generic-adc-battery.ko)' % (fmt(s['text'] / refmod['text']),
                                                            fmt(s['data'] / refmod['data']))
            lines.append('   %-24s text %7d  data %6d bytes%s' % (what, s['text'], s['data'], r))
        for key, what, f in (('bind', 'one bound smartbms device', 'bind.trace'),
                             ('bind_reference', 'generic-adc-battery bound',
                              'bind-adc-battery.trace')):
            path = os.path.join(d, f)
            if not os.path.exists(path):
                res['footprint'][key] = None
                lines.append('   %-27s missing: no %s (see bench.log)' % (what + ':', f))
                continue
            b, nobj, dbg, pg = bind_memory(path)
            res['footprint'][key] = {'slab_bytes': b, 'objects': nobj, 'kmemleak_bytes': dbg,
                                     'page_bytes': pg}
            lines.append('   %-27s %6d bytes in %3d slab objects%s, %6d bytes of pages' %
                         (what + ':', b, nobj, ' (+ %d of kmemleak metadata)' % dbg if dbg else '',
                          pg))
        mine, ref = res['footprint']['bind'], res['footprint']['bind_reference']
        if mine and ref and ref['slab_bytes'] and ref['page_bytes']:
            lines.append('   smartbms bound: x%s the slab bytes and x%s the pages of'
                         ' generic-adc-battery bound' %
                         (fmt(mine['slab_bytes'] / ref['slab_bytes']),
                          fmt(mine['page_bytes'] / ref['page_bytes'])))

    lines.append('')
    lines.append('Targets:')
    for t in targets:
        lines.append('   %-6s %s' % ('MET' if t['met'] else 'MISSED', t['target']))
    res['targets'] = targets

    os.makedirs(outdir, exist_ok=True)
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(outdir, 'bench.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(outdir, 'bench.json'), 'w') as f:
        json.dump(res, f, indent=1)
    sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
