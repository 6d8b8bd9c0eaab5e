#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mutations of tests/mutations.txt: list, check or apply them.

  mutations.py list LIST           one line per mutation: N<TAB>FILE<TAB>TEXT<TAB>REPLACEMENT
  mutations.py check LIST [TOP]    one finding a line for each mutation whose
                                   TEXT does not occur exactly once in TOP/FILE
  mutations.py apply LIST N TREE   apply mutation N to the copy of the tree at TREE

A line is FILE@@TEXT@@REPLACEMENT; in TEXT and REPLACEMENT \\n is a newline
and \\t a tab.  Blank lines and lines starting with # are skipped.
"""
import os
import sys


def unescape(s):
    return s.replace('\\n', '\n').replace('\\t', '\t')


def mutations(path):
    n = 0
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            parts = line.split('@@', 2)
            n += 1
            if len(parts) != 3:
                yield n, lineno, None, None, None
                continue
            yield n, lineno, parts[0], unescape(parts[1]), unescape(parts[2])


def main(argv):
    if len(argv) < 3 or argv[1] not in ('list', 'check', 'apply'):
        sys.stderr.write(__doc__)
        return 2
    cmd, lst = argv[1], argv[2]
    if cmd == 'list':
        for n, _, f, old, new in mutations(lst):
            print('\t'.join([str(n), f or '', (old or '').replace('\n', '\\n'),
                             (new or '').replace('\n', '\\n')]))
        return 0
    if cmd == 'check':
        top = argv[3] if len(argv) > 3 else '.'
        bad = 0
        for n, lineno, f, old, new in mutations(lst):
            if f is None:
                print(f'{lst}:{lineno}: mutation {n}: not FILE@@TEXT@@REPLACEMENT')
                bad += 1
                continue
            try:
                count = open(os.path.join(top, f)).read().count(old)
            except OSError as e:
                print(f'{lst}:{lineno}: mutation {n}: {e.strerror}: {f}')
                bad += 1
                continue
            if count != 1:
                print(f'{lst}:{lineno}: mutation {n}: text found {count} times in {f}: '
                      + old.replace('\n', '\\n')[:80])
                bad += 1
            elif old == new:
                print(f'{lst}:{lineno}: mutation {n}: the replacement is the text')
                bad += 1
        return 1 if bad else 0
    want = int(argv[3])
    for n, _, f, old, new in mutations(lst):
        if n != want:
            continue
        path = os.path.join(argv[4], f)
        src = open(path).read()
        if f is None or src.count(old) != 1:
            return 1
        open(path, 'w').write(src.replace(old, new))
        return 0
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
