#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Feed every writable sysfs file of a device a corpus of hostile input.

Usage: hostile-sysfs.py DEVICE-DIR NVMEM-FILE

The writable files are found by permission under DEVICE-DIR (the BMS's
platform device: its power supplies and hwmon devices are below it),
leaving out the driver core's own (uevent, driver_override, power/).  Each
corpus entry is written to each file with one write(2).  A write that fails
must change nothing: the writable files, codes and the nvmem contents are
compared after each, every readable file below DEVICE-DIR after each
file's batch.  A write that succeeds must be a
documented valid form of that file (Documentation/ABI/testing/
sysfs-class-power-smartbms), and the file must then read back the value.
The caller pauses the driver's loop, so that nothing else moves.
Prints TAP lines and the counts.
"""

import os
import re
import stat
import sys

CORE_FILES = {'uevent', 'driver_override'}

CORPUS = [
    b'', b'\n', b' ', b'\t\n', b'   \n', b'\x00', b'on\x00junk', b'1\x00',
    b'-1', b'-0', b'-14200000', b'0', b'1', b'+1', b'2', b'14200000', b'14200000\n',
    b'+14200000', b' 14200000', b'14200000 ', b'14200000\n\n', b'14200000abc',
    b'13000000', b'15300000', b'12999999', b'15300001', b'14205000', b'014200000',
    b'99999999999999999999999999999', b'4294967296', b'2147483647', b'2147483648',
    b'-2147483648', b'-2147483649', b'9223372036854775807', b'9223372036854775808',
    b'18446744073709551616', b'4309167296', b'-4280767296', b'18446744073723751616',
    b'18446744088509551616', b'-18446744059509551616', b'36893488147433303232',
    b'14200000\x00garbage', b'14200000\x00', b'14200000\x00\n', b'\x0014200000',
    b'\t14200000', b'14200000\t', b'14200000\r\n', b'14200000\r', b'\n14200000',
    b' 14200000\n', b'14200000 \n', b'+14200000\n', b'-0\n', b'0\n', b'00',
    b'1.42e7', b'1.42E+07', b'142e5', b'14200000.0', b'14200000.', b'0x0D8AD40',
    b'0d14200000', b'14_200_000', b'14,200,000',
    b'0x10', b'0xD8AD40', b'0XD8AD40', b'0o777', b'0666', b'066124500', b'0b1',
    b'1e7', b'13.5', b'14.2V', b'14200000uV',
    b'on', b'on\n', b'ON', b'On', b'off', b'yes', b'yellow', b'y', b'Y', b'n', b'true',
    b't', b'1junk', b'on x', b'on\nx', b'\non',
    b'125A', b'125A\n', b'125a', b'125A junk', b'125', b' 125A', b'2x7.5A',
    b'2x7.5A\n\n', b'2X7.5A', b'not-set', b'use\n', b'use ', b'continuous',
    b'intermittent', b'everything', b'alternator-only', b'alternator-and-system',
    b'not-available', b'not-available\r\n',
    b'\xc3\xb6n', b'\xff\xfe\xfd', b'125\xc3\x84', b'\xef\xbc\x91\xef\xbc\x92\xef\xbc\x95A',
    b'o\xccn', b'A' * 4096, b'1' * 4096, b'on' + b' ' * 4094, b'on' + b'\n' * 4094,
    b'%s%n%x%p', b'../../../../etc/passwd', b'\x1b[2J', b'$(reboot)',
]

# (file name) -> what a valid write is, per the ABI document.
YES = {'1', 'y', 'on'}
LIMIT_MIN, LIMIT_MAX, LIMIT_STEP = 13000000, 15300000, 10000


def strip_nl(data):
    """sysfs_streq()'s view: one trailing newline does not count."""
    return data[:-1] if data.endswith(b'\n') else data


def valid(name, data, files):
    """The value a valid write of DATA to NAME reads back as, or None."""
    try:
        text = strip_nl(data).decode('ascii')
    except UnicodeDecodeError:
        return None
    if name in ('reset', 'clear'):
        return '' if text in YES else None
    if name == 'charge_limit':
        # ASCII digits only (re's \d would take other scripts' digits, and
        # fullmatch's $ no newline), no leading zero: the driver's grammar.
        if not re.fullmatch(r'[1-9][0-9]*', text, re.ASCII):
            return None
        v = int(text)
        if not LIMIT_MIN <= v <= LIMIT_MAX:
            return None
        return str((v + LIMIT_STEP // 2) // LIMIT_STEP * LIMIT_STEP)
    avail = files.get(name + '_available')
    if avail is not None:
        return text if text in avail.split() else None
    return None


def readable(top):
    """Every readable regular file below TOP, the driver core's power/ left out."""
    out = []
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if x != 'power' and x != 'subsystem' and x != 'device']
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and st.st_mode & 0o444:
                out.append(p)
    return sorted(out)


def writable(top):
    return [p for p in readable(top) + write_only(top)
            if os.lstat(p).st_mode & 0o222 and os.path.basename(p) not in CORE_FILES]


def write_only(top):
    out = []
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if x not in ('power', 'subsystem', 'device')]
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and not st.st_mode & 0o444 and st.st_mode & 0o222:
                out.append(p)
    return out


def snapshot(files, nvmem):
    snap = {}
    for p in files:
        try:
            with open(p, 'rb') as f:
                snap[p] = f.read()
        except OSError as e:
            snap[p] = f'error {e.errno}'.encode()
    with open(nvmem, 'rb') as f:
        snap[nvmem] = f.read()
    return snap


def main():
    top, nvmem = sys.argv[1:3]
    targets = sorted(set(writable(top)))
    files = readable(top)
    names = {}
    for p in files:
        try:
            with open(p) as f:
                names[os.path.basename(p)] = f.read()
        except (OSError, UnicodeDecodeError):
            pass
    print(f'# {len(targets)} writable files: '
          + ' '.join(os.path.relpath(t, top) for t in targets))
    # After each refused write, the quick set (every writable file that can
    # be read, the codes and the EEPROM) must be unchanged; after each
    # accepted one, and after each file's whole batch, every readable file.
    quick = [p for p in files if p in targets or os.path.basename(p) == 'codes']
    before = snapshot(files, nvmem)
    tried = rejected = accepted = empty = failures = 0

    def compare(now, base):
        return sorted(os.path.relpath(p, top) for p in now if now[p] != base.get(p))

    for t in targets:
        name = os.path.basename(t)
        for data in CORPUS:
            tried += 1
            fd = os.open(t, os.O_WRONLY)
            try:
                n = os.write(fd, data)
                err = 0
            except OSError as e:
                err = e.errno
            finally:
                os.close(fd)
            what = f'{os.path.relpath(t, top)} <- {data[:24]!r}{"..." if len(data) > 24 else ""}'
            if err or not data:
                after = snapshot(quick, nvmem)
                changed = compare(after, before)
                if err:
                    rejected += 1
                    if changed:
                        print(f'not ok - {what}: refused ({os.strerror(err)}) but changed {changed}')
                        failures += 1
                        before = snapshot(files, nvmem)
                    continue
                # write(2) of nothing: sysfs calls no store, nothing changes.
                empty += 1
                if n != 0 or changed:
                    print(f'not ok - {what}: an empty write returned {n}, changed {changed}')
                    failures += 1
                continue
            accepted += 1
            after = snapshot(files, nvmem)
            want = valid(name, data, names)
            if want is None:
                print(f'not ok - {what}: accepted ({n} bytes), not a documented valid form')
                failures += 1
            elif want and after.get(t, b'').decode(errors='replace').strip() != want:
                print(f'not ok - {what}: accepted, reads back {after.get(t)!r}, not {want!r}')
                failures += 1
            before = after
        after = snapshot(files, nvmem)
        changed = compare(after, before)
        if changed:
            print(f'not ok - {os.path.relpath(t, top)}: its refused writes changed {changed}')
            failures += 1
        before = after
    print(f'# hostile sysfs input: {len(targets)} files x {len(CORPUS)} inputs = {tried} '
          f'writes: {rejected} refused with nothing changed, {accepted} accepted, '
          f'{empty} empty writes; {failures} failures')
    if not failures:
        print(f'ok - hostile sysfs input: {tried} writes to {len(targets)} files '
              f'({len(CORPUS)} inputs each): {rejected} refused and changed nothing, '
              f'{accepted} accepted were valid forms read back as written')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
