#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Copy the kernel log from now on into a file, until killed.

Usage: kmsg-watch.py OUTPUT

dmesg only shows what the ring still holds, and a test that makes the
kernel log a lot (a thousand failed probes) wraps it.  This follows
/dev/kmsg from its end instead, line by line; records the ring dropped
before they were read are noted as "# lost records".  OUTPUT's first line,
"# watching", says the watch has started.
"""

import errno
import os
import sys


def main():
    fd = os.open('/dev/kmsg', os.O_RDONLY)
    os.lseek(fd, 0, os.SEEK_END)
    with open(sys.argv[1], 'w', buffering=1) as out:
        out.write('# watching\n')
        while True:
            try:
                rec = os.read(fd, 8192)
            except OSError as e:
                if e.errno == errno.EPIPE:
                    out.write('# lost records\n')
                    continue
                raise
            if not rec:
                break
            text = rec.decode(errors='replace').split(';', 1)[-1]
            out.write(text.split('\n', 1)[0] + '\n')


if __name__ == '__main__':
    main()
