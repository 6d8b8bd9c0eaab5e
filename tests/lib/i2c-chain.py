#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The analog chain of each BMS channel on the i2c board, from the live
devicetree (/proc/device-tree): the BMS's io-channels, through the
front end (voltage-divider, current-sense-shunt, temperature-transducer)
to the ADS1015 input and its model's debugfs file.

Prints one line per channel:

  LABEL AIN NUM DEN OFFSET LSB

where the pin voltage in microvolts is (VALUE - OFFSET) * NUM / DEN for a
VALUE in the driver's engineering units (uV, uA, m degC), AIN is the
model's ainN file, and LSB is one code of the ADS1015 at the channel's
full scale, in VALUE's units: the quantisation a reading has (SBAS473E
8.3.4: LSB = FSR / 2048).  tests/lib/board.sh reads these once.
"""

import glob
import os
import struct
import sys

DT = '/proc/device-tree'
DEBUGFS = '/sys/kernel/debug/smartbms-sim-i2c'
# SBAS473E 8.6.3, PGA[2:0] (the binding's ti,gain): full scale in uV.
FSR_UV = [6144000, 4096000, 2048000, 1024000, 512000, 256000]


def prop(node, name):
    try:
        with open(os.path.join(node, name), 'rb') as f:
            return f.read()
    except OSError:
        return None


def cells(node, name):
    b = prop(node, name)
    return list(struct.unpack('>%dI' % (len(b) // 4), b)) if b else []


def strings(node, name):
    b = prop(node, name)
    return b.rstrip(b'\0').decode().split('\0') if b else []


def s32(v):
    return v - (1 << 32) if v & (1 << 31) else v


def by_phandle():
    nodes = {}
    for root, _, files in os.walk(DT):
        if 'phandle' in files:
            nodes[cells(root, 'phandle')[0]] = root
    return nodes


def channels(node, nodes):
    """The (provider node, args) pairs of a node's io-channels."""
    c, out, i = cells(node, 'io-channels'), [], 0
    while i < len(c):
        p = nodes[c[i]]
        n = (cells(p, '#io-channel-cells') or [0])[0]
        out.append((p, c[i + 1:i + 1 + n]))
        i += 1 + n
    return out


def main():
    nodes = by_phandle()
    bms = next(os.path.dirname(c) for c in glob.glob(DT + '/*/compatible')
               if 'victron,smart-bms-12-200' in strings(os.path.dirname(c), 'compatible'))
    for label, (p, args) in zip(strings(bms, 'io-channel-names'), channels(bms, nodes)):
        compat = strings(p, 'compatible')
        num, den, off = 1, 1, 0
        if 'voltage-divider' in compat:
            num, den = cells(p, 'output-ohms')[0], cells(p, 'full-ohms')[0]
        elif 'current-sense-shunt' in compat:
            num, den = cells(p, 'shunt-resistor-micro-ohms')[0], 1000000
        elif 'temperature-transducer' in compat:
            num, den = cells(p, 'alpha-ppm-per-celsius')[0], 1000
            off = s32((cells(p, 'sense-offset-millicelsius') or [0])[0])
        if 'ti,ads1015' not in compat:
            p, args = channels(p, nodes)[0]
        chan = args[0]
        if not 4 <= chan <= 7:
            sys.exit('%s: ADS1015 input %d is differential, not modelled here' % (label, chan))
        gain = 2
        sub = os.path.join(p, 'channel@%x' % chan)
        if os.path.isdir(sub):
            gain = (cells(sub, 'ti,gain') or [2])[0]
        ain = glob.glob('%s/*/%s/ain%d' % (DEBUGFS, os.path.basename(p), chan - 4))
        lsb = FSR_UV[gain] / 2048 * den / num
        print(label, ain[0] if ain else 'none', num, den, off, '%.12g' % lsb)


if __name__ == '__main__':
    main()
