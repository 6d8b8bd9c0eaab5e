#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bench's tight loops, run inside the guest by tests/bench/guest.sh.

Forks are expensive in the guest, so what repeats thousands of times runs
here, in one process.  Every subcommand writes a trace_marker at the start
of what it measures where the host needs one; the figures themselves come
from the trace (tests/bench/report.py) or are printed here as JSON.

  trips IRQ COUNT GATES-AT-REST [--floor-irq FLOOR-IRQ] [--skip MS]
      inject COUNT edges, one at a time, into IRQ (smartbms-sim-storm),
      each after 1/150 s of quiet; after each, kick the sampled loop until
      the gates are back at rest, so each edge is a real trip; with
      --skip, first move the driver's clock MS ahead (debugfs
      clock_skip_ms), past a delay that holds them (short circuit's
      retry).  With --floor-irq, an edge into the floor's handler beside
      each, after the same quiet, before the driver's in one pair and after
      it (and its re-arm) in the next: the floor's edges and the driver's
      take turns, one each.  At most 150 edges per second on a line, below the
      driver's storm containment (200 per second).
  wakeup IRQ COUNT GATES-AT-REST
      the same edges; the time from the write that injects each to the
      uevent and the poll() wake-up on system_status a client sees.
  timers SECONDS
      lock-out releases and pre-alarm leads, both running, for SECONDS.
  tool COUNT CMD...
      wall time of COUNT runs of CMD.
"""

import json
import os
import select
import socket
import subprocess
import sys
import time

STORM = '/sys/kernel/debug/smartbms-sim-storm'
MARKER = '/sys/kernel/tracing/trace_marker'
MAX_RATE = 150          # edges per second on one line
env = os.environ


def now():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def wr(path, val):
    with open(path, 'w') as f:
        f.write(val)


def rd(path):
    with open(path) as f:
        return f.read().strip()


def marker(msg):
    wr(MARKER, msg)


class Gates:
    """The gates' logical values, read without forking."""

    def __init__(self):
        self.dirs = env['BENCH_GATE_DIRS'].split()
        self.low = [int(x) for x in env['BENCH_GATE_LOW'].split()]

    def get(self):
        return ''.join(str(int(rd(d + '/value')) ^ lo)
                       for d, lo in zip(self.dirs, self.low))


def kick():
    wr(env['BENCH_DEBUGFS'] + '/loop_pause', '0')


def loops():
    """The driver's evaluations so far (debugfs counters)."""
    with open(env['BENCH_DEBUGFS'] + '/counters') as f:
        for line in f:
            if line.startswith('loops '):
                return int(line.split()[1])
    raise RuntimeError('no loops in the driver\'s counters')


def rearm(gates, rest, timeout=15.0, skip=None):
    """Kick the loop until the gates are back at rest; with SKIP, move
    the driver's clock that many ms ahead first (which kicks it too).

    The skip waits for two evaluations of the loop: the second began
    after the edge, so the edge has been taken in.  An edge the loop has
    not yet taken in counts as active at its next sample (the line may
    have bounced back), and a skip before that would end the trip's delay
    only for the same edge to trip again, with a delay that runs from the
    new time."""
    end = time.monotonic() + timeout
    if skip:
        n = loops()
        while loops() < n + 2:
            if time.monotonic() > end:
                return False
            kick()
            time.sleep(0.001)
        wr(env['BENCH_DEBUGFS'] + '/clock_skip_ms', skip)
    while gates.get() != rest:
        if time.monotonic() > end:
            return False
        kick()
        time.sleep(0.001)
    return True


def trips(argv):
    irq, count, rest = argv[0], int(argv[1]), argv[2]
    skip = argv[argv.index('--skip') + 1] if '--skip' in argv else None
    floor = argv[argv.index('--floor-irq') + 1] if '--floor-irq' in argv else None
    gates = Gates()
    done = floors = failed = 0
    start = time.monotonic()

    def edge(line):
        # The same quiet time before every edge, the floor's and the
        # driver's: the first of a block would otherwise follow trace_start
        # and this process's start at once, and the floor's the re-arm's
        # sysfs reads and loop runs.  It also keeps the pace below the
        # storm containment.
        time.sleep(1.0 / MAX_RATE)
        wr(STORM, '%s 1' % line)

    marker('bench trips irq=%s floor=%s' % (irq, floor))
    while done < count:
        # The floor's edge before the driver's in one pair, after it in
        # the next: neither always follows the re-arm's work, nor always
        # comes on a path the other has just warmed.
        first = floor and done % 2 == 0
        if first:
            edge(floor)
            floors += 1
        edge(irq)
        done += 1
        if not rearm(gates, rest, skip=skip):
            failed += 1
        if floor and not first:
            edge(floor)
            floors += 1
    print(json.dumps({'edges': done, 'floor_edges': floors, 'not_rearmed': failed,
                      'seconds': round(time.monotonic() - start, 3)}))


def wakeup(argv):
    irq, count, rest = argv[0], int(argv[1]), argv[2]
    gates = Gates()
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)
    sock.bind((0, 1))
    attr = open(env['BENCH_PSY'] + '/system_status', 'rb', buffering=0)
    attr.read()
    p = select.poll()
    p.register(sock, select.POLLIN)
    p.register(attr, select.POLLPRI | select.POLLERR)
    psy = os.path.basename(os.path.realpath(env['BENCH_PSY']))
    res = []
    for _ in range(count):
        # Drain what the last re-arm left.
        while p.poll(0):
            for fd, _ev in p.poll(0):
                if fd == sock.fileno():
                    sock.recv(8192)
                else:
                    attr.seek(0)
                    attr.read()
        uev = pol = None
        t0 = now()
        wr(STORM, '%s 1' % irq)
        end = time.monotonic() + 2
        while (uev is None or pol is None) and time.monotonic() < end:
            for fd, _ev in p.poll(500):
                t = now()
                if fd == sock.fileno():
                    msg = sock.recv(8192)
                    if uev is None and b'change@' in msg and psy.encode() in msg:
                        uev = t - t0
                else:
                    attr.seek(0)
                    attr.read()
                    if pol is None:
                        pol = t - t0
        res.append([uev, pol])
        rearm(gates, rest)
        time.sleep(1.0 / MAX_RATE)
    print(json.dumps(res))


def timers(argv):
    """Lock-out release (10 s) and pre-alarm lead (30 s), concurrently.

    Lock-out: battery to 14.3 V (above the 14.2 V charge limit) until
    System+ charge drops, then to 13.2 V (below limit - 0.5 V): marker, and
    System+ charge must come back 10 s later.  Pre-alarm: discharge-allowed
    low: marker, and the load disconnect must drop 30 s later; then the
    line high again until the loads are back.  Markers are written just
    after the write that starts the delay, so a measured duration is never
    longer than the true one: an early release cannot hide.
    """
    secs = float(argv[0])
    battery = env['BENCH_ADC_BATTERY'] + '_raw'
    dis_pull = env['BENCH_DISCHARGE_PULL']
    dis_high, dis_low = env['BENCH_DISCHARGE_HIGH'], env['BENCH_DISCHARGE_LOW']
    gates = Gates()
    # Gate order: alternator, System+ charge, System+ discharge, load
    # disconnect, charge disconnect, pre-alarm.
    lo_state, lo_t = 'idle', 0.0
    pa_state, pa_t = 'idle', 0.0
    end = time.monotonic() + secs
    runs = {'lockout': 0, 'prealarm': 0}
    while True:
        g = gates.get()
        t = time.monotonic()
        if lo_state == 'idle' and t < end - 12:
            wr(battery, '14300000')
            lo_state, lo_t = 'enter', t
        elif lo_state == 'enter' and g[1] == '0':
            wr(battery, '13200000')
            marker('bench lockout start')
            lo_state, lo_t = 'release', t
        elif lo_state == 'release' and g[1] == '1':
            runs['lockout'] += 1
            lo_state = 'idle'
        elif lo_state != 'idle' and t - lo_t > 20:
            marker('bench lockout lost')
            wr(battery, '13200000')
            lo_state = 'idle'
        if pa_state == 'idle' and t < end - 32:
            wr(dis_pull, dis_low)
            marker('bench prealarm start')
            pa_state, pa_t = 'lead', t
        elif pa_state == 'lead' and g[3] == '0':
            runs['prealarm'] += 1
            wr(dis_pull, dis_high)
            pa_state = 'back'
        elif pa_state == 'back' and g[3] == '1':
            pa_state = 'idle'
        elif pa_state == 'lead' and t - pa_t > 40:
            marker('bench prealarm lost')
            wr(dis_pull, dis_high)
            pa_state = 'back'
        if t > end and lo_state == 'idle' and pa_state == 'idle':
            break
        time.sleep(0.02)
    print(json.dumps(runs))


def tool(argv):
    count, cmd = int(argv[0]), argv[1:]
    res = []
    for _ in range(count):
        t0 = now()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        res.append(now() - t0)
    print(json.dumps(res))


if __name__ == '__main__':
    {'trips': trips, 'wakeup': wakeup, 'timers': timers,
     'tool': tool}[sys.argv[1]](sys.argv[2:])
