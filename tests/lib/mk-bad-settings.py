#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write EEPROM images whose settings record is bad in every way we know.

Usage: mk-bad-settings.py GOOD-IMAGE OUTDIR

Each image is GOOD-IMAGE (the board's EEPROM: the settings journal's slot A
at 0, 32 bytes, calibration at 0x20, slot B at 0x40) with both journal
slots replaced by one variant, so that no slot is valid:
truncated, wrong version, wrong magic, bad CRC, out-of-range values with a
good CRC, random bytes, all zeros, all ones.  The record layout is in
Documentation/power/smartbms.rst.  Prints the names written, one a line.
"""

import os
import random
import struct
import sys
import zlib

SLOTS, SIZE = (0x00, 0x40), 0x20
MAGIC, CAL_MAGIC = 0x5453, 0x4143


def record(magic=MAGIC, version=1, payload=None, length=None, crc_delta=0):
    if payload is None:
        payload = struct.pack('<5B3xI', 0, 0, 0, 0, 1, 14200000)
    n = len(payload) if length is None else length
    body = struct.pack('<HBB', magic, version, n) + payload
    return body + struct.pack('<I', (zlib.crc32(body) + crc_delta) & 0xffffffff)


def settings(fuse=2, usage=0, output=0, remote=0, switch=1, limit=14200000, pad=0):
    return struct.pack('<5B3BI', fuse, usage, output, remote, switch, pad, pad, pad, limit)


def variants():
    good = record(payload=settings())
    yield 'truncated-payload', record(payload=settings()[:8])
    yield 'truncated-record', good[:10]
    yield 'truncated-no-crc', good[:16]
    yield 'length-past-cell', record(payload=settings(), length=255)
    yield 'length-zero', record(payload=b'', length=0)
    yield 'version-0', record(version=0, payload=settings())
    yield 'version-2-v1-length', record(version=2, payload=settings())
    yield 'version-3', record(version=3, payload=struct.pack('<I', 5) + settings())
    # Journal slots (version 2: sequence number, then the settings).
    yield 'slot-short', record(version=2, payload=struct.pack('<I', 5) + settings()[:8])
    yield 'slot-crc-off-by-one', record(version=2, payload=struct.pack('<I', 5) + settings(),
                                        crc_delta=1)
    yield 'slot-fuse-out-of-range', record(version=2,
                                           payload=struct.pack('<I', 5) + settings(fuse=99))
    yield 'slot-limit-too-high', record(version=2, payload=struct.pack('<I', 0xffffffff) +
                                        settings(limit=15300001))
    yield 'version-255', record(version=255, payload=settings())
    yield 'magic-calibration', record(magic=CAL_MAGIC, payload=settings())
    yield 'magic-swapped', record(magic=0x5354, payload=settings())
    yield 'crc-off-by-one', record(payload=settings(), crc_delta=1)
    yield 'crc-zero', good[:-4] + bytes(4)
    yield 'payload-bit-flip', good[:8] + bytes([good[8] ^ 0x40]) + good[9:]
    yield 'fuse-out-of-range', record(payload=settings(fuse=99))
    yield 'usage-out-of-range', record(payload=settings(usage=7))
    yield 'output-out-of-range', record(payload=settings(output=2))
    yield 'remote-out-of-range', record(payload=settings(remote=3))
    yield 'switch-out-of-range', record(payload=settings(switch=2))
    yield 'limit-too-low', record(payload=settings(limit=12999999))
    yield 'limit-too-high', record(payload=settings(limit=15300001))
    yield 'limit-zero', record(payload=settings(limit=0))
    yield 'limit-all-ones', record(payload=settings(limit=0xffffffff))
    rng = random.Random(20261125)
    for i in range(8):
        yield f'random-{i}', bytes(rng.randrange(256) for _ in range(SIZE))
    yield 'all-zeros', bytes(SIZE)
    yield 'all-ones', b'\xff' * SIZE


def main():
    good_image, outdir = sys.argv[1:3]
    with open(good_image, 'rb') as f:
        image = f.read()
    for name, cell in variants():
        cell = (cell + bytes(SIZE))[:SIZE] if len(cell) < SIZE else cell[:SIZE]
        img = bytearray(image)
        for off in SLOTS:
            img[off:off + SIZE] = cell
        with open(os.path.join(outdir, name + '.img'), 'wb') as f:
            f.write(img)
        print(name)


if __name__ == '__main__':
    main()
