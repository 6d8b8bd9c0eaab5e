#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Probe a platform device with each allocation failing in turn (fail-nth).

Usage: fail-nth-probe.py DRIVER DEVICE

For N = 1, 2, ...: arm /proc/thread-self/fail-nth with N, write DEVICE to
DRIVER's bind file (both through file descriptors opened beforehand, so that
nothing else of this task allocates in between), disarm.  Every run must end
either with the bind write failing and nothing of the device left behind
(no driver, power supply, hwmon device, LED trigger, interrupt or debugfs
directory, every gate in its safe state), or with the device bound and
whole (then it is unbound for the next run).  The loop stops when the write
returns with fail-nth still armed: the probe has no N-th fault point.

Prints TAP lines ("ok - ..." / "not ok - ...") and a summary line with the
counts.  failslab and fail_page_alloc are set up so that fail-nth reaches
sleeping allocations and order-0 pages; their probability stays 0, so no
other task is affected.
"""

import errno
import glob
import os
import sys
import time

DEBUGFS = '/sys/kernel/debug'
LINES = ('charge-allowed', 'discharge-allowed', 'battery-prealarm', 'remote',
         'short-circuit')
LEDS = ('alternator-charging', 'overtemperature', 'active', 'heartbeat',
        'charge-disconnect', 'load-disconnect', 'system-charging')
MAX_POINTS = 5000


def put(path, value):
    with open(path, 'w') as f:
        f.write(value)


def setup_fault_attrs(on):
    """Let fail-nth reach every allocation of the probe (or restore)."""
    put(f'{DEBUGFS}/failslab/ignore-gfp-wait', 'N' if on else 'Y')
    put(f'{DEBUGFS}/failslab/verbose', '0' if on else '2')
    put(f'{DEBUGFS}/failslab/task-filter', 'Y' if on else 'N')
    put(f'{DEBUGFS}/fail_page_alloc/ignore-gfp-wait', 'N' if on else 'Y')
    put(f'{DEBUGFS}/fail_page_alloc/ignore-gfp-highmem', 'N' if on else 'Y')
    put(f'{DEBUGFS}/fail_page_alloc/min-order', '0' if on else '1')
    put(f'{DEBUGFS}/fail_page_alloc/verbose', '0' if on else '2')
    put(f'{DEBUGFS}/fail_page_alloc/task-filter', 'Y' if on else 'N')


def leftovers(dev):
    """What of DEV is still registered, as a list of strings."""
    left = []
    if os.path.exists(f'/sys/bus/platform/devices/{dev}/driver'):
        left.append('driver bound')
    left += glob.glob(f'/sys/class/power_supply/{dev}-*')
    left += glob.glob(f'/sys/bus/platform/devices/{dev}/hwmon/hwmon*')
    for h in glob.glob('/sys/class/hwmon/hwmon*/name'):
        with open(h) as f:
            if f.read().strip() == 'smartbms':
                left.append(h)
    left += [f'LED trigger {t}' for t in triggers(dev)]
    left += [f'IRQ {line}' for line in irqs()]
    if os.path.exists(f'{DEBUGFS}/{dev}'):
        left.append(f'{DEBUGFS}/{dev}')
    return left


def triggers(dev):
    """The LED triggers named after DEV that are registered."""
    found = set()
    for t in glob.glob('/sys/class/leds/*/trigger'):
        with open(t) as f:
            for name in f.read().split():
                name = name.strip('[]')
                if name.startswith(f'{dev}-'):
                    found.add(name)
        break
    return sorted(found)


def irqs():
    with open('/proc/interrupts') as f:
        names = {ln.split()[-1] for ln in f if ln.strip()}
    return [line for line in LINES if line in names]


def gates():
    vals = []
    for v in sorted(glob.glob('/sys/devices/platform/gpio-sim-gate/sim_gpio*/value')):
        with open(v) as f:
            vals.append(f.read().strip())
    return ''.join(vals)


def missing(dev):
    """What of a bound DEV is missing, as a list of strings."""
    miss = []
    for kind in ('battery', 'alternator'):
        if not os.path.exists(f'/sys/class/power_supply/{dev}-{kind}'):
            miss.append(f'{dev}-{kind} supply')
    if not glob.glob(f'/sys/bus/platform/devices/{dev}/hwmon/hwmon*'):
        miss.append('hwmon device')
    have = set(triggers(dev))
    miss += [f'LED trigger {dev}-{led}' for led in LEDS if f'{dev}-{led}' not in have]
    have = set(irqs())
    miss += [f'IRQ {line}' for line in LINES if line not in have]
    return miss


def main():
    drv, dev = sys.argv[1:3]
    setup_fault_attrs(True)
    bind = os.open(f'/sys/bus/platform/drivers/{drv}/bind', os.O_WRONLY)
    unbind = os.open(f'/sys/bus/platform/drivers/{drv}/unbind', os.O_WRONLY)
    nth = os.open('/proc/thread-self/fail-nth', os.O_RDWR)
    failures = 0
    clean = tolerated = deferred = 0
    errors = {}
    n = 0
    try:
        while n < MAX_POINTS:
            n += 1
            err = 0
            os.write(nth, str(n).encode())
            try:
                os.write(bind, dev.encode())
            except OSError as e:
                err = e.errno
            left = int(os.pread(nth, 32, 0).decode().strip() or 0)
            os.write(nth, b'0')
            if left:
                # No N-th fault point: the probe ran clean.
                if err:
                    print(f'not ok - fail-nth {n}: no fault injected, but bind failed: '
                          f'{os.strerror(err)}')
                    failures += 1
                break
            if err == 517:  # EPROBE_DEFER: the deferred probe retries it.
                deferred += 1
                for _ in range(100):
                    if os.path.exists(f'/sys/bus/platform/devices/{dev}/driver'):
                        break
                    time.sleep(0.05)
            if err and err != 517:
                errors[err] = errors.get(err, 0) + 1
                left = leftovers(dev)
                g = gates()
                if left or g.strip('0'):
                    print(f'not ok - fail-nth {n}: bind failed ({os.strerror(err)}) '
                          f'but left {left}, gates {g}')
                    failures += 1
                    break
                clean += 1
                continue
            miss = missing(dev)
            if miss:
                print(f'not ok - fail-nth {n}: the device is bound without {miss}')
                failures += 1
            tolerated += 1
            os.write(unbind, dev.encode())
        else:
            print(f'not ok - fail-nth: still failing after {MAX_POINTS} points')
            failures += 1
    finally:
        os.write(nth, b'0')
        setup_fault_attrs(False)

    points = n - 1
    why = ', '.join(f'{os.strerror(e)} x{c}' for e, c in sorted(errors.items()))
    print(f'# fail-nth: {points} fault points; {clean} clean errors ({why}); '
          f'{tolerated} tolerated (device bound and whole); {deferred} deferred')
    if not failures:
        print(f'ok - probe fail-nth: {points} allocation points failed in turn, '
              f'{clean} clean errors, {tolerated} tolerated with a whole device, '
              f'{deferred} deferred, then bound')
    print(f'ok - probe fail-nth: the last run, with no fault, bound {dev}'
          if os.path.exists(f'/sys/bus/platform/devices/{dev}/driver')
          else f'not ok - probe fail-nth: {dev} is not bound at the end')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
