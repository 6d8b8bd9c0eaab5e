#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the fuzz harnesses' seed corpus: tests/fuzz/corpus/<harness>/<seed>.

Each seed is a small handcrafted input in the harness's own format (see the
comment at the top of each tests/fuzz/fuzz-*.c): the manual's scenarios for
the engine, good and broken records, values as people type them, settings
files as `bmsctl save` writes them and as people edit them.  The files are
committed; run this again after changing a harness's input format:

    tests/fuzz/mk-corpus.py            # rewrites tests/fuzz/corpus/
"""
import os
import shutil
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- engine: a 4-byte header, then 10-byte steps (fuzz-engine.c) ----------

CA, DA, BP, REMOTE, SC = 1, 2, 4, 8, 16
NORMAL = CA | DA | REMOTE
F_SETTINGS, F_CLEAR, F_LINES_BAD, F_MEAS_FAIL, F_RAW, F_SECONDS = 1, 2, 4, 8, 16, 0x80


def settings(fuse=0, usage=0, output=0, soft=True, remote=0, limit_mv=14200):
    """Three bytes that decode_settings() turns into these settings."""
    idx = (limit_mv - 13000) // 10
    b0 = fuse | usage << 4 | output << 5 | (0 if soft else 1) << 6 | (1 if remote else 0) << 7
    b1 = (idx << 1 | (remote - 1 if remote else 0)) & 0xff
    return bytes([b0, b1, idx >> 7])


def volts(v):
    """A voltage byte: 13.0 V + n * 50 mV."""
    return round((v - 13.0) / 0.05) & 0xff


def amps(a):
    return round(a) & 0xff


def celsius(c):
    return round((c - 60) / 0.5) & 0xff


def step(dt_ms=100, lines=NORMAL, bat=13.2, alt=12.8, system=13.2, alt_a=0, sys_a=0,
         temp=25, ref_mv=0, flags=0, extra=b''):
    if dt_ms >= 128:
        assert dt_ms % 1000 == 0 and dt_ms // 1000 < 128
        flags |= F_SECONDS
        dt = dt_ms // 1000
    else:
        dt = dt_ms
    return bytes([flags, dt, lines, volts(bat), volts(alt), volts(system), amps(alt_a),
                  amps(sys_a), celsius(temp), ref_mv & 0xff]) + extra


def engine_seeds():
    hdr = bytes([0]) + settings()
    s = {}
    # Rule 1 to 3: the alternator qualifies, charges, locks out at the
    # charge limit, and is released after 10 s 0.5 V below it.
    seq = [step(alt=13.9, alt_a=30) for _ in range(25)]
    seq += [step(bat=14.25, alt=14.4, alt_a=30)]
    seq += [step(1000, bat=13.6, alt=14.0) for _ in range(12)]
    s['alternator-lockout'] = hdr + b''.join(seq)
    # Rule 2: over-current above the fuse's limit for 5 s, the 30 s retry.
    hdr_fuse = bytes([0]) + settings(fuse=9)
    seq = [step(alt=14.0, alt_a=20) for _ in range(15)]
    seq += [step(1000, alt=14.0, alt_a=20) for _ in range(40)]
    s['alternator-overcurrent'] = hdr_fuse + b''.join(seq)
    # Rule 7: discharge-allowed low for 40 s, then high again.
    seq = [step(1000) for _ in range(3)]
    seq += [step(1000, lines=CA | REMOTE, bat=12.0) for _ in range(40)]
    seq += [step(100) for _ in range(15)]
    s['discharge-30s'] = hdr + b''.join(seq)
    # Rule 7: the battery's pre-alarm first, intermittent output.
    hdr_int = bytes([0]) + settings(output=1)
    seq = [step(1000) for _ in range(2)]
    seq += [step(1000, lines=NORMAL | BP, bat=12.4) for _ in range(5)]
    seq += [step(1000, lines=CA | REMOTE | BP, bat=12.2) for _ in range(3)]
    s['prealarm-first'] = hdr_int + b''.join(seq)
    # Rule 11: three trips within 60 s latch; a clear, then ON cycled.
    seq = [step(1000) for _ in range(2)]
    for _ in range(3):
        seq += [step(100, lines=NORMAL | SC), step(1000)]
        seq += [step(10000)]
    seq += [step(1000, flags=F_CLEAR), step(1000, lines=CA | DA), step(1000)]
    s['short-circuit-latch'] = hdr + b''.join(seq)
    # Rule 6: over-temperature at both levels and back.
    seq = [step(1000, alt=14.0, temp=t) for t in (60, 80, 86, 90, 96, 100, 90, 84, 74, 60)]
    s['over-temperature'] = hdr + b''.join(seq)
    # Rule 10: "switch everything off", remote off and on.
    hdr_rem = bytes([0]) + settings(remote=2)
    seq = [step(1000, alt=14.0) for _ in range(3)]
    seq += [step(1000, lines=CA | DA, alt=14.0) for _ in range(3)]
    seq += [step(1000, alt=14.0) for _ in range(3)]
    seq += [step(1000, flags=F_SETTINGS, extra=settings(remote=1, soft=False))]
    s['remote-everything'] = hdr_rem + b''.join(seq)
    # Rules 12 and 13: unreadable lines, failing ADC reads, the reference
    # out of tolerance, bad calibration and settings.
    hdr_bad = bytes([0x18]) + settings()
    seq = [step(1000, flags=F_LINES_BAD, extra=bytes([CA | SC]))]
    seq += [step(1000, flags=F_MEAS_FAIL, extra=bytes([0x7f])) for _ in range(6)]
    seq += [step(1000, ref_mv=60), step(1000, ref_mv=-60), step(1000)]
    seq += [step(1000, flags=F_RAW, extra=bytes([0]) + struct.pack('<i', -2**31))]
    seq += [step(1000, lines=0, bat=13.2) for _ in range(62)]
    s['self-checks'] = hdr_bad + b''.join(seq)
    return s


# ---- record: the nvmem cell (fuzz-record.c) --------------------------------

def record(fuse=0, usage=0, output=0, remote=0, soft=1, limit=14200000, version=1,
           magic=0x5453, cell=20, crc_xor=0):
    body = struct.pack('<HBB', magic, version, 12)
    body += bytes([fuse, usage, output, remote, soft, 0, 0, 0]) + struct.pack('<I', limit)
    rec = body + struct.pack('<I', zlib.crc32(body) ^ crc_xor)
    return rec + bytes(cell - len(rec))


def record_seeds():
    """A mode byte (1: the harness fixes the CRC up), then the cell."""
    seeds = {
        'defaults': record(),
        'every-choice-set': record(fuse=9, usage=1, output=1, remote=2, soft=0, limit=15300000),
        'in-a-larger-cell': record(fuse=5, limit=13000000, cell=32),
        'blank-zeros': bytes(20),
        'blank-ones': b'\xff' * 20,
        'bad-crc': record(crc_xor=1),
        'version-2': record(version=2),
        'calibration-magic': record(magic=0x4143),
        'limit-out-of-range': record(limit=15300001),
        'truncated': record()[:12],
    }
    seeds = {name: b'\0' + cell for name, cell in seeds.items()}
    seeds['crc-fixed-up'] = b'\1' + record(fuse=3, limit=14400000, crc_xor=0xffffffff)
    return seeds


# ---- bmsctl values: setting index, then the value (fuzz-bmsctl-values.c) ---

SETTINGS = ['fuse', 'prealarm-usage', 'prealarm-output', 'charge-limit', 'remote-function',
            'soft-switch']


def values_seeds():
    vals = [('fuse', '2x7.5A'), ('fuse', '2 x 7.5 a'), ('fuse', '125'), ('fuse', 'not-set'),
            ('prealarm-usage', 'not available'), ('prealarm-output', 'Intermittent'),
            ('charge-limit', '14.2V'), ('charge-limit', '14200 mV'), ('charge-limit', ' 13.05 v'),
            ('charge-limit', '15.3000001V'), ('remote-function', 'alternator_only'),
            ('soft-switch', 'off')]
    return {f'{name}-{i}': bytes([SETTINGS.index(name)]) + v.encode()
            for i, (name, v) in enumerate(vals)}


# ---- bmsctl load: a configuration byte, then the file (fuzz-bmsctl-load.c) -

SAVED = ('# Settings of the Smart BMS "bms", saved by bmsctl.\n'
         '# Load them with: bmsctl --device bms load FILE\n'
         'bmsctl-settings 1\nfuse = 60A\nprealarm-usage = not-available\n'
         'prealarm-output = intermittent\ncharge-limit = 14.4V\n'
         'remote-function = everything\nsoft-switch = off\n')


def load_seeds():
    no_refuse = 6 << 1
    return {
        'saved-file': bytes([no_refuse]) + SAVED.encode(),
        'fuse-unset-kept': bytes([no_refuse | 1]) + b'bmsctl-settings 1\nfuse = not-set\n',
        'fuse-unset-refused': bytes([no_refuse]) + b'bmsctl-settings 1\nfuse = not-set\n',
        'edited': bytes([no_refuse | 0xf0]) +
        b'\n  # by hand\nbmsctl-settings   1\n\tcharge-limit=13800mV  \nfuse = 2 x 20 A\n',
        'refused-write': bytes([4 << 1]) + SAVED.encode(),
        'refused-write-fuse-unset': bytes([4 << 1 | 1]) + SAVED.encode(),
        'wrong-version': bytes([no_refuse]) + b'bmsctl-settings 2\nfuse = 60A\n',
        'version-2-to-the-32': bytes([no_refuse]) + b'bmsctl-settings 4294967296\nfuse = 60A\n',
        'bad-line': bytes([no_refuse]) + b'bmsctl-settings 1\nfuse = 60A\ncharge-limit = 16V\n',
        'set-twice': bytes([no_refuse]) + b'bmsctl-settings 1\nfuse = 60A\nfuse = 80A\n',
    }


def main():
    out = os.path.join(HERE, 'corpus')
    for harness, seeds in (('engine', engine_seeds()), ('record', record_seeds()),
                           ('bmsctl-values', values_seeds()), ('bmsctl-load', load_seeds())):
        d = os.path.join(out, harness)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
