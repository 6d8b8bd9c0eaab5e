#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the simulated board's factory EEPROM image.

What a factory programs into a new BMS: a sound calibration record and the
default settings, in the record layout of include/linux/power/smartbms-engine.h
(header, payload, CRC-32), at the cell offsets of tests/board/smartbms-board.dts.

Usage: mk-nvmem.py OUTPUT [--blank-settings | --corrupt-settings]

--corrupt-settings flips one bit of the settings record: a BMS that boots
from it must show E-B31 (the scenario boot of make check starts so).
"""

import struct
import sys
import zlib

SIZE = 128                  # eeprom: size
SETTINGS = (0x00, 0x20)     # settings@0: reg (journal slot A)
CALIBRATION = (0x20, 0x20)  # calibration@20: reg
SETTINGS_B = (0x40, 0x20)   # settings-b@40: reg (journal slot B), left blank

SETTINGS_MAGIC = 0x5453     # "ST"
CALIBRATION_MAGIC = 0x4143  # "CA"


def record(magic, version, payload, size):
    body = struct.pack('<HBB', magic, version, len(payload)) + payload
    rec = body + struct.pack('<I', zlib.crc32(body))
    assert len(rec) <= size
    return rec + bytes(size - len(rec))


def main():
    if len(sys.argv) not in (2, 3) or \
       sys.argv[2:] not in ([], ['--blank-settings'], ['--corrupt-settings']):
        sys.exit('usage: mk-nvmem.py OUTPUT [--blank-settings | --corrupt-settings]')
    image = bytearray(b'\xff' * SIZE)
    # Calibration, version 1: the reference's calibrated value in uV.
    off, size = CALIBRATION
    image[off:off + size] = record(CALIBRATION_MAGIC, 1, struct.pack('<I', 2500000), size)
    if '--blank-settings' not in sys.argv:
        # Settings, version 1: fuse not set, use pre-alarm, continuous,
        # alternator & System+, soft switch on; 14.2 V charge limit.
        off, size = SETTINGS
        payload = struct.pack('<5B3xI', 0, 0, 0, 0, 1, 14200000)
        image[off:off + size] = record(SETTINGS_MAGIC, 1, payload, size)
        if '--corrupt-settings' in sys.argv:
            image[off + 8] ^= 0x40
    with open(sys.argv[1], 'wb') as f:
        f.write(image)


if __name__ == '__main__':
    main()
