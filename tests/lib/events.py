#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a monitoring client sees, for the system tests.

  events.py uevents SECONDS MATCH READY   print each kernel uevent whose
      DEVPATH contains MATCH, one line "ACTION DEVPATH" for SECONDS; READY is
      created once the socket listens
  events.py poll SECONDS FILE READY       read FILE, then wait for sysfs_notify()
      on it as poll() users do: print "woken" or "timeout"
"""

import os
import select
import socket
import sys
import time

NETLINK_KOBJECT_UEVENT = 15


def ready(path):
    with open(path, 'w'):
        pass


def uevents(seconds, match, flag):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
    s.bind((0, 1))
    ready(flag)
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        fields = s.recv(65536).split(b'\0')
        env = dict(f.decode(errors='replace').split('=', 1) for f in fields[1:] if b'=' in f)
        if match in env.get('DEVPATH', ''):
            print(env.get('ACTION', '?'), env['DEVPATH'], flush=True)


def poll(seconds, path, flag):
    fd = os.open(path, os.O_RDONLY)
    os.read(fd, 4096)
    p = select.poll()
    p.register(fd, select.POLLPRI | select.POLLERR)
    ready(flag)
    print('woken' if p.poll(int(seconds * 1000)) else 'timeout', flush=True)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ('uevents', 'poll'):
        sys.exit(__doc__)
    fn = uevents if sys.argv[1] == 'uevents' else poll
    fn(float(sys.argv[2]), sys.argv[3], sys.argv[4])


if __name__ == '__main__':
    main()
