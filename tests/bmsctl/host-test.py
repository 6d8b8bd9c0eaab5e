#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the real bmsctl binary against fake sysfs trees on the host.

Usage: host-test.py BMSCTL

Prints one line per assertion, "ok bmsctl-host: what" or
"not ok bmsctl-host: what: why" (tests/check.sh appends them to the host
results), and exits 1 if any failed.

A fake tree is plain files: it cannot refuse a write the way the driver
does, so every bad input is checked to be refused *before* anything is
written (every settings file reads the same before and after), and write
or read errors are made by putting a directory where a file should be
(the tests may run as root, which file modes do not stop).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

COMPATIBLE = b'victron,smart-bms-12-200\0'
FILE_OF = {
    'fuse': 'fuse_rating',
    'prealarm-usage': 'prealarm_usage',
    'prealarm-output': 'prealarm_output',
    'charge-limit': 'charge_limit',
    'remote-function': 'remote_function',
    'soft-switch': 'soft_switch',
}
SETTINGS_FILES = list(FILE_OF.values())

BATTERY = {
    'type': 'Battery',
    'voltage_now': '13200000',
    'fuse_rating': 'not-set',
    'fuse_rating_available': '125A 100A 80A 60A 2x30A 2x20A 2x15A 2x10A 2x7.5A',
    'prealarm_usage': 'use',
    'prealarm_output': 'continuous',
    'charge_limit': '14200000',
    'remote_function': 'alternator-and-system',
    'soft_switch': 'on',
    'codes': '',
    'system_status': 'on',
    # Reads ENODATA while the fuse is not set: a fake file cannot, so it
    # holds a value the status must not show while the fuse is not set.
    'alternator_current_percent': '0',
    'reset': '',
    'clear': '',
}
ALTERNATOR = {
    'type': 'Mains',
    'online': '0',
    'voltage_now': '12600000',
    'current_now': '0',
    'input_current_limit': '100000000',
}
HWMON = {
    'name': 'smartbms',
    'in0_label': 'alternator', 'in0_input': '12600',
    'in1_label': 'system', 'in1_input': '13150',
    'curr1_label': 'alternator', 'curr1_input': '0',
    'temp1_label': 'bms', 'temp1_input': '25500',
}

failures = 0


def result(ok, what, why=''):
    global failures
    if ok:
        print(f'ok bmsctl-host: {what}')
    else:
        failures += 1
        print(f'not ok bmsctl-host: {what}: {why}')
    sys.stdout.flush()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb' if isinstance(text, bytes) else 'w') as f:
        f.write(text if isinstance(text, bytes) else text + '\n')


def add_bms(root, name, compatible=COMPATIBLE):
    """A BMS as the driver lays it out, reached through class/power_supply."""
    dev = os.path.join(root, 'devices/platform', name)
    write(os.path.join(dev, 'of_node/compatible'), compatible)
    for supply, attrs in ((f'{name}-battery', BATTERY), (f'{name}-alternator', ALTERNATOR)):
        d = os.path.join(dev, 'power_supply', supply)
        for k, v in attrs.items():
            write(os.path.join(d, k), v)
        os.symlink('../..', os.path.join(d, 'device'))
        cls = os.path.join(root, 'class/power_supply')
        os.makedirs(cls, exist_ok=True)
        os.symlink(os.path.relpath(d, cls), os.path.join(cls, supply))
    for k, v in HWMON.items():
        write(os.path.join(dev, 'hwmon/hwmon3', k), v)
    # Another driver's hwmon device on the same device is not ours.
    write(os.path.join(dev, 'hwmon/hwmon2/name'), 'other')
    return os.path.join(dev, 'power_supply', f'{name}-battery')


def make_tree(names=('bms',)):
    root = tempfile.mkdtemp(prefix='bmsctl-sys-')
    # Supplies that are not a BMS: a charger, and a battery of another device.
    write(os.path.join(root, 'devices/ac/power_supply/AC/type'), 'Mains')
    os.makedirs(os.path.join(root, 'class/power_supply'), exist_ok=True)
    os.symlink('../../devices/ac/power_supply/AC', os.path.join(root, 'class/power_supply/AC'))
    add_bms(root, 'other', compatible=b'acme,battery\0')
    batteries = {n: add_bms(root, n) for n in names}
    return root, batteries


class Bmsctl:
    def __init__(self, binary, root):
        self.binary = binary
        self.root = root

    def run(self, *args, stdin=None, env=None, root=True):
        cmd = [self.binary] + (['--sysfs-root', self.root] if root else []) + list(args)
        e = dict(os.environ)
        e.pop('BMSCTL_SYSFS_ROOT', None)
        e.update(env or {})
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=e,
                           timeout=20)
        return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path) as f:
        return f.read().rstrip('\n')


def snapshot(battery):
    return {f: read(os.path.join(battery, f)) for f in SETTINGS_FILES}


def expect(what, got_rc, want_rc, cond=True, why=''):
    rc_ok = got_rc == want_rc
    result(rc_ok and cond, what,
           f'exit status {got_rc}, expected {want_rc}' if not rc_ok else why)


def refused(b, battery, what, args, want_rc, words, stdin=None):
    """A command that must fail with @want_rc, say @words, and change nothing."""
    before = snapshot(battery)
    rc, out, err = b.run(*args, stdin=stdin)
    after = snapshot(battery)
    missing = [w for w in words if w not in err]
    expect(f'{what}: exits {want_rc}', rc, want_rc)
    result(not missing, f'{what}: the message names the problem',
           f'{missing} not in {err.strip()!r}')
    result(before == after, f'{what}: every setting reads back unchanged',
           f'{before} -> {after}')


def test_help(b):
    rc, out, _ = b.run('--version')
    expect('--version', rc, 0, out.startswith('bmsctl '), repr(out))
    rc, out, _ = b.run('--help')
    expect('--help', rc, 0, 'Commands:' in out, repr(out))
    for cmd in ('status', 'monitor', 'list', 'get', 'set', 'save', 'load', 'reset',
                'clear', 'on', 'off', 'explain'):
        rc, out, _ = b.run(cmd, '--help')
        expect(f'{cmd} --help', rc, 0, f'Usage: bmsctl [OPTIONS] {cmd}' in out, repr(out))
    rc, out, _ = b.run('help', 'set')
    expect('help set', rc, 0, 'NAME VALUE' in out, repr(out))


def test_status(b, battery):
    rc, out, err = b.run('status')
    expect('status', rc, 0, err == '', err)
    for want in ('Smart BMS bms', '13.20 V', '12.60 V', '13.15 V', '25.5 °C',
                 'set the fuse type', 'no errors'):
        result(want in out, f'status shows {want!r}', repr(out))

    rc, out, _ = b.run('status', '--json')
    try:
        j = json.loads(out)
    except ValueError as e:
        result(False, 'status --json parses', f'{e}: {out!r}')
        return
    result(rc == 0, 'status --json parses')
    want = {
        'device': 'bms', 'battery_mv': 13200, 'soft_switch': 'on', 'system': 'on',
        'alternator_mv': 12600, 'alternator_ma': 0, 'alternator_charging': False,
        'system_mv': 13150, 'alternator_current_percent': None, 'fuse': 'not-set',
        'temperature_mdegc': 25500, 'codes': [],
    }
    for k, v in want.items():
        result(j.get(k, '(missing)') == v, f'status --json: {k}', f'{j.get(k, "(missing)")!r} != {v!r}')
    result(set(j) == set(want), 'status --json: no other field', f'{sorted(set(j) ^ set(want))}')

    # A fuse, a charging alternator, codes.
    write(os.path.join(battery, 'fuse_rating'), '100A')
    write(os.path.join(battery, 'alternator_current_percent'), '45')
    write(os.path.join(battery, 'codes'), 'E-B31 W-B12')
    write(os.path.join(battery, '../bms-alternator/online'), '1')
    write(os.path.join(battery, '../bms-alternator/current_now'), '40500000')
    rc, out, _ = b.run('status', '--json')
    j = json.loads(out)
    result(j['alternator_current_percent'] == 45, 'status --json: percentage once the fuse is set',
           repr(j['alternator_current_percent']))
    result(j['alternator_charging'] is True and j['alternator_ma'] == 40500,
           'status --json: alternator charging, its current', repr(j))
    result(j['codes'] == [
        {'code': 'E-B31', 'kind': 'error', 'text': 'configuration failure'},
        {'code': 'W-B12', 'kind': 'warning', 'text': 'under-voltage warning'}],
        'status --json: codes with their kind and text', repr(j['codes']))
    rc, out, _ = b.run('status')
    for want in ('45 % of the limit (fuse 100A)', 'E-B31  error', 'W-B12  warning', 'charging'):
        result(want in out, f'status shows {want!r}', repr(out))
    for k, v in (('fuse_rating', 'not-set'), ('alternator_current_percent', '0'), ('codes', ''),
                 ('../bms-alternator/online', '0'), ('../bms-alternator/current_now', '0')):
        write(os.path.join(battery, k), v)


def test_settings(b, battery):
    rc, out, _ = b.run('list')
    expect('list', rc, 0, all(n in out for n in ('fuse', 'charge-limit', '13.0V..15.3V',
                                                  '2x7.5A', 'alternator-and-system')), repr(out))
    rc, out, _ = b.run('list', '--json')
    try:
        j = {s['name']: s for s in json.loads(out)}
        result(rc == 0, 'list --json parses')
    except (ValueError, KeyError, TypeError) as e:
        result(False, 'list --json parses', f'{e}: {out!r}')
        return
    want = {
        'fuse': ('not-set', 'A', "not-set or the board's preset"),
        'prealarm-usage': ('use', None, 'use'),
        'prealarm-output': ('continuous', None, 'continuous'),
        'charge-limit': ('14.2V', 'V', '14.2V'),
        'remote-function': ('alternator-and-system', None, 'alternator-and-system'),
        'soft-switch': ('on', None, 'on'),
    }
    for name, (value, unit, default) in want.items():
        s = j.get(name, {})
        result((s.get('value'), s.get('unit'), s.get('default')) == (value, unit, default),
               f'list --json: {name}', repr(s))
    # bmsctl uses the choices it claims: list --values gives the same ones,
    # set accepts each and writes it as is, and refuses a value that is not one.
    for name, s in j.items():
        if 'choices' not in s:
            continue
        rc, out, _ = b.run('list', '--values', name, root=False)
        result(out.split() == s['choices'], f'list --values {name} is list --json\'s choices',
               f'{out.split()} != {s["choices"]}')
        file = os.path.join(battery, FILE_OF[name])
        before = read(file)
        for choice in s['choices']:
            rc, out, err = b.run('set', name, choice)
            expect(f'set {name} {choice} (a choice list --json claims)', rc, 0,
                   read(file) == choice, f'{read(file)!r} {err}')
        write(file, before)
        refused(b, battery, f'set {name}: a value that is no choice', ['set', name, 'zz'], 2,
                [' '.join(s['choices'])])
    result(j.get('charge-limit', {}).get('min') == '13.0V' and j['charge-limit'].get('max') == '15.3V',
           'list --json: the charge limit range', repr(j.get('charge-limit')))
    rc, out, _ = b.run('list', '--names', root=False)
    expect('list --names (no device needed)', rc, 0, out.split() == list(want), repr(out))
    rc, out, _ = b.run('list', '--values', 'remote-function', root=False)
    expect('list --values', rc, 0,
           out.split() == ['alternator-and-system', 'alternator-only', 'everything'], repr(out))

    for name, (value, _, _) in want.items():
        rc, out, _ = b.run('get', name)
        expect(f'get {name}', rc, 0, out == value + '\n', repr(out))

    cases = [
        ('fuse', '2x7.5A', '2x7.5A', '2x7.5A'),
        ('fuse', '2 x 15 a', '2x15A', '2x15A'),
        ('fuse', '2 x 10A', '2x10A', '2x10A'),
        ('fuse', '80 A', '80A', '80A'),
        ('fuse', '125', '125A', '125A'),
        ('charge-limit', '14.6V', '14600000', '14.6V'),
        ('charge-limit', '14250mV', '14250000', '14.25V'),
        ('charge-limit', '13', '13000000', '13.0V'),
        ('charge-limit', '15.3 V', '15300000', '15.3V'),
        ('prealarm-usage', 'not available', 'not-available', 'not-available'),
        ('prealarm-usage', 'Not_Available', 'not-available', 'not-available'),
        ('soft-switch', 'ON', 'on', 'on'),

        ('prealarm-output', 'intermittent', 'intermittent', 'intermittent'),
        ('remote-function', 'everything', 'everything', 'everything'),
        ('soft-switch', 'off', 'off', 'off'),
    ]
    for name, value, raw, shown in cases:
        rc, out, err = b.run('set', name, value)
        file = read(os.path.join(battery, FILE_OF[name]))
        expect(f'set {name} {value!r} writes {raw!r}', rc, 0, file == raw, f'{file!r} {err}')
        result(out == f'{name} = {shown}\n', f'set {name} {value!r} prints the value in force',
               repr(out))

    rc, out, _ = b.run('on')
    expect('on', rc, 0, read(os.path.join(battery, 'soft_switch')) == 'on', repr(out))
    rc, out, _ = b.run('off')
    expect('off', rc, 0, read(os.path.join(battery, 'soft_switch')) == 'off' and
           out == 'soft-switch = off\n', repr(out))
    b.run('on')
    rc, out, _ = b.run('clear')
    expect('clear writes 1 to clear', rc, 0, read(os.path.join(battery, 'clear')) == '1')
    rc, out, _ = b.run('reset')
    expect('reset writes 1 to reset', rc, 0, read(os.path.join(battery, 'reset')) == '1')
    result('charge-limit = ' in out, 'reset shows the settings in force', repr(out))


def test_save_load(b, battery, tmp):
    path = os.path.join(tmp, 'bms.conf')
    rc, _, err = b.run('save', path)
    expect('save', rc, 0, os.path.exists(path), err)
    text = open(path).read()
    result('bmsctl-settings 1\n' in text and 'fuse = 125A\n' in text and
           'charge-limit = 15.3V\n' in text, 'save: a versioned file of name = value lines',
           repr(text))
    saved = snapshot(battery)
    b.run('set', 'fuse', '80A')
    b.run('set', 'charge-limit', '14.4V')
    b.run('off')
    rc, out, err = b.run('load', path)
    expect('load restores every setting', rc, 0, snapshot(battery) == saved,
           f'{snapshot(battery)} != {saved} {err}')
    result('fuse = 125A' in out, 'load prints the values in force', repr(out))
    b.run('set', 'fuse', '60A')
    rc, out, _ = b.run('load', '-', stdin=text)
    expect('load - reads standard input', rc, 0, snapshot(battery) == saved)
    rc, out, _ = b.run('save', '-')
    expect('save - writes standard output', rc, 0, out == text, repr(out))
    rc, out, _ = b.run('load', '-', stdin='# only the fuse\nbmsctl-settings 1\n\n  fuse=2x10A  \n')
    expect('load: a file may set some settings only', rc, 0,
           read(os.path.join(battery, 'fuse_rating')) == '2x10A')
    b.run('load', path)


def test_explain(b):
    rc, out, _ = b.run('explain', root=False)
    codes = ['E-B30', 'E-B31', 'E-B32', 'E-B33', 'A-A12', 'A-B11', 'A-B15', 'W-B12']
    expect('explain: every code', rc, 0, all(f'{c} (' in out for c in codes), repr(out))
    rc, out, _ = b.run('explain', 'e-b31', root=False)
    expect('explain e-b31', rc, 0, out.startswith('E-B31 (error): configuration failure') and
           'bmsctl reset' in out and '3 minutes' in out, repr(out))
    rc, out, _ = b.run('explain', 'W-B12', root=False)
    expect('explain W-B12', rc, 0, 'recharge' in out, repr(out))
    rc, _, err = b.run('explain', 'X-Y99', root=False)
    expect('explain an unknown code', rc, 2, "unknown code 'X-Y99'" in err, repr(err))


def cpu_ticks(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_monitor(b, battery):
    rc, out, err = b.run('monitor', '--json', '--count', '1')
    try:
        j = json.loads(out)
        ok = rc == 0 and j['device'] == 'bms' and j['battery_mv'] == 13200 and 'time' in j
        result(ok, 'monitor --json: the first object', repr(out))
    except ValueError as e:
        result(False, 'monitor --json: the first object', f'{e}: {out!r} {err!r}')
    # Field by field what status --json says, plus the time.
    rc, sout, _ = b.run('status', '--json')
    t0 = time.time()
    rc2, mout, err = b.run('monitor', '--json', '--count', '1')
    try:
        s, m = json.loads(sout), json.loads(mout)
        t = m.pop('time', None)
        result(rc == 0 and rc2 == 0 and m == s, 'monitor --json is status --json field by field',
               f'{m} != {s}')
        result(isinstance(t, (int, float)) and t0 - 1 <= t <= time.time() + 1,
               'monitor --json: time is now, in seconds since the epoch', repr(t))
    except ValueError as e:
        result(False, 'monitor --json is status --json field by field', f'{e}: {mout!r} {err!r}')
    # --interval reads the measurements again (a plain file never notifies).
    p = subprocess.Popen([b.binary, '--sysfs-root', b.root, 'monitor', '--json',
                          '--interval', '0.2', '--count', '2'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    write(os.path.join(battery, 'voltage_now'), '13300000')
    try:
        out, err = p.communicate(timeout=5)
        lines = [json.loads(l) for l in out.splitlines()]
        result(p.returncode == 0 and [l['battery_mv'] for l in lines] == [13200, 13300],
               'monitor --interval --count 2: a new measurement, then it stops', repr(out))
    except (subprocess.TimeoutExpired, ValueError) as e:
        p.kill()
        result(False, 'monitor --interval --count 2: a new measurement, then it stops', repr(e))
    write(os.path.join(battery, 'voltage_now'), BATTERY['voltage_now'])
    # Plain files never wake poll(): an idle monitor must not spin.
    p = subprocess.Popen([b.binary, '--sysfs-root', b.root, 'monitor', '--json'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2)
    ticks = cpu_ticks(p.pid)
    alive = p.poll() is None
    p.terminate()
    p.wait()
    print(f'# bmsctl-host: an idle monitor used {ticks} clock ticks in 2 s')
    result(alive and ticks <= 3, 'monitor: no CPU used while idle', f'{ticks} ticks, alive={alive}')


def test_bad_input(b, battery, tmp):
    refused(b, battery, 'unknown command', ['frobnicate'], 2, ["unknown command 'frobnicate'"])
    refused(b, battery, 'unknown option', ['status', '--frob'], 2, ["unknown option '--frob'"])
    refused(b, battery, 'unknown setting', ['set', 'volume', '11'], 2,
            ["unknown setting 'volume'", 'charge-limit'])
    refused(b, battery, 'get of an unknown setting', ['get', 'volume'], 2, ["unknown setting 'volume'"])
    refused(b, battery, 'set without a value', ['set', 'fuse'], 2, ['missing operand'])
    for value in ('15.31V', '12.99V', '99999999999V', '0'):
        refused(b, battery, f'out-of-range charge limit {value!r}', ['set', 'charge-limit', value],
                2, ['out-of-range', value, '13.0V..15.3V'])
    for value in ('14.2X', '14,2V', 'abc', '', '14.2VV', '-14.2V', '14.2000001V', '0x14'):
        refused(b, battery, f'malformed charge limit {value!r}', ['set', 'charge-limit', value],
                2, ['malformed', 'charge-limit'])
    for value in ('3x10A', '125AA', '2x7.5 A x', 'not-set', '', '1 2 5', '12 5A', '2x7 .5A'):
        refused(b, battery, f'malformed fuse {value!r}', ['set', 'fuse', value], 2,
                ['invalid value', 'fuse', '2x7.5A'])
    refused(b, battery, 'bad soft switch value', ['set', 'soft-switch', 'maybe'], 2,
            ["'maybe'", 'off on'])
    for name, value in (('soft-switch', 'o-n'), ('prealarm-usage', 'u_s_e'),
                        ('prealarm-usage', 'notavailable'), ('soft-switch', 'o n')):
        refused(b, battery, f'{name} {value!r}: separators only where the choice has one',
                ['set', name, value], 2, [f"'{value}'"])

    # Settings files: the line of the first error, and nothing written.
    bad = os.path.join(tmp, 'bad.conf')
    with open(bad, 'w') as f:
        f.write('bmsctl-settings 1\nfuse = 80A\nprealarm-output = intermittent\n'
                'charge-limit = 16V\nsoft-switch = off\n')
    refused(b, battery, 'load: one bad line among good ones', ['load', bad], 2,
            [f'{bad}:4:', 'charge-limit', '16V', 'nothing was written'])
    for name, text, words in (
            ('unknown setting', 'bmsctl-settings 1\nfuse = 80A\nvolume = 11\n', [':3:', "'volume'"]),
            ('set twice', 'bmsctl-settings 1\nfuse = 80A\nfuse = 60A\n', [':3:', 'twice']),
            ('no version line', 'fuse = 80A\n', [':1:', 'bmsctl-settings 1']),
            ('a newer version', '# x\nbmsctl-settings 2\nfuse = 80A\n', [':2:', 'version 2']),
            ('a version past int', 'bmsctl-settings 99999999999999999999\nfuse = 80A\n',
             [':1:', 'not a bmsctl settings file']),
            ('a version with trailing text', 'bmsctl-settings 1x\nfuse = 80A\n',
             [':1:', 'not a bmsctl settings file']),
            ('no =', 'bmsctl-settings 1\nfuse 80A\n', [':2:', 'name = value']),
            ('a line too long', 'bmsctl-settings 1\nfuse = 80A' + ' ' * 300 + '\n',
             [':2:', 'longer than 256']),
            ('empty', '', ['not a bmsctl settings file'])):
        path = os.path.join(tmp, 'bad2.conf')
        with open(path, 'w') as f:
            f.write(text)
        refused(b, battery, f'load: {name}', ['load', path], 2, [path] + words)
    missing = os.path.join(tmp, 'missing.conf')
    refused(b, battery, 'load: a file that is not there', ['load', missing], 1,
            [missing, 'No such file'])
    refused(b, battery, 'load: a file that cannot be read', ['load', tmp], 1, [tmp])

    # Errors of the device itself.
    f = os.path.join(battery, 'voltage_now')
    os.unlink(f)
    os.mkdir(f)
    rc, _, err = b.run('status')
    expect('status: an unreadable file', rc, 1, 'bms-battery/voltage_now' in err and 'Is a directory' in err, repr(err))
    os.rmdir(f)
    write(f, BATTERY['voltage_now'])

    f = os.path.join(battery, 'fuse_rating')
    before = snapshot(battery)
    os.unlink(f)
    os.mkdir(f)
    rc, _, err = b.run('set', 'fuse', '60A')
    expect('set: a file that cannot be written', rc, 1, 'bms-battery/fuse_rating' in err, repr(err))
    os.rmdir(f)
    write(f, before['fuse_rating'])
    result(snapshot(battery) == before, 'set: a file that cannot be written: nothing changed')


def test_devices(binary, tmp):
    root, batteries = make_tree(())
    b = Bmsctl(binary, root)
    rc, _, err = b.run('status')
    expect('no BMS: status', rc, 1, 'no BMS' in err and 'class/power_supply' in err, repr(err))
    rc, _, err = b.run('get', 'fuse', root=False, env={'BMSCTL_SYSFS_ROOT': os.path.join(tmp, 'nowhere')})
    expect('BMSCTL_SYSFS_ROOT without sysfs there', rc, 1, 'nowhere' in err, repr(err))
    shutil.rmtree(root)

    root, batteries = make_tree(('bms', 'bms2'))
    b = Bmsctl(binary, root)
    write(os.path.join(batteries['bms2'], 'fuse_rating'), '60A')
    refused(b, batteries['bms'], 'two BMSes without --device', ['set', 'fuse', '80A'], 2,
            ['2 BMSes', 'bms, bms2', '--device'])
    rc, out, _ = b.run('--device', 'bms2', 'get', 'fuse')
    expect('--device bms2 (before the command)', rc, 0, out == '60A\n', repr(out))
    rc, out, _ = b.run('set', '--device', 'bms2-battery', 'fuse', '80A')
    expect('--device by its supply name (after the command)', rc, 0,
           read(os.path.join(batteries['bms2'], 'fuse_rating')) == '80A' and
           read(os.path.join(batteries['bms'], 'fuse_rating')) == 'not-set', repr(out))
    refused(b, batteries['bms'], '--device that is not there', ['--device', 'bms3', 'set', 'fuse', '80A'],
            1, ["no BMS named 'bms3'", 'bms, bms2'])
    refused(b, batteries['bms'], '--device of another driver\'s battery',
            ['--device', 'other', 'off'], 1, ["no BMS named 'other'"])
    rc, out, _ = b.run('status', '--json', root=False, env={'BMSCTL_SYSFS_ROOT': root,
                                                           'PATH': os.environ['PATH']})
    expect('BMSCTL_SYSFS_ROOT with two BMSes and no --device', rc, 2)
    rc, out, _ = b.run('--device', 'bms2', 'status', '--json', root=False,
                       env={'BMSCTL_SYSFS_ROOT': root})
    expect('BMSCTL_SYSFS_ROOT and --device', rc, 0, json.loads(out or '{}').get('device') == 'bms2',
           repr(out))
    shutil.rmtree(root)


def run_bytes(b, *args, stdout=subprocess.PIPE, umask=None, user=None, timeout=20):
    """bmsctl with its standard output as bytes (or to @stdout)."""
    def pre():
        if umask is not None:
            os.umask(umask)
        if user is not None:
            os.setgid(user)
            os.setuid(user)
    p = subprocess.run([b.binary, '--sysfs-root', b.root] + list(args), stdout=stdout,
                       stderr=subprocess.PIPE, preexec_fn=pre, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def test_unset_fuse(b, battery, tmp):
    """save then load on a device whose fuse was never set (the boot restore)."""
    for f, v in (('fuse_rating', 'not-set'), ('prealarm_usage', 'use'),
                 ('prealarm_output', 'continuous'), ('charge_limit', '14200000'),
                 ('remote_function', 'alternator-and-system'), ('soft_switch', 'on')):
        write(os.path.join(battery, f), v)
    path = os.path.join(tmp, 'unset.conf')
    rc, _, err = b.run('save', path)
    expect('reset, save: fuse = not-set saved', rc, 0, 'fuse = not-set\n' in open(path).read(), err)
    fuse = os.path.join(battery, 'fuse_rating')
    before, mtime = snapshot(battery), os.stat(fuse).st_mtime_ns
    time.sleep(0.01)
    rc, out, err = b.run('load', path)
    expect('reset, save, load exits 0 and changes nothing', rc, 0, snapshot(battery) == before,
           f'{snapshot(battery)} != {before} {err}')
    result(os.stat(fuse).st_mtime_ns == mtime, 'load: fuse = not-set writes nothing to fuse_rating')
    result('fuse = not-set' in out, 'load: an unset fuse is shown unset', repr(out))
    write(fuse, '80A')
    refused(b, battery, 'load: fuse = not-set while the fuse is set', ['load', path], 2,
            [f'{path}:4:', 'fuse = not-set', '80A', 'reset', 'nothing was written'])
    write(fuse, 'not-set')


def make_accessible(path, top):
    """Let an unprivileged user into @path (and its parents up to @top)."""
    for d, dirs, files in os.walk(path):
        os.chmod(d, 0o777)
        for f in files:
            if not os.path.islink(os.path.join(d, f)):
                os.chmod(os.path.join(d, f), 0o666)
    p = path
    while p != top and p != '/':
        os.chmod(p, 0o777)
        p = os.path.dirname(p)


def test_rollback(b, battery, tmp):
    """A write refused part-way: the settings written before it go back."""
    nobody = 65534 if os.geteuid() == 0 else None
    make_accessible(b.root, '/tmp')
    make_accessible(tmp, '/tmp')
    path = os.path.join(tmp, 'rollback.conf')
    with open(path, 'w') as f:
        f.write('bmsctl-settings 1\nfuse = 60A\nprealarm-usage = not-available\n'
                'prealarm-output = intermittent\ncharge-limit = 14.4V\n'
                'remote-function = everything\nsoft-switch = off\n')
    os.chmod(path, 0o644)
    for fuse in ('100A', 'not-set'):
        write(os.path.join(battery, 'fuse_rating'), fuse)
        write(os.path.join(battery, 'reset'), '')
        make_accessible(battery, '/tmp')
        before = snapshot(battery)
        # remote_function, the fifth of six, cannot be written (but read).
        os.chmod(os.path.join(battery, 'remote_function'), 0o444)
        rc, out, err = run_bytes(b, 'load', path, user=nobody)
        os.chmod(os.path.join(battery, 'remote_function'), 0o666)
        after = snapshot(battery)
        if fuse == 'not-set':
            # A fake tree cannot reset: the rollback asked the driver to.
            result(read(os.path.join(battery, 'reset')) == '1',
                   'load failing part-way, fuse not set: rolled back with a reset')
            after['fuse_rating'] = 'not-set' if after['fuse_rating'] == '60A' else '?'
        expect(f'load failing part-way (fuse {fuse}): exits 1', rc, 1)
        result(after == before, f'load failing part-way (fuse {fuse}): every setting put back',
               f'{before} -> {after}')
        result('remote-function' in err and 'put back' in err,
               f'load failing part-way (fuse {fuse}): says what happened', repr(err))
    write(os.path.join(battery, 'fuse_rating'), 'not-set')


def test_install(b, tmp):
    """make install, and the boot-time restore's unit run by hand."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dest = os.path.join(tmp, 'dest')
    p = subprocess.run(['make', '-s', '-C', os.path.join(top, 'tools/bmsctl'),
                        f'O={os.path.dirname(b.binary)}', f'DESTDIR={dest}', 'PREFIX=/usr',
                        'install'], capture_output=True, text=True)
    result(p.returncode == 0, 'make install DESTDIR PREFIX=/usr', p.stderr)
    files = {
        'usr/sbin/bmsctl': None, 'usr/share/man/man8/bmsctl.8': None,
        'usr/share/bash-completion/completions/bmsctl': None,
        'usr/lib/systemd/system/bmsctl-restore@.service': None,
        'usr/lib/udev/rules.d/90-bmsctl-restore.rules': None,
    }
    for f in files:
        result(os.path.isfile(os.path.join(dest, f)), f'make install: /{f}')
    unit = open(os.path.join(dest, 'usr/lib/systemd/system/bmsctl-restore@.service')).read()
    rule = open(os.path.join(dest, 'usr/lib/udev/rules.d/90-bmsctl-restore.rules')).read()
    result('@' not in unit.replace('restore@', ''), 'make install: the unit has no placeholder left',
           repr(unit))
    result('@' not in rule.replace('restore@', ''), 'make install: the rule has no placeholder left',
           repr(rule))
    result('SYSTEMD_WANTS}+="bmsctl-restore@%b.service"' in rule and 'DRIVERS=="smartbms"' in rule,
           'make install: the rule starts the unit for the BMS', repr(rule))
    execs = [l.split('=', 1)[1] for l in unit.splitlines() if l.startswith('ExecStart=')]
    result(len(execs) == 1 and execs[0].startswith('/usr/sbin/bmsctl ') and
           '/etc/bmsctl/%i.conf' in execs[0], 'make install: ExecStart runs the installed bmsctl',
           repr(execs))
    if len(execs) != 1:
        return
    # Run it as systemd would for "bms", on a fake tree and a config dir of ours.
    root, batteries = make_tree()
    etc = os.path.join(tmp, 'etc-bmsctl')
    os.makedirs(etc, exist_ok=True)
    argv = [a.replace('%i', 'bms').replace('/etc/bmsctl', etc) for a in execs[0].split()]
    argv = [dest + argv[0], '--sysfs-root', root] + argv[1:]
    before = snapshot(batteries['bms'])
    p = subprocess.run(argv, capture_output=True, text=True)
    result(p.returncode == 0 and snapshot(batteries['bms']) == before and not p.stderr,
           'the unit\'s ExecStart without a settings file: exit 0, nothing done',
           f'{p.returncode} {p.stderr!r}')
    with open(os.path.join(etc, 'bms.conf'), 'w') as f:
        f.write('bmsctl-settings 1\nfuse = 2x20A\ncharge-limit = 14.5V\n')
    p = subprocess.run(argv, capture_output=True, text=True)
    result(p.returncode == 0 and read(os.path.join(batteries['bms'], 'fuse_rating')) == '2x20A' and
           read(os.path.join(batteries['bms'], 'charge_limit')) == '14500000',
           'the unit\'s ExecStart loads the settings file', f'{p.returncode} {p.stderr!r}')
    shutil.rmtree(root)


def test_output_errors(b, battery, tmp):
    with open('/dev/full', 'wb') as full:
        for args in (['list'], ['list', '--json'], ['status'], ['status', '--json'],
                     ['save', '-'], ['get', 'fuse'], ['explain'], ['--help'], ['list', '--help']):
            try:
                rc, _, err = run_bytes(b, *args, stdout=full, timeout=10)
            except subprocess.TimeoutExpired:
                rc, err = 'timeout', ''
            expect(f'{" ".join(args)} >/dev/full', rc, 1, 'standard output' in err, repr(err))
        for args in (['monitor', '--json'], ['monitor']):
            try:
                rc, _, err = run_bytes(b, *args, stdout=full, timeout=5)
            except subprocess.TimeoutExpired:
                rc, err = 'still running after 5 s', ''
            expect(f'{" ".join(args)} >/dev/full stops', rc, 1, 'standard output' in err, repr(err))


def test_values(b, battery, tmp):
    # Rounded once, to the hundredths shown.
    for uv, shown in (('13204500', '13.20 V'), ('13205000', '13.21 V'), ('13194999', '13.19 V')):
        write(os.path.join(battery, 'voltage_now'), uv)
        rc, out, _ = b.run('status')
        result(f'Battery            {shown}' in out, f'status: {uv} uV is {shown}', repr(out))
    write(os.path.join(battery, 'voltage_now'), BATTERY['voltage_now'])

    # Values too long for bmsctl are an error, not cut short.
    write(os.path.join(battery, 'fuse_rating'), '2x' + '7' * 200 + 'A')
    rc, out, err = b.run('status')
    expect('status: a fuse value longer than any is refused', rc, 1,
           'fuse_rating' in err and out == '', repr(err))
    write(os.path.join(battery, 'fuse_rating'), 'not-set')
    write(os.path.join(battery, 'system_status'), 'o' + 'n' * 100)
    rc, out, err = b.run('status')
    expect('status: a System+ state longer than any is refused', rc, 1, 'system_status' in err,
           repr(err))
    write(os.path.join(battery, 'system_status'), 'on')
    long_code = 'X-Y' + '9' * 40
    write(os.path.join(battery, 'codes'), f'E-B31 {long_code}')
    rc, out, _ = b.run('status', '--json')
    codes = json.loads(out)['codes'] if rc == 0 else []
    result([c['code'] for c in codes] == ['E-B31', long_code], 'status --json: a long code name whole',
           repr(codes))
    # Bytes that are not UTF-8 still make valid JSON.
    write(os.path.join(battery, 'codes'), b'E-B31 \xff\xfeZ\n')
    rc, out, _ = run_bytes(b, 'status', '--json')
    try:
        codes = json.loads(out.decode('utf-8'))['codes']
        result(rc == 0 and codes[1]['code'] == '\ufffd\ufffdZ', 'status --json: non-UTF-8 escaped',
               repr(codes))
    except ValueError as e:
        result(False, 'status --json: non-UTF-8 escaped', f'{e}: {out!r}')
    write(os.path.join(battery, 'codes'), '')

    # list prints whole or not at all.
    f = os.path.join(battery, 'soft_switch')
    os.unlink(f)
    os.mkdir(f)
    rc, out, err = b.run('list')
    expect('list: the last setting unreadable: nothing printed', rc, 1,
           out == '' and 'soft_switch' in err, repr(out))
    os.rmdir(f)
    write(f, 'on')

    rc, _, err = b.run('--sysfs-root', '', 'status', root=False)
    expect('--sysfs-root \'\' is refused', rc, 2, 'sysfs-root' in err, repr(err))
    rc, _, err = b.run('status', '--sysfs-root', '', root=False)
    expect('status --sysfs-root \'\' is refused', rc, 2, 'sysfs-root' in err, repr(err))
    rc, out, _ = b.run('list', '--help')
    result('--json' in out, 'list --help names --json (the completion reads it)', repr(out))
    write(os.path.join(battery, 'reset'), '')
    rc, out, _ = b.run('reset', '--help')
    expect('reset --help: only the help', rc, 0, out.startswith('Usage:') and 'fuse =' not in out and
           read(os.path.join(battery, 'reset')) == '', repr(out))

    # save: the umask, and a symbolic link stays one.
    for mask, mode in ((0o077, 0o600), (0o022, 0o644), (0o002, 0o664)):
        path = os.path.join(tmp, f'umask{mask:o}.conf')
        rc, _, err = run_bytes(b, 'save', path, umask=mask)
        got = os.stat(path).st_mode & 0o777 if rc == 0 else None
        result(got == mode, f'save with umask {mask:03o}: mode {mode:o}', f'{got} {err}')
    target = os.path.join(tmp, 'real.conf')
    link = os.path.join(tmp, 'link.conf')
    write(target, 'old')
    os.symlink('real.conf', link)
    rc, _, err = b.run('save', link)
    expect('save through a symbolic link', rc, 0, os.path.islink(link) and
           'bmsctl-settings 1' in read(target), err)


def test_many_devices(binary):
    root, _ = make_tree(tuple(f'bms{i:02}' for i in range(17)))
    b = Bmsctl(binary, root)
    rc, _, err = b.run('--device', 'bms00', 'status')
    expect('17 BMSes: an error, not a device ignored', rc, 1, 'more than 16' in err, repr(err))
    shutil.rmtree(root)
    root, _ = make_tree(tuple(f'bms{i:02}' for i in range(16)))
    b = Bmsctl(binary, root)
    rc, out, err = b.run('--device', 'bms15', 'get', 'fuse')
    expect('16 BMSes: each can be used', rc, 0, out == 'not-set\n', repr(err))
    shutil.rmtree(root)


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: host-test.py BMSCTL')
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix='bmsctl-test-')
    try:
        root, batteries = make_tree()
        b = Bmsctl(binary, root)
        battery = batteries['bms']
        test_help(b)
        test_status(b, battery)
        test_settings(b, battery)
        test_save_load(b, battery, tmp)
        test_explain(b)
        test_monitor(b, battery)
        test_bad_input(b, battery, tmp)
        test_unset_fuse(b, battery, tmp)
        test_values(b, battery, tmp)
        test_output_errors(b, battery, tmp)
        test_rollback(b, battery, tmp)
        shutil.rmtree(root)
        test_devices(binary, tmp)
        test_many_devices(binary)
        test_install(b, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
