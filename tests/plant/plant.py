# SPDX-License-Identifier: GPL-2.0
"""A van or boat around the simulated BMS: the plant model.

Runs inside the UML guest.  It reads the BMS's gate outputs from the board,
computes what flows where, and writes back what the BMS measures: the
simulated ADC's channels (in engineering units) and the battery's signal
lines on gpio-sim.  What the BMS switches off stops the current here.

The parts:
- a 12.8 V LiFePO4 bank (4 cells in series): state of charge, an
  open-circuit-voltage curve, an ohmic resistance and a polarisation RC,
  and the signal lines of a Lithium Battery Smart: pre-alarm below 3.1 V a
  cell, discharge not allowed below 2.8 V (until 3.2 V), charge not allowed
  above 3.75 V (until 3.5 V) or below 5 C;
- an alternator with its regulator (14.4 V) behind the engine's on/off, and
  a starter battery that it charges, with loads of its own on the starter
  side (.starter_load_a); with the engine off and the port conducting, the
  bank feeds them and the starter battery when it is above them: the
  current through the port then flows back out of the bank (i_alt < 0),
  as much as the resistances let it;
- the alternator voltage channel reading high by .alt_reading_offset_v
  (a divider mismatch);
- the BMS's alternator current limiter, which holds the current at the
  set-point the driver programs (the fuse table), unless a scenario says it
  does not (.limiter_works: the alternator then gives all it can);
- DC loads and a charger on System+, and the System+ short-circuit
  comparator, which sees a short only while the discharge FET conducts;
- the BMS's own temperature, rising with the current it carries.

Time is the guest's monotonic clock: under UML's time-travel mode the
model's sleeps skip ahead, so long scenarios take little wall time while
the driver's own timers run as they would.
"""

import glob
import os
import time

STEP = 0.1  # seconds of simulated time per model step

# Open-circuit voltage of one LiFePO4 cell against state of charge.
OCV = [(0.00, 2.50), (0.02, 2.90), (0.05, 3.05), (0.10, 3.20), (0.20, 3.25),
       (0.40, 3.29), (0.70, 3.32), (0.90, 3.34), (0.95, 3.36), (0.98, 3.42),
       (0.99, 3.48), (1.00, 3.60)]


def interp(table, x):
    if x <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return table[-1][1]


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def dt_cells(path):
    with open(path, 'rb') as f:
        b = f.read()
    return [int.from_bytes(b[i:i + 4], 'big') for i in range(0, len(b), 4)]


class Board:
    """The simulated board's I/O, found by name as tests/lib/board.sh does."""

    COMPATIBLE = b'victron,smart-bms-12-200'

    def __init__(self):
        self.node = None
        for c in glob.glob('/proc/device-tree/*/compatible'):
            if self.COMPATIBLE in open(c, 'rb').read().split(b'\0'):
                self.node = os.path.dirname(c)
        if not self.node:
            raise RuntimeError('no BMS node in the devicetree')
        phandles = {}
        for p in glob.glob('/proc/device-tree/**/phandle', recursive=True):
            phandles[dt_cells(p)[0]] = os.path.dirname(p)
        self.lines = {}
        for prop in glob.glob(self.node + '/*-gpios'):
            name = os.path.basename(prop)[:-len('-gpios')]
            ph, offset, flags = dt_cells(prop)
            # The controller is the node itself (sim-gate) or a gpio-sim bank.
            bank = phandles[ph]
            d = []
            for dev in (os.path.basename(bank), os.path.basename(os.path.dirname(bank))):
                d += glob.glob('/sys/devices/platform/%s/sim_gpio%d' % (dev, offset))
                d += glob.glob('/sys/devices/platform/%s/gpiochip*/sim_gpio%d' % (dev, offset))
            self.lines[name] = (d[0], flags & 1)
        self.adc = {}
        for dev in glob.glob('/sys/bus/iio/devices/iio:device*'):
            if read(dev + '/name') != 'smartbms-sim-adc':
                continue
            for label in glob.glob(dev + '/*_label'):
                self.adc[read(label)] = label[:-len('_label')]
        self.pulls = {}
        self.changed = {}

    def gate(self, name):
        d, low = self.lines[name]
        return int(read(d + '/value')) ^ low

    def set_line(self, name, value):
        """Drive an input line to a logical level (an edge when it changes)."""
        if self.pulls.get(name) == value:
            return
        d, low = self.lines[name]
        self.changed[name] = time.monotonic()
        write(d + '/pull', 'pull-up' if value ^ low else 'pull-down')
        self.pulls[name] = value

    def set_adc(self, label, micro):
        write(self.adc[label] + '_raw', int(round(micro)))

    def limit_ua(self):
        return int(read(self.adc['alternator-limit'] + '_raw'))


class Plant:
    """The whole installation; step() advances it by the time since the last step."""

    def __init__(self, board, soc=0.6, capacity_ah=200.0):
        self.b = board
        self.capacity_as = capacity_ah * 3600
        self.soc = soc
        self.r0 = 0.0025            # pack ohmic resistance
        self.r1 = 0.0025            # pack polarisation resistance
        self.tau = 30.0             # and its time constant
        self.v_rc = 0.0
        # What the battery's cell monitor sees: filtered, so that a sag of
        # a fraction of a second (a short the BMS cuts) raises nothing.
        self.cell_seen = self.cell_v(0)
        self.battery_temp = 25.0
        # Alternator, starter battery, engine.
        self.engine = False
        self.regulator_v = 14.4
        self.starter_v = 12.6       # starter battery, at rest
        self.starter_r = 0.01       # its internal resistance
        self.starter_load_a = 0.0   # loads on the starter side
        self.alt_reading_offset_v = 0.0
        self.alt_node_v = self.starter_v
        self.limiter_works = True
        # System+ side.
        self.load_a = 0.0           # loads the load-disconnect output switches
        self.direct_load_a = 0.0    # loads wired to System+ only
        self.charger_a = 0.0        # a charger on System+
        self.short = False
        # BMS temperature (.self_heating: with the current it carries).
        self.ambient = 25.0
        self.self_heating = True
        self.bms_temp = 25.0
        # Lines of the Lithium Battery Smart.
        self.prealarm = False
        self.discharge_ok = True
        self.charge_ok = True
        # What flowed in the last step (A, positive into the battery).
        self.i_alt = 0.0
        self.i_sys = 0.0
        self.t = time.monotonic()
        self.publish()

    # -- the battery ------------------------------------------------------
    def cell_ocv(self):
        return interp(OCV, self.soc)

    def pack_v(self, i):
        return 4 * self.cell_ocv() + i * self.r0 + self.v_rc

    def cell_v(self, i):
        return self.pack_v(i) / 4

    def battery_lines(self, cell):
        if cell < 3.10:
            self.prealarm = True
        elif cell > 3.20:
            self.prealarm = False
        if cell < 2.80:
            self.discharge_ok = False
        elif cell > 3.20:
            self.discharge_ok = True
        if cell > 3.75 or self.battery_temp < 5:
            self.charge_ok = False
        elif cell < 3.50 and self.battery_temp >= 6:
            self.charge_ok = True

    # -- one step ------------------------------------------------------------
    def currents(self):
        g = self.b.gate
        v_batt = self.pack_v(0)
        r_port = self.r0 + self.r1 + 0.005
        alt_v = self.alternator_v()
        i_alt = 0.0
        if g('alternator-enable') and not self.engine:
            # The starter side node between its battery, its loads and the
            # bank: current flows either way, back out of the bank when the
            # node is below it; the limiter limits the charge direction only.
            node = ((self.starter_v / self.starter_r + v_batt / r_port - self.starter_load_a) /
                    (1 / self.starter_r + 1 / r_port))
            i_alt = (node - v_batt) / r_port
            if i_alt > 0 and self.limiter_works:
                i_alt = min(self.b.limit_ua() / 1e6, i_alt)
            alt_v = node
        elif g('alternator-enable') and alt_v > v_batt:
            # The limiter holds the set-point while the regulator can give it.
            headroom = (alt_v - v_batt) / r_port
            i_alt = min(self.b.limit_ua() / 1e6, headroom) if self.limiter_works else headroom
        self.alt_node_v = alt_v
        loads = self.direct_load_a + (self.load_a if g('load-disconnect') else 0)
        i_sys = 0.0
        if self.short and g('system-discharge-enable'):
            i_sys = -600.0
        elif self.charger_a > loads and g('system-charge-enable'):
            i_sys = self.charger_a - loads
        elif loads > self.charger_a and g('system-discharge-enable'):
            i_sys = self.charger_a - loads
        return i_alt, i_sys

    def alternator_v(self):
        if self.engine:
            return self.regulator_v
        return self.starter_v - self.starter_load_a * self.starter_r

    def step(self):
        now = time.monotonic()
        dt = max(0.0, now - self.t)
        self.t = now
        self.i_alt, self.i_sys = self.currents()
        i = self.i_alt + self.i_sys
        self.soc = min(1.0, max(0.0, self.soc + i * dt / self.capacity_as))
        k = 1 - pow(2.718281828, -dt / self.tau) if dt else 0
        self.v_rc += (i * self.r1 - self.v_rc) * k
        # The BMS heats with the square of the current it carries.
        heat = (0.004 * self.i_alt ** 2 + 0.002 * self.i_sys ** 2) if self.self_heating else 0
        self.bms_temp += (self.ambient + heat - self.bms_temp) * (1 - pow(2.718281828, -dt / 20))
        if self.engine:
            self.starter_v = min(13.8, self.starter_v + 0.01 * dt)
        self.cell_seen += (self.cell_v(i) - self.cell_seen) * (1 - pow(2.718281828, -dt / 2.0))
        self.battery_lines(self.cell_seen)
        self.publish()

    def publish(self):
        i = self.i_alt + self.i_sys
        v = self.pack_v(i)
        b = self.b
        b.set_adc('battery', v * 1e6)
        b.set_adc('alternator', (self.alt_node_v + self.alt_reading_offset_v) * 1e6)
        sys_on = b.gate('system-charge-enable') or b.gate('system-discharge-enable')
        b.set_adc('system', (v if sys_on else 0.0) * 1e6)
        b.set_adc('alternator-current', self.i_alt * 1e6)
        b.set_adc('system-current', self.i_sys * 1e6)
        b.set_adc('temperature', self.bms_temp * 1e3)
        b.set_adc('reference', 2.5e6)
        b.set_line('charge-allowed', int(self.charge_ok))
        b.set_line('discharge-allowed', int(self.discharge_ok))
        b.set_line('battery-prealarm', int(self.prealarm))
        b.set_line('short-circuit', int(self.short and bool(b.gate('system-discharge-enable'))))

    def run(self, seconds, until=None):
        """Step for up to SECONDS of simulated time, or until UNTIL() is true.
        Returns the simulated time it took, or None if UNTIL never held."""
        start = time.monotonic()
        while True:
            self.step()
            if until and until():
                return time.monotonic() - start
            if time.monotonic() - start >= seconds:
                return None if until else time.monotonic() - start
            time.sleep(STEP)


class Below:
    """A run() condition: DONE() holds.  Meanwhile it notes since when the
    battery has been at or below LEVEL volts without a break (.since, the
    start of the lock-out release's 10 s)."""

    def __init__(self, plant, level, done):
        self.plant, self.level, self.done, self.since = plant, level, done, None

    def __call__(self):
        if self.done():
            return True
        p = self.plant
        if p.pack_v(p.i_alt + p.i_sys) > self.level:
            self.since = None
        elif self.since is None:
            self.since = time.monotonic()
        return False
