#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The narrated demo of `make demo`, run inside the guest (init.sh, mode demo).

A van with a small (20 Ah, so that it is quick) lithium bank: the engine
starts, the alternator charges at the fuse limit until the charge limit
locks it out, loads bring the battery down and the lock-out is released;
then the engine stops and a big load runs the bank down to the pre-alarm
and the load disconnect.  Each step shows what `bmsctl status` shows.
Every line printed starts with "demo" so the host can show just these.
The guest runs in simulated time: the driver's 10 s and 30 s rules take
their full time as the guest sees it, not as the viewer waits.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plant import Below, Board, Plant  # noqa: E402
from scenarios import BMS  # noqa: E402


def say(text=''):
    print('demo: ' + text, flush=True)


def frame(bms):
    out = bms.bmsctl('status')
    for line in out.stdout.splitlines():
        say('    | ' + line)
    if out.returncode:
        say('    bmsctl status failed: ' + out.stderr.strip())
    say()


def wait(p, seconds, cond, what):
    took = p.run(seconds, cond)
    if took is None:
        say('%s did not happen within %g s: stopping' % (what, seconds))
        sys.exit(1)
    return took


def main():
    board, bms = Board(), BMS()
    board.set_line('remote', 1)
    p = Plant(board, soc=0.93, capacity_ah=20)
    p.run(1)
    bms.put('reset', 1)
    bms.put('clear', 1)
    p.run(2)
    say('a van with a 20 Ah lithium bank; engine off, nothing connected')
    frame(bms)

    say('set the fuse fitted: bmsctl set fuse 100A')
    say('    ' + bms.bmsctl('set', 'fuse', '100A').stdout.strip())
    p.run(1)
    frame(bms)

    p.engine = True
    took = wait(p, 10, lambda: board.gate('alternator-enable'), 'the alternator qualifying')
    say('engine started: the alternator qualified above 13 V after %.1f s, charging at the '
        'fuse limit (%.0f A)' % (took or 0, p.i_alt))
    p.run(2)
    frame(bms)

    took = wait(p, 1800, lambda: not board.gate('alternator-enable'), 'the lock-out')
    say('after %.0f s the bank reached the 14.2 V charge limit: alternator and System+ '
        'charging locked out' % (took or 0))
    frame(bms)

    p.direct_load_a = 15.0
    released = Below(p, 13.7, lambda: board.gate('alternator-enable'))
    wait(p, 900, released, 'the release')
    say('a 15 A load brought the bank to 13.7 V (0.5 V under the limit); %.1f s later the '
        'lock-out was released' % (time.monotonic() - (released.since or time.monotonic())))
    frame(bms)

    # Days later: the bank is down to 12 % and the starter battery rests.
    p.engine = False
    p.starter_v = 12.6
    p.direct_load_a = 0.0
    p.load_a = 60.0
    p.soc = min(p.soc, 0.12)
    say('days later, engine off, the bank at 12 %: a 60 A inverter runs on the load disconnect output')
    wait(p, 1800, lambda: board.gate('prealarm'), 'the pre-alarm')
    start = time.monotonic()
    say('the battery raised its pre-alarm: buzzer on, warning W-B12')
    frame(bms)
    wait(p, 1800, lambda: not board.gate('load-disconnect'), 'the load disconnect')
    say('%.0f s later the battery stopped allowing discharge: loads disconnected, '
        'alarm A-B11' % (time.monotonic() - start))
    p.run(1)
    frame(bms)
    say('what A-B11 means: bmsctl explain A-B11')
    for line in bms.bmsctl('explain', 'A-B11').stdout.splitlines():
        say('    ' + line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
