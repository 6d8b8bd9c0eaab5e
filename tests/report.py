#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one bench run into a verdict.

Reads the host's results and the guest's output directory and prints one
line per result, then `N passed, N failed`.  Exits 1 if anything failed or
nothing ran.  Nothing passes silently:

- every KUnit test case in the kernel log (KTAP) is a result, and every suite
  the guest saw registered must report a result;
- every "ok"/"not ok" line the guest wrote is a result;
- a kernel splat (WARNING, BUG, Oops, panic, lockdep, KASAN, UBSAN, hung
  task), a kmemleak report, a guest that did not finish, or a timeout is a
  failure.

A boot's "not-run" file (tests a board does not run yet, with the reason)
is listed as SKIP lines, counted neither as passed nor as failed.

Usage: report.py [--host-results FILE] [--dmesg] [GUEST-DIR...]

Several guest directories (boots of one run) each add their results,
named after the directory when there is more than one.

With --dmesg the kernel log is the guest's final dmesg.log (for runs whose
console was quiet), and console.log only if the guest died before that.
"""

import argparse
import os
import re
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
KTAP_RESULT = re.compile(r'^(\s*)(ok|not ok) \d+ (\S.*?)(?:\s+#\s*(SKIP|TODO)\b.*)?$')
KTAP_SUBTEST = re.compile(r'^(\s*)# Subtest: (\S+)')
SPLAT = re.compile(
    r'(WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|UBSAN:|KASAN:'
    r'|general protection fault|INFO: task .* blocked'
    r'|possible recursive locking|possible circular locking'
    r'|inconsistent lock state|INFO: trying to register non-static key'
    r'|sleeping function called from invalid context'
    r'|Segfault with no mm)')


class Report:
    def __init__(self):
        self.results = []   # (ok, name, detail)
        self.skipped = []   # "name: why" of tests a boot did not run

    def add(self, ok, name, detail=''):
        self.results.append((ok, name, detail))

    def add_prefixed(self, prefix, ok, name, detail=''):
        self.results.append((ok, prefix + name, detail))

    def add_lines(self, path, prefix=''):
        """Lines of "ok NAME" or "not ok NAME: why"."""
        if not os.path.exists(path):
            return
        with open(path, errors='replace') as f:
            for line in f:
                line = line.rstrip('\n')
                if line.startswith('ok '):
                    self.add(True, prefix + line[3:])
                elif line.startswith('not ok '):
                    self.add(False, prefix + line[7:])


def kernel_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, errors='replace') as f:
        return [TIMESTAMP.sub('', l.rstrip('\n')) for l in f]


def parse_ktap(lines, report, prefix=''):
    """Each leaf result is a test case (or a parameter of one)."""
    names = {}           # indent -> name of the subtest opened there
    deeper = {}          # indent -> a deeper result was seen since the last one here
    failed_below = {}    # indent -> a failure was reported below
    top_level = {}       # suite name -> ok
    for line in lines:
        m = KTAP_SUBTEST.match(line)
        if m:
            names[len(m.group(1))] = m.group(2)
            continue
        m = KTAP_RESULT.match(line)
        if not m:
            continue
        indent, ok, name, directive = len(m.group(1)), m.group(2) == 'ok', m.group(3), m.group(4)
        # "# Subtest: X" lines at this indent or above name the enclosing tests.
        path = [names[i] for i in sorted(names) if 0 < i <= indent] + [name]
        is_leaf = not deeper.get(indent, False)
        below_failed = failed_below.get(indent, False)
        deeper[indent] = False
        failed_below[indent] = False
        for k in list(deeper):
            if k > indent:
                del deeper[k]
                failed_below.pop(k, None)
        for k in list(names):
            if k > indent:
                del names[k]
        for k in range(indent):
            deeper[k] = True
            if not ok:
                failed_below[k] = True
        if indent == 0:
            top_level[name] = ok
        label = prefix + 'kunit: ' + '.'.join(path)
        if is_leaf:
            if directive == 'SKIP':
                report.add(True, label + ' (skipped)')
            else:
                report.add(ok, label)
        elif not ok and not below_failed:
            report.add(False, label, 'failed without a failing case')
    return top_level


def find_splats(lines):
    splats = []
    seen = set()
    for i, line in enumerate(lines):
        if SPLAT.search(line):
            key = re.sub(r'[0-9a-fx]{6,}', '', line)
            if key in seen:
                continue
            seen.add(key)
            splats.append((line.strip(), lines[max(0, i - 2):i + 12]))
    return splats


def add_guest(report, details, g, dmesg, prefix):
    log = os.path.join(g, 'console.log')
    if dmesg and os.path.exists(os.path.join(g, 'dmesg.log')):
        log = os.path.join(g, 'dmesg.log')
    lines = kernel_lines(log)
    if not lines:
        report.add_prefixed(prefix, False, 'guest: booted', 'no kernel log')
    suites = parse_ktap(lines, report, prefix)
    expected = []
    if os.path.exists(os.path.join(g, 'kunit-suites')):
        with open(os.path.join(g, 'kunit-suites')) as f:
            expected = [s.strip() for s in f if s.strip()]
    for s in expected:
        if s not in suites:
            report.add_prefixed(prefix, False, 'kunit: ' + s, 'the suite reported no result')
    report.add_lines(os.path.join(g, 'results'), prefix)
    not_run = os.path.join(g, 'not-run')
    if os.path.exists(not_run):
        with open(not_run, errors='replace') as f:
            report.skipped += [prefix + line.strip() for line in f if line.strip()]

    splats = find_splats(lines)
    for first, context in splats:
        report.add_prefixed(prefix, False, 'kernel log: ' + first)
        details.append(context)
    if not splats and lines:
        report.add_prefixed(prefix, True,
                            'kernel log: no warning, BUG, lockdep, KASAN or UBSAN report')

    leak = os.path.join(g, 'kmemleak')
    if os.path.exists(leak):
        with open(leak, errors='replace') as f:
            text = f.read()
        n = text.count('unreferenced object')
        report.add_prefixed(prefix, n == 0, 'kmemleak: no leak' if n == 0 else
                            'kmemleak: %d unreferenced objects' % n)
        if n:
            details.append(text.splitlines()[:30])
    elif lines:
        report.add_prefixed(prefix, False, 'kmemleak: no scan result')

    if os.path.exists(os.path.join(g, 'timeout')):
        report.add_prefixed(prefix, False, 'guest: finished', 'killed after the timeout'
                            ' (the shutdown UML does on SIGTERM may add kernel reports above)')
    elif not os.path.exists(os.path.join(g, 'done')):
        report.add_prefixed(prefix, False, 'guest: finished',
                            'it stopped before the end (see console.log)')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--host-results', action='append', default=[])
    ap.add_argument('--dmesg', action='store_true')
    ap.add_argument('guests', nargs='*')
    args = ap.parse_args()

    report = Report()
    for path in args.host_results:
        report.add_lines(path)

    details = []
    for g in args.guests:
        prefix = os.path.basename(os.path.normpath(g)) + ': ' if len(args.guests) > 1 else ''
        add_guest(report, details, g, args.dmesg, prefix)

    passed = sum(1 for ok, _, _ in report.results if ok)
    failed = len(report.results) - passed
    for ok, name, detail in report.results:
        print('%s %s%s' % ('PASS' if ok else 'FAIL', name, ': ' + detail if detail else ''))
    for line in report.skipped:
        print('SKIP ' + line)
    for context in details:
        print('---- kernel log ----')
        for line in context:
            print('  ' + line)
    for g in args.guests:
        print('(logs: %s)' % g)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
