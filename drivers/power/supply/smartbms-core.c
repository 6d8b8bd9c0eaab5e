// SPDX-License-Identifier: GPL-2.0
/*
 * Driver for a Smart BMS 12-200 class battery management system: a 12 V
 * lithium (LiFePO4) bank with an alternator/starter battery input port, a
 * bidirectional System+ port, load/charge disconnect and pre-alarm outputs
 * and a remote on/off input, wired to IIO ADC channels and GPIO lines.
 *
 * The protection rules live in smartbms-engine.c.  This file is the glue:
 *
 * - Trip fast: an edge that takes something away interrupts; the handler
 *   asks the engine's fast path what must drop and writes those gates
 *   itself.  It runs in hard interrupt context under a raw spinlock when
 *   the gate GPIOs can be driven from atomic context, threaded when they
 *   sleep (an I2C expander, or gpio-sim on the test bench).
 * - Restore slow: a sampled loop reads every channel and line, lets the
 *   engine evaluate the whole state and writes every gate.  It runs when
 *   the engine asks (the next deadline of a delay, or the sampling period)
 *   and so re-reads the lines periodically, catching a lost edge.
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/devm-helpers.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/hrtimer.h>
#include <linux/hwmon.h>
#include <linux/iio/consumer.h>
#include <linux/iio/types.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/leds.h>
#include <linux/math64.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nvmem-consumer.h>
#include <linux/panic.h>
#include <linux/platform_device.h>
#include <linux/power/smartbms-engine.h>
#include <linux/power_supply.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

/* Interrupt storms: more edges than this in one second disable the line. */
#define SMARTBMS_STORM_EDGES	200
#define SMARTBMS_STORM_PAUSE_MS	1000

static const char * const smartbms_output_names[SMARTBMS_NUM_OUTPUTS] = {
	[SMARTBMS_OUT_ALTERNATOR]	 = "alternator-enable",
	[SMARTBMS_OUT_SYSTEM_CHARGE]	 = "system-charge-enable",
	[SMARTBMS_OUT_SYSTEM_DISCHARGE]	 = "system-discharge-enable",
	[SMARTBMS_OUT_LOAD_DISCONNECT]	 = "load-disconnect",
	[SMARTBMS_OUT_CHARGE_DISCONNECT] = "charge-disconnect",
	[SMARTBMS_OUT_PREALARM]		 = "prealarm",
};

/* The LED triggers of manual Appendix C, named "<device>-<name>". */
enum smartbms_led {
	SMARTBMS_LED_ALTERNATOR,
	SMARTBMS_LED_OVERTEMP,
	SMARTBMS_LED_ACTIVE,
	SMARTBMS_LED_HEARTBEAT,
	SMARTBMS_LED_CHARGE_DISCONNECT,
	SMARTBMS_LED_LOAD_DISCONNECT,
	SMARTBMS_LED_SYSTEM_CHARGE,
	SMARTBMS_NUM_LEDS,
};

static const char * const smartbms_led_names[SMARTBMS_NUM_LEDS] = {
	[SMARTBMS_LED_ALTERNATOR]	 = "alternator-charging",
	[SMARTBMS_LED_OVERTEMP]		 = "overtemperature",
	[SMARTBMS_LED_ACTIVE]		 = "active",
	[SMARTBMS_LED_HEARTBEAT]	 = "heartbeat",
	[SMARTBMS_LED_CHARGE_DISCONNECT] = "charge-disconnect",
	[SMARTBMS_LED_LOAD_DISCONNECT]	 = "load-disconnect",
	[SMARTBMS_LED_SYSTEM_CHARGE]	 = "system-charging",
};

/* The heartbeat LED toggles on an evaluation at most this often. */
#define SMARTBMS_HEARTBEAT_MS	500

/**
 * struct smartbms_line_desc - an input line
 * @name: its name in the devicetree (<name>-gpios)
 * @take_level: the logical level that takes something away, or -1 when no
 *	level does (the line is then only sampled)
 * @optional: boards may leave it unwired
 */
struct smartbms_line_desc {
	const char *name;
	int take_level;
	bool optional;
};

static const struct smartbms_line_desc smartbms_lines[SMARTBMS_NUM_INPUTS] = {
	[SMARTBMS_IN_CHARGE_ALLOWED]	= { "charge-allowed", 0, false },
	[SMARTBMS_IN_DISCHARGE_ALLOWED]	= { "discharge-allowed", 0, false },
	/* Not a trip by itself, but its time decides the 30 s rule. */
	[SMARTBMS_IN_BATTERY_PREALARM]	= { "battery-prealarm", 1, true },
	[SMARTBMS_IN_REMOTE]		= { "remote", 0, false },
	[SMARTBMS_IN_SHORT_CIRCUIT]	= { "short-circuit", 1, false },
};

/**
 * struct smartbms_chan_desc - an analog channel
 * @name: its name in io-channel-names
 * @type: the IIO channel type it must have
 * @scale: factor from IIO units (mV, mA, m degC) to the engine's
 * @optional: boards may leave it unwired
 */
struct smartbms_chan_desc {
	const char *name;
	enum iio_chan_type type;
	int scale;
	bool optional;
};

static const struct smartbms_chan_desc smartbms_chans[SMARTBMS_NUM_MEAS] = {
	[SMARTBMS_MEAS_BATTERY_UV]	= { "battery", IIO_VOLTAGE, 1000, false },
	[SMARTBMS_MEAS_ALTERNATOR_UV]	= { "alternator", IIO_VOLTAGE, 1000, false },
	[SMARTBMS_MEAS_SYSTEM_UV]	= { "system", IIO_VOLTAGE, 1000, false },
	[SMARTBMS_MEAS_ALTERNATOR_UA]	= { "alternator-current", IIO_CURRENT, 1000, false },
	[SMARTBMS_MEAS_SYSTEM_UA]	= { "system-current", IIO_CURRENT, 1000, true },
	[SMARTBMS_MEAS_TEMP_MC]		= { "temperature", IIO_TEMP, 1, false },
	[SMARTBMS_MEAS_REFERENCE_UV]	= { "reference", IIO_VOLTAGE, 1000, true },
};

struct smartbms;

/**
 * struct smartbms_irq - one input line's interrupt
 * @bms: the BMS
 * @line: the line, enum smartbms_input
 * @armed: what an edge of the line drops, decided ahead (smartbms_arm());
 *	under &smartbms.lock
 * @irq: its interrupt number
 * @window: start of the current storm accounting window (jiffies)
 * @edges: edges in the current window
 * @disabled: the line is disabled for a storm
 * @disabled_at: when it was (jiffies)
 * @storms: storms seen on the line
 * @reported: storms reported in the kernel log
 * @total: edges seen on the line
 */
struct smartbms_irq {
	struct smartbms *bms;
	unsigned int line;
	u32 armed;
	int irq;
	unsigned long window;
	unsigned int edges;
	bool disabled;
	unsigned long disabled_at;
	unsigned int storms;
	unsigned int reported;
	u64 total;
};

/**
 * struct smartbms - one bound BMS
 * @lock: protects @st, @set, @sample, @pending_edges and each line's
 *	&smartbms_irq.armed; taken by the hard interrupt handler
 * @gates_can_sleep: the gate GPIOs sleep; the trip path runs threaded
 * @out: output lines, indexed by enum smartbms_output
 * @dev: the platform device
 * @in: input lines, indexed by enum smartbms_input (NULL: not wired)
 * @chan: analog channels, indexed by enum smartbms_meas (NULL: not wired)
 * @limit_chan: the alternator current limiter's set-point (optional)
 * @irqs: per input line interrupt state
 * @gate_lock: serialises gate writes when they sleep
 * @sample_lock: serialises sampling, settings changes and teardown
 * @st: the engine's state
 * @set: the settings in force
 * @defaults: the factory defaults (with the board's preset fuse rating)
 * @settings_cell_size: the size of the settings cell (journal slot A), 0
 *	when there is none to write
 * @settings_b_size: the size of the settings-b cell (slot B), 0 when the
 *	board has only the one slot
 * @settings_slot: the slot whose settings are in force (0 A, 1 B), or -1
 *	when neither holds valid settings
 * @settings_seq: the sequence number of that slot
 * @stored: the settings the slot in force holds
 * @save_bytes: bytes the last save wrote (0 when nothing changed)
 * @save_bytes_total: bytes all saves since probe wrote
 * @sample: the last complete sample
 * @pending_edges: lines that tripped since the last sample
 * @calibration_bad: calibration data declared but bad (E-B30)
 * @settings_bad: stored settings missing or corrupt (E-B31)
 * @stopped: the loop must not run: until the end of probe, and again from
 *	unbind or shutdown on
 * @paused: the loop is paused from debugfs (tests only)
 * @skip_ms: how far debugfs moved the driver's clock ahead (tests only)
 * @work: the sampled loop
 * @timer: queues @work when the engine next needs a sample
 * @loops: evaluations by the loop
 * @trips: outputs dropped by the interrupt path
 * @trips_late: trips that dropped more than was armed (a delay had ended)
 * @reported: the state last reported to userspace
 * @leds: the LED triggers, indexed by enum smartbms_led
 * @led_state: the LED triggers' last state, BIT(enum smartbms_led)
 * @heartbeat_ms: when the heartbeat LED last toggled
 * @battery_desc: the Battery power supply's description
 * @mains_desc: the alternator input's description
 * @battery: the Battery power supply
 * @mains: the alternator input's power supply
 * @battery_info: from monitored-battery, or NULL
 * @debugfs: the debugfs directory
 */
struct smartbms {
	/*
	 * All the hard interrupt handler reads before its gate write, beside
	 * its line's &smartbms_irq: a trip comes after quiet, on cold caches.
	 */
	raw_spinlock_t lock;
	bool gates_can_sleep;
	struct gpio_desc *out[SMARTBMS_NUM_OUTPUTS];

	struct device *dev;
	struct gpio_desc *in[SMARTBMS_NUM_INPUTS];
	struct iio_channel *chan[SMARTBMS_NUM_MEAS];
	struct iio_channel *limit_chan;
	struct smartbms_irq irqs[SMARTBMS_NUM_INPUTS];

	struct mutex gate_lock;		/* see above */
	struct mutex sample_lock;	/* see above */
	struct smartbms_state st;
	struct smartbms_settings set;
	struct smartbms_settings defaults;
	size_t settings_cell_size;
	size_t settings_b_size;
	int settings_slot;
	u32 settings_seq;
	struct smartbms_settings stored;
	size_t save_bytes;
	u64 save_bytes_total;
	struct smartbms_inputs sample;
	u32 pending_edges;
	bool calibration_bad;
	bool settings_bad;
	bool stopped;
	bool paused;
	atomic64_t skip_ms;

	struct work_struct work;
	struct hrtimer timer;
	u64 loops;
	u64 trips;
	u64 trips_late;
	struct smartbms_state reported;
	struct led_trigger leds[SMARTBMS_NUM_LEDS];
	u32 led_state;
	u64 heartbeat_ms;

	struct power_supply_desc battery_desc;
	struct power_supply_desc mains_desc;
	struct power_supply *battery;
	struct power_supply *mains;
	struct power_supply_battery_info *battery_info;
	struct dentry *debugfs;
};

/* The driver's clock: monotonic, in ms, plus what debugfs skipped. */
static u64 smartbms_now_ms(struct smartbms *bms)
{
	return ktime_to_ms(ktime_get()) + atomic64_read(&bms->skip_ms);
}

/* ---- gates ------------------------------------------------------------ */

static void smartbms_outputs_bitmap(u32 outputs, unsigned long *values)
{
	bitmap_from_arr32(values, &outputs, SMARTBMS_NUM_OUTPUTS);
}

/* Atomic context, gates that do not sleep, under @lock. */
static int smartbms_write_gates_atomic(struct smartbms *bms, u32 outputs)
{
	DECLARE_BITMAP(values, SMARTBMS_NUM_OUTPUTS);

	smartbms_outputs_bitmap(outputs, values);
	return gpiod_set_array_value(SMARTBMS_NUM_OUTPUTS, bms->out, NULL, values);
}

/*
 * The trip in hard interrupt context, under @lock: write only the gates
 * that drop.  The others keep the value the last write under @lock gave
 * them, so writing them again changes nothing but costs the trip time.
 */
static int smartbms_drop_gates_atomic(struct smartbms *bms, u32 drop)
{
	struct gpio_desc *descs[SMARTBMS_NUM_OUTPUTS];
	DECLARE_BITMAP(values, SMARTBMS_NUM_OUTPUTS) = { };
	unsigned long bits = drop;
	unsigned int i, n = 0;

	for_each_set_bit(i, &bits, SMARTBMS_NUM_OUTPUTS)
		descs[n++] = bms->out[i];
	return gpiod_set_array_value(n, descs, NULL, values);
}

/* Process context, under @gate_lock when the gates sleep. */
static int smartbms_write_gates(struct smartbms *bms, u32 outputs)
{
	DECLARE_BITMAP(values, SMARTBMS_NUM_OUTPUTS);

	smartbms_outputs_bitmap(outputs, values);
	return gpiod_set_array_value_cansleep(SMARTBMS_NUM_OUTPUTS, bms->out,
					      NULL, values);
}

/* The sampled lines with @line at the level its edge takes; under @lock. */
static u32 smartbms_edge_lines(struct smartbms *bms, unsigned int line)
{
	u32 level = smartbms_lines[line].take_level ? BIT(line) : 0;

	return (bms->sample.lines & ~BIT(line)) | level;
}

/* What an edge of @line at @now drops, by the engine's fast path; under @lock. */
static u32 smartbms_edge_drop(struct smartbms *bms, unsigned int line, u64 now)
{
	struct smartbms_inputs in = {
		.now_ms = now,
		.lines = smartbms_edge_lines(bms, line),
		.lines_bad = bms->sample.lines_bad & ~BIT(line),
		.lines_absent = bms->sample.lines_absent,
	};

	return smartbms_engine_fast_trip(&bms->st, &bms->set, &in);
}

/*
 * Decide ahead what each line's edge drops, so that the hard handler's
 * first act is the gate write; under @lock, after anything it depends on
 * changed (the state, the settings, the sampled lines).  As time passes
 * an edge can only drop more (a pre-alarm lead ends), never less, so what
 * is armed is never more than the engine would drop; the handler decides
 * again after the write and drops the rest.
 */
static void smartbms_arm(struct smartbms *bms)
{
	u64 now = smartbms_now_ms(bms);
	unsigned int line;

	for (line = 0; line < SMARTBMS_NUM_INPUTS; line++)
		bms->irqs[line].armed = smartbms_edge_drop(bms, line, now);
}

/* Every FET off, every output "not allowed": probe, unbind, shutdown. */
static void smartbms_safe_state(void *data)
{
	struct smartbms *bms = data;
	int ret;

	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		smartbms_engine_init(&bms->st);
		smartbms_arm(bms);
	}

	guard(mutex)(&bms->gate_lock);
	ret = smartbms_write_gates(bms, 0);
	if (ret)
		dev_err(bms->dev, "failed to write the safe state: %d\n", ret);
}

/* ---- the trip path ---------------------------------------------------- */

/*
 * The loop runs from a work item that an hrtimer queues at the time the
 * engine asks for, to the microsecond: a jiffies timer would fire up to a
 * tick late, and, for a delay of 64 ticks and more, up to an eighth later
 * still (the timer wheel's granularity), which delays of the rules must
 * not be.  From any context, the hard interrupt handler included.
 */
static void smartbms_evaluate_now(struct smartbms *bms)
{
	hrtimer_try_to_cancel(&bms->timer);
	queue_work(system_wq, &bms->work);
}

static enum hrtimer_restart smartbms_timer_fn(struct hrtimer *timer)
{
	struct smartbms *bms = container_of(timer, struct smartbms, timer);

	queue_work(system_wq, &bms->work);
	return HRTIMER_NORESTART;
}

/* After the gates: what the loop and debugfs need to know; under @lock. */
static void smartbms_trip_account_locked(struct smartbms *bms, unsigned int line,
					 u32 drop)
{
	bms->sample.lines = smartbms_edge_lines(bms, line);
	bms->pending_edges |= BIT(line);
	if (drop)
		bms->trips++;
}

/* Storm accounting; under @lock.  True when the line was just disabled. */
static bool smartbms_storm_locked(struct smartbms_irq *si)
{
	unsigned long now = jiffies;

	si->total++;
	if (time_after(now, si->window + HZ)) {
		si->window = now;
		si->edges = 0;
	}
	if (++si->edges <= SMARTBMS_STORM_EDGES)
		return false;

	si->disabled = true;
	si->disabled_at = now;
	si->storms++;
	return true;
}

/*
 * The trip itself, in hard interrupt context when the gates do not sleep
 * (written under the raw spinlock), else in the handler's thread with
 * @gate_lock held (written after it).
 */
static irqreturn_t smartbms_trip(int irq, struct smartbms_irq *si)
{
	struct smartbms *bms = si->bms;
	u32 drop, late, outputs;
	bool storm;

	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		/*
		 * What was armed first, read beside the lock and the gates:
		 * every change to the outputs re-arms, so it is never more
		 * than they hold.  Then whatever a delay that ended adds.
		 */
		drop = si->armed;
		if (drop && !bms->gates_can_sleep)
			smartbms_drop_gates_atomic(bms, drop);
		bms->st.outputs &= ~drop;
		late = smartbms_edge_drop(bms, si->line, smartbms_now_ms(bms));
		if (late && !bms->gates_can_sleep)
			smartbms_drop_gates_atomic(bms, late);
		bms->st.outputs &= ~late;
		if (late)
			bms->trips_late++;
		drop |= late;
		outputs = bms->st.outputs;

		smartbms_trip_account_locked(bms, si->line, drop);
		smartbms_arm(bms);
		storm = smartbms_storm_locked(si);
	}
	if (drop && bms->gates_can_sleep)
		smartbms_write_gates(bms, outputs);
	if (storm)
		disable_irq_nosync(irq);
	smartbms_evaluate_now(bms);
	return IRQ_HANDLED;
}

static irqreturn_t smartbms_irq_hard(int irq, void *data)
{
	return smartbms_trip(irq, data);
}

static irqreturn_t smartbms_irq_thread(int irq, void *data)
{
	struct smartbms_irq *si = data;

	guard(mutex)(&si->bms->gate_lock);
	return smartbms_trip(irq, si);
}

/*
 * Re-enable lines whose storm pause is over; report each new storm once.
 * True while a line is still paused.  Under @sample_lock.
 */
static bool smartbms_storms(struct smartbms *bms)
{
	bool active = false;
	unsigned int i;

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++) {
		struct smartbms_irq *si = &bms->irqs[i];
		bool disabled, enable = false;
		unsigned int storms;

		/* (no continue in here: scoped_guard is a loop of its own) */
		scoped_guard(raw_spinlock_irqsave, &bms->lock) {
			disabled = si->disabled;
			storms = si->storms;
			if (disabled && time_after(jiffies, si->disabled_at +
				       msecs_to_jiffies(SMARTBMS_STORM_PAUSE_MS))) {
				si->disabled = false;
				si->edges = 0;
				si->window = jiffies;
				enable = true;
			}
		}
		if (storms != si->reported) {
			si->reported = storms;
			dev_warn_ratelimited(bms->dev,
					     "interrupt storm on %s-gpios: line disabled for %u ms (%u storms)\n",
					     smartbms_lines[i].name, SMARTBMS_STORM_PAUSE_MS,
					     storms);
		}
		if (enable)
			enable_irq(si->irq);
		else if (disabled)
			active = true;
	}
	return active;
}

/* ---- the sampled loop ------------------------------------------------- */

static void smartbms_read_sample(struct smartbms *bms, struct smartbms_inputs *in)
{
	unsigned int i;
	int ret, val;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < SMARTBMS_NUM_MEAS; i++) {
		if (!bms->chan[i]) {
			in->meas_absent |= BIT(i);
			continue;
		}
		ret = iio_read_channel_processed_scale(bms->chan[i], &val,
						       smartbms_chans[i].scale);
		if (ret < 0)
			continue;	/* counts toward E-B33, never made up */
		in->meas[i] = val;
		in->meas_ok |= BIT(i);
	}

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++) {
		if (!bms->in[i]) {
			in->lines_absent |= BIT(i);
			continue;
		}
		ret = gpiod_get_value_cansleep(bms->in[i]);
		if (ret < 0)
			in->lines_bad |= BIT(i);
		else if (ret)
			in->lines |= BIT(i);
	}

	in->calibration_bad = bms->calibration_bad;
	in->settings_bad = bms->settings_bad;
	in->limiter = bms->limit_chan;
	in->now_ms = smartbms_now_ms(bms);
}

/* The LED triggers follow the state; under @sample_lock. */
static void smartbms_update_leds(struct smartbms *bms, const struct smartbms_state *st)
{
	u64 now = smartbms_now_ms(bms);
	unsigned long changed;
	u32 on = 0;
	unsigned int i;

	if (st->outputs & BIT(SMARTBMS_OUT_ALTERNATOR))
		on |= BIT(SMARTBMS_LED_ALTERNATOR);
	if (st->codes & BIT(SMARTBMS_CODE_A_B15))
		on |= BIT(SMARTBMS_LED_OVERTEMP);
	if (st->started && !st->suspended)
		on |= BIT(SMARTBMS_LED_ACTIVE);
	if (st->outputs & BIT(SMARTBMS_OUT_CHARGE_DISCONNECT))
		on |= BIT(SMARTBMS_LED_CHARGE_DISCONNECT);
	if (st->outputs & BIT(SMARTBMS_OUT_LOAD_DISCONNECT))
		on |= BIT(SMARTBMS_LED_LOAD_DISCONNECT);
	if (st->outputs & BIT(SMARTBMS_OUT_SYSTEM_CHARGE))
		on |= BIT(SMARTBMS_LED_SYSTEM_CHARGE);

	/* The heartbeat only moves while evaluations do. */
	on |= bms->led_state & BIT(SMARTBMS_LED_HEARTBEAT);
	if (now - bms->heartbeat_ms >= SMARTBMS_HEARTBEAT_MS) {
		on ^= BIT(SMARTBMS_LED_HEARTBEAT);
		bms->heartbeat_ms = now;
	}

	changed = on ^ bms->led_state;
	for_each_set_bit(i, &changed, SMARTBMS_NUM_LEDS)
		led_trigger_event(&bms->leds[i], on & BIT(i) ? LED_FULL : LED_OFF);
	bms->led_state = on;
}

static void smartbms_report(struct smartbms *bms, const struct smartbms_state *st)
{
	struct smartbms_state *old = &bms->reported;
	bool alt_changed = (old->outputs ^ st->outputs) & BIT(SMARTBMS_OUT_ALTERNATOR);

	if (old->outputs != st->outputs || old->codes != st->codes ||
	    old->status != st->status || old->health != st->health ||
	    old->capacity_level != st->capacity_level) {
		power_supply_changed(bms->battery);
		if (old->codes != st->codes)
			sysfs_notify(&bms->battery->dev.kobj, NULL, "codes");
		if ((old->outputs ^ st->outputs) &
		    (BIT(SMARTBMS_OUT_SYSTEM_CHARGE) | BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE)))
			sysfs_notify(&bms->battery->dev.kobj, NULL, "system_status");
	}
	if (alt_changed)
		power_supply_changed(bms->mains);
	*old = *st;
}

static void smartbms_work(struct work_struct *work)
{
	struct smartbms *bms = container_of(work, struct smartbms, work);
	struct smartbms_inputs in;
	struct smartbms_state st;
	u64 next;
	int ret = 0;

	guard(mutex)(&bms->sample_lock);
	if (bms->stopped || bms->paused)
		return;

	smartbms_read_sample(bms, &in);

	scoped_guard(mutex, &bms->gate_lock) {
		scoped_guard(raw_spinlock_irqsave, &bms->lock) {
			/* An edge newer than the read counts until the next sample. */
			in.lines &= ~bms->pending_edges;
			for (unsigned int i = 0; i < SMARTBMS_NUM_INPUTS; i++)
				if ((bms->pending_edges & BIT(i)) && smartbms_lines[i].take_level)
					in.lines |= BIT(i);
			bms->pending_edges = 0;

			smartbms_engine_step(&bms->st, &bms->set, &in);
			bms->sample = in;
			smartbms_arm(bms);
			st = bms->st;
			if (!bms->gates_can_sleep)
				ret = smartbms_write_gates_atomic(bms, st.outputs);
		}
		if (bms->gates_can_sleep)
			ret = smartbms_write_gates(bms, st.outputs);
	}
	if (ret)
		dev_err_ratelimited(bms->dev, "failed to write the gates: %d\n", ret);

	bms->loops++;
	smartbms_report(bms, &st);
	smartbms_update_leds(bms, &st);

	next = st.next_ms;
	if (smartbms_storms(bms))
		next = min_t(u64, next, smartbms_now_ms(bms) + smartbms_tunables.sample_fast_ms);
	hrtimer_start(&bms->timer,
		      ktime_sub(ms_to_ktime(next), ms_to_ktime(atomic64_read(&bms->skip_ms))),
		      HRTIMER_MODE_ABS);
}

/* Stop the loop for good: unbind and shutdown. */
static void smartbms_stop(void *data)
{
	struct smartbms *bms = data;

	scoped_guard(mutex, &bms->sample_lock)
		bms->stopped = true;
	/* A work item that runs from here on sees @stopped: no new timer. */
	hrtimer_cancel(&bms->timer);
	cancel_work_sync(&bms->work);
}

/* ---- settings ----------------------------------------------------------- */

/*
 * The index of @buf in @names, or -EINVAL.  A NUL before @count is
 * trailing garbage as well: sysfs hands the store a C string.
 */
static int smartbms_match(const char * const *names, const char *buf, size_t count)
{
	if (memchr(buf, '\0', count))
		return -EINVAL;
	return __sysfs_match_string(names, -1, buf);
}

/* An action file takes only "1", "y" or "on": anything else is refused. */
static int smartbms_parse_yes(const char *buf, size_t count)
{
	static const char * const yes[] = { "1", "y", "on", NULL };

	return smartbms_match(yes, buf, count) < 0 ? -EINVAL : 0;
}

/* Evaluate at once, unless the loop is stopped; under @sample_lock. */
static void smartbms_kick(struct smartbms *bms)
{
	lockdep_assert_held(&bms->sample_lock);
	if (!bms->stopped)
		smartbms_evaluate_now(bms);
}

/* Write a limit in mA to the limiter's channel, in its raw units. */
static int smartbms_program_limit(struct smartbms *bms, u32 ma)
{
	int type, val, val2;
	s64 raw;

	type = iio_read_channel_scale(bms->limit_chan, &val, &val2);
	switch (type) {
	case IIO_VAL_INT:
		if (val <= 0)
			return -EINVAL;
		raw = div_s64(ma, val);
		break;
	case IIO_VAL_FRACTIONAL:
		if (val <= 0 || val2 <= 0)
			return -EINVAL;
		raw = div_s64((s64)ma * val2, val);
		break;
	default:
		return type < 0 ? type : -EINVAL;
	}
	if (raw > INT_MAX)
		return -ERANGE;
	return iio_write_channel_raw(bms->limit_chan, raw);
}

/* Apply new settings: checked, then in force at once. */
static int smartbms_apply_settings(struct smartbms *bms,
				   const struct smartbms_settings *set)
{
	int ret;

	lockdep_assert_held(&bms->sample_lock);

	ret = smartbms_settings_check(set);
	if (ret)
		return ret;

	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		bms->set = *set;
		smartbms_arm(bms);
	}

	if (bms->limit_chan) {
		/* The limiter's set-point follows the fuse table (rule 2). */
		ret = smartbms_program_limit(bms, smartbms_alt_limit_ua(set, bms->settings_bad) /
					     1000);
		if (ret)
			dev_warn(bms->dev, "failed to program the current limit: %d\n", ret);
	}

	smartbms_kick(bms);
	return 0;
}

static void smartbms_get_settings(struct smartbms *bms, struct smartbms_settings *set)
{
	/* (braces: checkpatch reads a bare "*set =" here as a product) */
	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		*set = bms->set;
	}
}

static bool smartbms_same_settings(const struct smartbms_settings *a,
				   const struct smartbms_settings *b)
{
	return a->fuse == b->fuse && a->prealarm_usage == b->prealarm_usage &&
	       a->prealarm_output == b->prealarm_output &&
	       a->charge_limit_uv == b->charge_limit_uv &&
	       a->remote_function == b->remote_function &&
	       a->soft_switch == b->soft_switch;
}

/*
 * Write @len bytes of @buf to the cell @name and read them back.  The cell
 * is got for each save and put at once: a cell held for the device's life
 * would keep its nvmem device after the provider is unbound, and dropping
 * that last reference when the BMS unbinds removes the device the BMS's
 * device link points at, from the BMS's own unbind: a deadlock.
 */
static int smartbms_write_cell(struct smartbms *bms, const char *name,
			       u8 *buf, size_t len)
{
	struct nvmem_cell *cell;
	size_t got;
	int ret;

	cell = nvmem_cell_get(bms->dev, name);
	if (IS_ERR(cell)) {
		/* The provider has gone (a defer is no answer to a write). */
		ret = PTR_ERR(cell) == -EPROBE_DEFER ? -ENODEV : PTR_ERR(cell);
		dev_err_ratelimited(bms->dev, "failed to get the %s cell: %d\n", name, ret);
		return ret;
	}
	ret = nvmem_cell_write(cell, buf, len);
	if (ret >= 0) {
		u8 *back __free(kfree) = nvmem_cell_read(cell, &got);

		if (IS_ERR(back))
			ret = PTR_ERR(back);
		else if (got != len || memcmp(back, buf, len))
			ret = -EIO;
		else
			ret = 0;
	}
	nvmem_cell_put(cell);
	if (ret)
		dev_err_ratelimited(bms->dev, "failed to save the settings in %s: %d\n",
				    name, ret);
	return ret;
}

/*
 * Keep valid settings in the journal; under @sample_lock.  The save goes
 * to the slot that is not in force, with the next sequence number, and is
 * read back: until it is all there the slot in force still holds the old
 * settings, so a power cut at any byte loses nothing.  A save that changes
 * nothing writes nothing.
 */
static int smartbms_save_settings(struct smartbms *bms,
				  const struct smartbms_settings *set)
{
	const char *name = "settings";
	size_t len = bms->settings_cell_size;
	int slot = 0, ret;

	lockdep_assert_held(&bms->sample_lock);
	if (!len)
		return 0;
	bms->save_bytes = 0;
	if (bms->settings_slot >= 0 && smartbms_same_settings(set, &bms->stored))
		return 0;
	if (bms->settings_b_size && bms->settings_slot == 0) {
		name = "settings-b";
		len = bms->settings_b_size;
		slot = 1;
	}

	u8 *buf __free(kfree) = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = smartbms_settings_slot_pack(set, bms->settings_seq + 1, buf, len);
	if (ret)
		return ret;
	ret = smartbms_write_cell(bms, name, buf, len);
	bms->save_bytes = len;
	bms->save_bytes_total += len;
	if (ret)
		return ret;
	bms->settings_slot = slot;
	bms->settings_seq++;
	bms->stored = *set;
	/* Saved again: E-B31 is over. */
	bms->settings_bad = false;
	return 0;
}

/* Defined after the settings files, which it walks. */
static bool smartbms_notify_settings(struct smartbms *bms,
				     const struct smartbms_settings *old,
				     const struct smartbms_settings *new);

/*
 * A change from userspace: checked, saved, then in force; nothing changes
 * when any step fails.  Readers of the settings files are woken and a
 * uevent sent only when something did change.  Under @sample_lock.
 */
static int smartbms_change_settings(struct smartbms *bms,
				    const struct smartbms_settings *set)
{
	struct smartbms_settings old;
	bool was_bad = bms->settings_bad;
	int ret;

	ret = smartbms_settings_check(set);
	if (ret)
		return ret;
	ret = smartbms_save_settings(bms, set);
	if (ret)
		return ret;

	smartbms_get_settings(bms, &old);
	ret = smartbms_apply_settings(bms, set);
	if (ret)
		return ret;
	/*
	 * Unbinding: the supplies go next.  power_supply_changed() now would
	 * queue their change work after power_supply_unregister() cancelled
	 * it, on a supply about to be freed.
	 */
	if (bms->stopped)
		return 0;
	if (smartbms_notify_settings(bms, &old, set) || was_bad != bms->settings_bad)
		power_supply_changed(bms->battery);
	return 0;
}

static struct smartbms *smartbms_from_dev(struct device *dev)
{
	return power_supply_get_drvdata(to_power_supply(dev));
}

static const char * const smartbms_fuse_names[SMARTBMS_NUM_FUSES + 1] = {
	[SMARTBMS_FUSE_NOT_SET]	= "not-set",
	[SMARTBMS_FUSE_125A]	= "125A",
	[SMARTBMS_FUSE_100A]	= "100A",
	[SMARTBMS_FUSE_80A]	= "80A",
	[SMARTBMS_FUSE_60A]	= "60A",
	[SMARTBMS_FUSE_2X30A]	= "2x30A",
	[SMARTBMS_FUSE_2X20A]	= "2x20A",
	[SMARTBMS_FUSE_2X15A]	= "2x15A",
	[SMARTBMS_FUSE_2X10A]	= "2x10A",
	[SMARTBMS_FUSE_2X7_5A]	= "2x7.5A",
	NULL
};

static const char * const smartbms_usage_names[] = {
	[SMARTBMS_PREALARM_USE]			= "use",
	[SMARTBMS_PREALARM_NOT_AVAILABLE]	= "not-available",
	NULL
};

static const char * const smartbms_output_mode_names[] = {
	[SMARTBMS_PREALARM_CONTINUOUS]		= "continuous",
	[SMARTBMS_PREALARM_INTERMITTENT]	= "intermittent",
	NULL
};

static const char * const smartbms_remote_names[] = {
	[SMARTBMS_REMOTE_ALTERNATOR_AND_SYSTEM]	= "alternator-and-system",
	[SMARTBMS_REMOTE_ALTERNATOR_ONLY]	= "alternator-only",
	[SMARTBMS_REMOTE_EVERYTHING]		= "everything",
	NULL
};

static const char * const smartbms_switch_names[] = { "off", "on", NULL };

/**
 * struct smartbms_choice - a setting whose value is one of a list
 * @attr: its sysfs attribute
 * @names: the accepted values, NULL-terminated
 * @first: the first value that may be written (fuse: "not-set" may not)
 * @field: its place in struct smartbms_settings
 * @is_bool: the field is a bool, not an enum
 */
struct smartbms_choice {
	struct device_attribute attr;
	const char * const *names;
	unsigned int first;
	size_t field;
	bool is_bool;
};

static unsigned int smartbms_choice_get(const struct smartbms_choice *c,
					const struct smartbms_settings *set)
{
	const void *p = (const u8 *)set + c->field;

	return c->is_bool ? *(const bool *)p : *(const unsigned int *)p;
}

static void smartbms_choice_put(const struct smartbms_choice *c,
				struct smartbms_settings *set, unsigned int v)
{
	void *p = (u8 *)set + c->field;

	if (c->is_bool)
		*(bool *)p = v;
	else
		*(unsigned int *)p = v;
}

static ssize_t smartbms_choice_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	const struct smartbms_choice *c = container_of(attr, struct smartbms_choice, attr);
	struct smartbms_settings set;

	smartbms_get_settings(smartbms_from_dev(dev), &set);
	return sysfs_emit(buf, "%s\n", c->names[smartbms_choice_get(c, &set)]);
}

static ssize_t smartbms_choice_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	const struct smartbms_choice *c = container_of(attr, struct smartbms_choice, attr);
	struct smartbms *bms = smartbms_from_dev(dev);
	struct smartbms_settings set;
	int v, ret;

	v = smartbms_match(c->names, buf, count);
	if (v < 0 || v < c->first)
		return -EINVAL;

	guard(mutex)(&bms->sample_lock);
	smartbms_get_settings(bms, &set);
	smartbms_choice_put(c, &set, v);
	ret = smartbms_change_settings(bms, &set);
	return ret ?: count;
}

static ssize_t smartbms_choices_show(const struct smartbms_choice *c, char *buf)
{
	unsigned int i;
	int len = 0;

	for (i = c->first; c->names[i]; i++)
		len += sysfs_emit_at(buf, len, "%s%s", c->names[i],
				     c->names[i + 1] ? " " : "\n");
	return len;
}

#define SMARTBMS_CHOICE(_name, _names, _first, _field, _bool)			\
	static struct smartbms_choice smartbms_choice_##_name = {		\
		.attr = __ATTR(_name, 0644, smartbms_choice_show,		\
			       smartbms_choice_store),				\
		.names = _names,						\
		.first = _first,						\
		.field = offsetof(struct smartbms_settings, _field),		\
		.is_bool = _bool,						\
	};									\
	static ssize_t _name##_available_show(struct device *dev,		\
					      struct device_attribute *attr,	\
					      char *buf)			\
	{									\
		return smartbms_choices_show(&smartbms_choice_##_name, buf);	\
	}									\
	static DEVICE_ATTR_RO(_name##_available)

static_assert(sizeof(enum smartbms_fuse) == sizeof(unsigned int));

SMARTBMS_CHOICE(fuse_rating, smartbms_fuse_names, SMARTBMS_FUSE_125A, fuse, false);
SMARTBMS_CHOICE(prealarm_usage, smartbms_usage_names, 0, prealarm_usage, false);
SMARTBMS_CHOICE(prealarm_output, smartbms_output_mode_names, 0, prealarm_output, false);
SMARTBMS_CHOICE(remote_function, smartbms_remote_names, 0, remote_function, false);
SMARTBMS_CHOICE(soft_switch, smartbms_switch_names, 0, soft_switch, true);

static void smartbms_get_state(struct smartbms *bms, struct smartbms_state *st,
			       struct smartbms_inputs *in)
{
	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		if (st)
			*st = bms->st;
		if (in)
			*in = bms->sample;
	}
}

static ssize_t codes_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct smartbms_state st;
	unsigned int i;
	int len = 0;

	smartbms_get_state(smartbms_from_dev(dev), &st, NULL);
	for (i = 0; i < SMARTBMS_NUM_CODES; i++)
		if (st.codes & BIT(i))
			len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
					     smartbms_code_names[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}
static DEVICE_ATTR_RO(codes);

static ssize_t system_status_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct smartbms_state st;

	smartbms_get_state(smartbms_from_dev(dev), &st, NULL);
	return sysfs_emit(buf, "%s\n", st.outputs & (BIT(SMARTBMS_OUT_SYSTEM_CHARGE) |
						      BIT(SMARTBMS_OUT_SYSTEM_DISCHARGE)) ?
			  "on" : "off");
}
static DEVICE_ATTR_RO(system_status);

static ssize_t alternator_current_percent_show(struct device *dev,
					       struct device_attribute *attr, char *buf)
{
	struct smartbms *bms = smartbms_from_dev(dev);
	struct smartbms_settings set;
	struct smartbms_inputs in;

	smartbms_get_state(bms, NULL, &in);
	smartbms_get_settings(bms, &set);
	/*
	 * "Set the fuse type" first: no percentage of an unknown limit, nor
	 * of the 9 A that stands in for it after the settings were lost.
	 */
	if (set.fuse == SMARTBMS_FUSE_NOT_SET || in.settings_bad ||
	    !(in.meas_ok & BIT(SMARTBMS_MEAS_ALTERNATOR_UA)))
		return -ENODATA;
	return sysfs_emit(buf, "%lld\n",
			  div_s64((s64)in.meas[SMARTBMS_MEAS_ALTERNATOR_UA] * 100,
				  smartbms_fuse_limit_ua(set.fuse)));
}
static DEVICE_ATTR_RO(alternator_current_percent);

/* The delays in progress: "<name> <milliseconds left>" per line. */
static ssize_t timers_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	struct smartbms *bms = smartbms_from_dev(dev);
	struct smartbms_state st;
	u64 now = smartbms_now_ms(bms);
	int len = 0;

	smartbms_get_state(bms, &st, NULL);

#define SMARTBMS_TIMER(_cond, _name, _end)					\
	do {									\
		u64 end = (_end);						\
		if ((_cond) && end > now)					\
			len += sysfs_emit_at(buf, len, "%s %llu\n", _name, end - now); \
	} while (0)

	SMARTBMS_TIMER(!st.alt_qualified && st.alt_above.running, "alternator-qualify",
		       smartbms_delay_end(st.alt_above.since_ms, t->alt_qualify_ms));
	SMARTBMS_TIMER(st.alt_qualified && st.alt_below.running, "alternator-lose",
		       smartbms_delay_end(st.alt_below.since_ms, t->alt_lose_ms));
	SMARTBMS_TIMER(!st.alt_trip && st.alt_over.running, "alternator-overcurrent",
		       smartbms_delay_end(st.alt_over.since_ms, t->alt_overcurrent_ms));
	SMARTBMS_TIMER(st.alt_trip, "alternator-retry", st.alt_retry_at_ms);
	SMARTBMS_TIMER(st.lockout && st.lockout_release.running, "lockout-release",
		       smartbms_delay_end(st.lockout_release.since_ms, t->lockout_release_ms));
	SMARTBMS_TIMER(st.discharge_ok && st.prealarm.running, "prealarm-lead",
		       smartbms_delay_end(st.prealarm.since_ms, t->prealarm_lead_ms));
	SMARTBMS_TIMER(!st.discharge_ok && st.discharge_high.running, "discharge-qualify",
		       smartbms_delay_end(st.discharge_high.since_ms, t->discharge_qualify_ms));
	SMARTBMS_TIMER(st.sc_trip && !st.sc_latched, "short-circuit-retry",
		       smartbms_delay_end(st.sc_trip_ms, t->sc_retry_ms));
	SMARTBMS_TIMER(!st.sc_trip && st.sys_over.running, "system-overload",
		       smartbms_delay_end(st.sys_over.since_ms, t->sys_overload_ms));
	SMARTBMS_TIMER(st.lines_lost.running, "cable-check",
		       smartbms_delay_end(st.lines_lost.since_ms, t->lost_ms));
#undef SMARTBMS_TIMER
	return len;
}
static DEVICE_ATTR_RO(timers);

static ssize_t clear_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct smartbms *bms = smartbms_from_dev(dev);
	int ret;

	ret = smartbms_parse_yes(buf, count);
	if (ret)
		return ret;

	guard(mutex)(&bms->sample_lock);
	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		smartbms_engine_clear(&bms->st);
		smartbms_arm(bms);
	}
	smartbms_kick(bms);
	return count;
}
static DEVICE_ATTR_WO(clear);

static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct smartbms *bms = smartbms_from_dev(dev);
	int ret;

	ret = smartbms_parse_yes(buf, count);
	if (ret)
		return ret;

	/* The factory defaults, saved: the manual's way out of E-B31. */
	guard(mutex)(&bms->sample_lock);
	ret = smartbms_change_settings(bms, &bms->defaults);
	return ret ?: count;
}
static DEVICE_ATTR_WO(reset);

/*
 * The charge limit, in uV.  The driver's own file, not the power_supply
 * core's constant_charge_voltage_max (read-only here): the core parses with
 * kstrtol() and truncates to int, so that 2^32 + 14200000 would set 14.2 V.
 */
static ssize_t charge_limit_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct smartbms_settings set;

	smartbms_get_settings(smartbms_from_dev(dev), &set);
	return sysfs_emit(buf, "%u\n", set.charge_limit_uv);
}

static ssize_t charge_limit_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct smartbms *bms = smartbms_from_dev(dev);
	struct smartbms_settings set;
	u32 uv;
	int ret;

	ret = smartbms_parse_charge_limit(buf, count, &uv);
	if (ret)
		return ret;

	guard(mutex)(&bms->sample_lock);
	smartbms_get_settings(bms, &set);
	set.charge_limit_uv = uv;
	ret = smartbms_change_settings(bms, &set);
	return ret ?: count;
}
static DEVICE_ATTR_RW(charge_limit);

/* The settings that are a choice of values: each one a struct smartbms_choice. */
static struct attribute *smartbms_choice_attrs[] = {
	&smartbms_choice_fuse_rating.attr.attr,
	&smartbms_choice_prealarm_usage.attr.attr,
	&smartbms_choice_prealarm_output.attr.attr,
	&smartbms_choice_remote_function.attr.attr,
	&smartbms_choice_soft_switch.attr.attr,
	NULL
};

static const struct attribute_group smartbms_choice_group = {
	.attrs = smartbms_choice_attrs,
};

static struct attribute *smartbms_attrs[] = {
	&dev_attr_fuse_rating_available.attr,
	&dev_attr_prealarm_usage_available.attr,
	&dev_attr_prealarm_output_available.attr,
	&dev_attr_remote_function_available.attr,
	&dev_attr_soft_switch_available.attr,
	&dev_attr_charge_limit.attr,
	&dev_attr_codes.attr,
	&dev_attr_system_status.attr,
	&dev_attr_alternator_current_percent.attr,
	&dev_attr_timers.attr,
	&dev_attr_clear.attr,
	&dev_attr_reset.attr,
	NULL
};

static const struct attribute_group smartbms_group = {
	.attrs = smartbms_attrs,
};

/*
 * Wake the readers of each settings file whose value changed: the choices
 * (so that a new setting is added in one place) and the charge limit, both
 * the driver's file and the power_supply core's.  True when anything changed.
 */
static bool smartbms_notify_settings(struct smartbms *bms,
				     const struct smartbms_settings *old,
				     const struct smartbms_settings *new)
{
	struct kobject *kobj = &bms->battery->dev.kobj;
	struct attribute **a;
	bool any = false;

	for (a = smartbms_choice_attrs; *a; a++) {
		const struct smartbms_choice *c = container_of(*a, struct smartbms_choice,
							       attr.attr);

		if (smartbms_choice_get(c, old) == smartbms_choice_get(c, new))
			continue;
		sysfs_notify(kobj, NULL, (*a)->name);
		any = true;
	}
	if (old->charge_limit_uv != new->charge_limit_uv) {
		sysfs_notify(kobj, NULL, dev_attr_charge_limit.attr.name);
		sysfs_notify(kobj, NULL, "constant_charge_voltage_max");
		any = true;
	}
	return any;
}

static const struct attribute_group *smartbms_groups[] = {
	&smartbms_choice_group,
	&smartbms_group,
	NULL
};

/* ---- power supplies ---------------------------------------------------- */

static const enum power_supply_property smartbms_battery_props[] = {
	POWER_SUPPLY_PROP_STATUS,
	POWER_SUPPLY_PROP_HEALTH,
	POWER_SUPPLY_PROP_PRESENT,
	POWER_SUPPLY_PROP_TECHNOLOGY,
	POWER_SUPPLY_PROP_SCOPE,
	POWER_SUPPLY_PROP_CAPACITY_LEVEL,
	POWER_SUPPLY_PROP_VOLTAGE_NOW,
	POWER_SUPPLY_PROP_CURRENT_NOW,
	POWER_SUPPLY_PROP_CONSTANT_CHARGE_VOLTAGE_MAX,
	POWER_SUPPLY_PROP_VOLTAGE_MIN_DESIGN,
	POWER_SUPPLY_PROP_VOLTAGE_MAX_DESIGN,
};

/* A measurement of the last sample, or -ENODATA. */
static int smartbms_meas(struct smartbms *bms, enum smartbms_meas m, int *val)
{
	struct smartbms_inputs in;

	smartbms_get_state(bms, NULL, &in);
	if (!(in.meas_ok & BIT(m)))
		return -ENODATA;
	*val = in.meas[m];
	return 0;
}

static int smartbms_battery_get_property(struct power_supply *psy,
					 enum power_supply_property psp,
					 union power_supply_propval *val)
{
	struct smartbms *bms = power_supply_get_drvdata(psy);
	struct power_supply_battery_info *info = bms->battery_info;
	struct smartbms_settings set;
	struct smartbms_state st;

	smartbms_get_state(bms, &st, NULL);

	switch (psp) {
	case POWER_SUPPLY_PROP_STATUS:
		val->intval = st.status;
		return 0;
	case POWER_SUPPLY_PROP_HEALTH:
		val->intval = st.health;
		return 0;
	case POWER_SUPPLY_PROP_PRESENT:
		val->intval = 1;
		return 0;
	case POWER_SUPPLY_PROP_TECHNOLOGY:
		val->intval = POWER_SUPPLY_TECHNOLOGY_LiFe;
		return 0;
	case POWER_SUPPLY_PROP_SCOPE:
		val->intval = POWER_SUPPLY_SCOPE_SYSTEM;
		return 0;
	case POWER_SUPPLY_PROP_CAPACITY_LEVEL:
		val->intval = st.capacity_level;
		return 0;
	case POWER_SUPPLY_PROP_VOLTAGE_NOW:
		return smartbms_meas(bms, SMARTBMS_MEAS_BATTERY_UV, &val->intval);
	case POWER_SUPPLY_PROP_CURRENT_NOW:
		return smartbms_meas(bms, SMARTBMS_MEAS_SYSTEM_UA, &val->intval);
	case POWER_SUPPLY_PROP_CONSTANT_CHARGE_VOLTAGE_MAX:
		smartbms_get_settings(bms, &set);
		val->intval = set.charge_limit_uv;
		return 0;
	case POWER_SUPPLY_PROP_VOLTAGE_MIN_DESIGN:
		if (!info || info->voltage_min_design_uv <= 0)
			return -ENODATA;
		val->intval = info->voltage_min_design_uv;
		return 0;
	case POWER_SUPPLY_PROP_VOLTAGE_MAX_DESIGN:
		if (!info || info->voltage_max_design_uv <= 0)
			return -ENODATA;
		val->intval = info->voltage_max_design_uv;
		return 0;
	default:
		return -EINVAL;
	}
}

static const enum power_supply_property smartbms_mains_props[] = {
	POWER_SUPPLY_PROP_ONLINE,
	POWER_SUPPLY_PROP_VOLTAGE_NOW,
	POWER_SUPPLY_PROP_CURRENT_NOW,
	POWER_SUPPLY_PROP_INPUT_CURRENT_LIMIT,
};

static int smartbms_mains_get_property(struct power_supply *psy,
				       enum power_supply_property psp,
				       union power_supply_propval *val)
{
	struct smartbms *bms = power_supply_get_drvdata(psy);
	struct smartbms_settings set;
	struct smartbms_state st;

	switch (psp) {
	case POWER_SUPPLY_PROP_ONLINE:
		smartbms_get_state(bms, &st, NULL);
		val->intval = !!(st.outputs & BIT(SMARTBMS_OUT_ALTERNATOR));
		return 0;
	case POWER_SUPPLY_PROP_VOLTAGE_NOW:
		return smartbms_meas(bms, SMARTBMS_MEAS_ALTERNATOR_UV, &val->intval);
	case POWER_SUPPLY_PROP_CURRENT_NOW:
		return smartbms_meas(bms, SMARTBMS_MEAS_ALTERNATOR_UA, &val->intval);
	case POWER_SUPPLY_PROP_INPUT_CURRENT_LIMIT:
		smartbms_get_settings(bms, &set);
		val->intval = smartbms_alt_limit_ua(&set, READ_ONCE(bms->settings_bad));
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- hwmon: what the supplies do not show ------------------------------ */

enum {
	SMARTBMS_HWMON_IN_ALTERNATOR,
	SMARTBMS_HWMON_IN_SYSTEM,
};

enum {
	SMARTBMS_HWMON_CURR_ALTERNATOR,
	SMARTBMS_HWMON_CURR_SYSTEM,
};

static umode_t smartbms_hwmon_is_visible(const void *data,
					 enum hwmon_sensor_types type,
					 u32 attr, int channel)
{
	const struct smartbms *bms = data;

	if (type == hwmon_curr && channel == SMARTBMS_HWMON_CURR_SYSTEM &&
	    !bms->chan[SMARTBMS_MEAS_SYSTEM_UA])
		return 0;
	return 0444;
}

static int smartbms_hwmon_read(struct device *dev, enum hwmon_sensor_types type,
			       u32 attr, int channel, long *val)
{
	const struct smartbms_tunables *t = &smartbms_tunables;
	struct smartbms *bms = dev_get_drvdata(dev);
	struct smartbms_settings set;
	struct smartbms_state st;
	enum smartbms_meas m;
	int ret, v = 0;

	smartbms_get_state(bms, &st, NULL);

	switch (type) {
	case hwmon_in:
		m = channel == SMARTBMS_HWMON_IN_ALTERNATOR ? SMARTBMS_MEAS_ALTERNATOR_UV :
							      SMARTBMS_MEAS_SYSTEM_UV;
		if (attr == hwmon_in_min) {
			*val = t->alt_qualify_uv / 1000;
			return 0;
		}
		ret = smartbms_meas(bms, m, &v);
		*val = v / 1000;
		return ret;
	case hwmon_curr:
		if (channel == SMARTBMS_HWMON_CURR_ALTERNATOR && attr == hwmon_curr_max) {
			smartbms_get_settings(bms, &set);
			*val = smartbms_alt_limit_ua(&set, READ_ONCE(bms->settings_bad)) / 1000;
			return 0;
		}
		if (attr == hwmon_curr_alarm) {
			*val = st.alt_trip;
			return 0;
		}
		m = channel == SMARTBMS_HWMON_CURR_ALTERNATOR ? SMARTBMS_MEAS_ALTERNATOR_UA :
								SMARTBMS_MEAS_SYSTEM_UA;
		ret = smartbms_meas(bms, m, &v);
		*val = v / 1000;
		return ret;
	case hwmon_temp:
		switch (attr) {
		case hwmon_temp_input:
			ret = smartbms_meas(bms, SMARTBMS_MEAS_TEMP_MC, &v);
			*val = v;
			return ret;
		case hwmon_temp_max:
			*val = t->ot_charge_trip_mc;
			return 0;
		case hwmon_temp_max_hyst:
			*val = t->ot_charge_release_mc;
			return 0;
		case hwmon_temp_crit:
			*val = t->ot_discharge_trip_mc;
			return 0;
		case hwmon_temp_crit_hyst:
			*val = t->ot_discharge_release_mc;
			return 0;
		case hwmon_temp_max_alarm:
			*val = st.ot_charge;
			return 0;
		case hwmon_temp_crit_alarm:
			*val = st.ot_discharge;
			return 0;
		}
		break;
	default:
		break;
	}
	return -EOPNOTSUPP;
}

static const char * const smartbms_hwmon_in_labels[] = { "alternator", "system" };
static const char * const smartbms_hwmon_curr_labels[] = { "alternator", "system" };

static int smartbms_hwmon_read_string(struct device *dev, enum hwmon_sensor_types type,
				      u32 attr, int channel, const char **str)
{
	switch (type) {
	case hwmon_in:
		*str = smartbms_hwmon_in_labels[channel];
		return 0;
	case hwmon_curr:
		*str = smartbms_hwmon_curr_labels[channel];
		return 0;
	case hwmon_temp:
		*str = "bms";
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static const struct hwmon_channel_info * const smartbms_hwmon_info[] = {
	HWMON_CHANNEL_INFO(in,
			   HWMON_I_INPUT | HWMON_I_MIN | HWMON_I_LABEL,
			   HWMON_I_INPUT | HWMON_I_LABEL),
	HWMON_CHANNEL_INFO(curr,
			   HWMON_C_INPUT | HWMON_C_MAX | HWMON_C_ALARM | HWMON_C_LABEL,
			   HWMON_C_INPUT | HWMON_C_LABEL),
	HWMON_CHANNEL_INFO(temp,
			   HWMON_T_INPUT | HWMON_T_MAX | HWMON_T_MAX_HYST |
			   HWMON_T_CRIT | HWMON_T_CRIT_HYST | HWMON_T_MAX_ALARM |
			   HWMON_T_CRIT_ALARM | HWMON_T_LABEL),
	NULL
};

static const struct hwmon_ops smartbms_hwmon_ops = {
	.is_visible = smartbms_hwmon_is_visible,
	.read = smartbms_hwmon_read,
	.read_string = smartbms_hwmon_read_string,
};

static const struct hwmon_chip_info smartbms_hwmon_chip = {
	.ops = &smartbms_hwmon_ops,
	.info = smartbms_hwmon_info,
};

/* ---- debugfs: what tests need to see inside ----------------------------- */

static int smartbms_pause_get(void *data, u64 *val)
{
	struct smartbms *bms = data;

	*val = READ_ONCE(bms->paused);
	return 0;
}

static int smartbms_pause_set(void *data, u64 val)
{
	struct smartbms *bms = data;

	scoped_guard(mutex, &bms->sample_lock) {
		bms->paused = val;
		if (!val)
			smartbms_kick(bms);
	}
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(smartbms_pause_fops, smartbms_pause_get,
			 smartbms_pause_set, "%llu\n");

/*
 * Moving the clock ahead ends the protection rules' delays in progress as
 * if that time had passed (the short-circuit retry, the latch window), so
 * that a bench can trip the same line thousands of times; the storm
 * containment counts in jiffies and does not move.  It only ever moves
 * forward: the engine's delays and the armed drops assume a monotonic
 * clock.  Ending a safety delay early is for tests: the first use says so
 * in the log and taints the kernel, as regmap's debugfs writes do.
 */
#define SMARTBMS_SKIP_MAX_MS	(24ULL * 3600 * 1000)

static int smartbms_skip_get(void *data, u64 *val)
{
	struct smartbms *bms = data;

	*val = atomic64_read(&bms->skip_ms);
	return 0;
}

static int smartbms_skip_set(void *data, u64 val)
{
	struct smartbms *bms = data;

	if (val > SMARTBMS_SKIP_MAX_MS)
		return -EINVAL;
	dev_warn_once(bms->dev, "clock moved ahead from debugfs: protection delays end early\n");
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	guard(mutex)(&bms->sample_lock);
	atomic64_add(val, &bms->skip_ms);
	smartbms_kick(bms);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(smartbms_skip_fops, smartbms_skip_get,
			 smartbms_skip_set, "%llu\n");

static int smartbms_counters_show(struct seq_file *s, void *unused)
{
	struct smartbms *bms = s->private;
	unsigned int i;

	scoped_guard(raw_spinlock_irqsave, &bms->lock) {
		seq_printf(s, "loops %llu\ntrips %llu\ntrips_late %llu\n",
			   bms->loops, bms->trips, bms->trips_late);
		for (i = 0; i < SMARTBMS_NUM_INPUTS; i++)
			if (bms->irqs[i].irq > 0)
				seq_printf(s, "%s edges %llu storms %u%s\n",
					   smartbms_lines[i].name, bms->irqs[i].total,
					   bms->irqs[i].storms,
					   bms->irqs[i].disabled ? " disabled" : "");
	}
	/* The settings journal: which slot is in force, what saves wrote. */
	guard(mutex)(&bms->sample_lock);
	seq_printf(s, "settings_slot %d\nsettings_seq %u\nsave_bytes %zu\nsave_bytes_total %llu\n",
		   bms->settings_slot, bms->settings_seq, bms->save_bytes,
		   bms->save_bytes_total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smartbms_counters);

static void smartbms_debugfs_remove(void *data)
{
	debugfs_remove_recursive(data);
}

static int smartbms_debugfs_init(struct smartbms *bms)
{
	bms->debugfs = debugfs_create_dir(dev_name(bms->dev), NULL);
	debugfs_create_file("loop_pause", 0600, bms->debugfs, bms, &smartbms_pause_fops);
	debugfs_create_file("counters", 0400, bms->debugfs, bms, &smartbms_counters_fops);
	debugfs_create_file("clock_skip_ms", 0600, bms->debugfs, bms, &smartbms_skip_fops);
	return devm_add_action_or_reset(bms->dev, smartbms_debugfs_remove, bms->debugfs);
}

/* ---- probe ------------------------------------------------------------- */

static int smartbms_get_lines(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	unsigned int i;

	/* Outputs first, driven to their safe state as they are requested. */
	for (i = 0; i < SMARTBMS_NUM_OUTPUTS; i++) {
		bms->out[i] = devm_gpiod_get(dev, smartbms_output_names[i], GPIOD_OUT_LOW);
		if (IS_ERR(bms->out[i]))
			return dev_err_probe(dev, PTR_ERR(bms->out[i]),
					     "failed to get %s-gpios\n",
					     smartbms_output_names[i]);
		bms->gates_can_sleep |= gpiod_cansleep(bms->out[i]);
	}

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++) {
		const struct smartbms_line_desc *l = &smartbms_lines[i];

		if (l->optional)
			bms->in[i] = devm_gpiod_get_optional(dev, l->name, GPIOD_IN);
		else
			bms->in[i] = devm_gpiod_get(dev, l->name, GPIOD_IN);
		if (IS_ERR(bms->in[i]))
			return dev_err_probe(dev, PTR_ERR(bms->in[i]),
					     "failed to get %s-gpios\n", l->name);
	}
	return 0;
}

static int smartbms_get_channels(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	enum iio_chan_type type;
	struct iio_channel *chan;
	unsigned int i;
	int ret;

	for (i = 0; i < SMARTBMS_NUM_MEAS; i++) {
		const struct smartbms_chan_desc *c = &smartbms_chans[i];

		chan = devm_iio_channel_get(dev, c->name);
		if (IS_ERR(chan)) {
			if (PTR_ERR(chan) == -ENODEV && c->optional)
				continue;
			return dev_err_probe(dev, PTR_ERR(chan),
					     "failed to get the %s channel\n", c->name);
		}
		ret = iio_get_channel_type(chan, &type);
		if (ret)
			return dev_err_probe(dev, ret, "failed to get the %s channel's type\n",
					     c->name);
		if (type != c->type)
			return dev_err_probe(dev, -EINVAL,
					     "the %s channel has the wrong type\n", c->name);
		bms->chan[i] = chan;
	}

	chan = devm_iio_channel_get(dev, "alternator-limit");
	if (IS_ERR(chan)) {
		if (PTR_ERR(chan) != -ENODEV)
			return dev_err_probe(dev, PTR_ERR(chan),
					     "failed to get the alternator-limit channel\n");
	} else {
		bms->limit_chan = chan;
	}
	return 0;
}

/* The board's preset fuse rating, if any, is one of the factory defaults. */
static int smartbms_get_defaults(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	const char *fuse;
	int ret;

	smartbms_settings_init(&bms->defaults);
	if (!device_property_present(dev, "victron,fuse-rating"))
		return 0;
	ret = device_property_read_string(dev, "victron,fuse-rating", &fuse);
	if (ret)
		return dev_err_probe(dev, ret, "failed to read victron,fuse-rating\n");
	ret = match_string(smartbms_fuse_names, SMARTBMS_NUM_FUSES, fuse);
	if (ret <= SMARTBMS_FUSE_NOT_SET)
		return dev_err_probe(dev, -EINVAL, "invalid victron,fuse-rating \"%s\"\n", fuse);
	bms->defaults.fuse = ret;
	return 0;
}

/*
 * Read the nvmem cell @name into a new buffer; *@present is false when the
 * board declares no such cell.  A cell whose provider is not there yet
 * defers.  The cell is not kept (see smartbms_save_settings()).
 */
static void *smartbms_read_cell(struct smartbms *bms, const char *name,
				bool *present, size_t *len)
{
	struct device *dev = bms->dev;
	struct nvmem_cell *cell;
	void *buf;

	*present = false;
	cell = nvmem_cell_get(dev, name);
	if (IS_ERR(cell)) {
		int ret = PTR_ERR(cell);

		if (ret == -ENOENT || ret == -EOPNOTSUPP)
			return NULL;
		return ERR_PTR(dev_err_probe(dev, ret, "failed to get the %s nvmem cell\n",
					     name));
	}
	*present = true;
	buf = nvmem_cell_read(cell, len);
	nvmem_cell_put(cell);
	if (IS_ERR(buf))
		dev_err(dev, "failed to read the %s nvmem cell: %ld\n", name, PTR_ERR(buf));
	return buf;
}

/*
 * The calibration data, where the board declares it, must be sound (E-B30).
 * The driver checks its integrity; the values are the board's business.
 */
static int smartbms_check_calibration(struct smartbms *bms)
{
	bool present;
	size_t len;
	int ret;

	u8 *buf __free(kfree) = smartbms_read_cell(bms, "calibration", &present, &len);
	if (!present)
		return PTR_ERR_OR_ZERO(buf);
	if (IS_ERR(buf)) {
		bms->calibration_bad = true;
		return 0;
	}
	ret = smartbms_record_check(buf, len, SMARTBMS_CALIBRATION_MAGIC);
	if (ret < 0) {
		dev_err(bms->dev, "the calibration data is %s: E-B30\n",
			ret == -ENODATA ? "missing" : "corrupt");
		bms->calibration_bad = true;
	}
	return 0;
}

/*
 * The settings in force from the journal's newest valid slot, or the
 * defaults and E-B31 when no slot is valid.  Without a settings cell the
 * settings last until the next restart (a boot-time restore can load
 * them).
 */
static int smartbms_load_settings(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	bool present, present_b;
	size_t len, len_b = 0;
	int ret;

	bms->set = bms->defaults;
	bms->settings_slot = -1;
	u8 *buf __free(kfree) = smartbms_read_cell(bms, "settings", &present, &len);
	if (!present) {
		if (!buf)
			dev_info(dev, "no settings cell: settings are not kept over a restart\n");
		return PTR_ERR_OR_ZERO(buf);
	}
	u8 *buf_b __free(kfree) = smartbms_read_cell(bms, "settings-b", &present_b, &len_b);
	if (IS_ERR(buf_b) && PTR_ERR(buf_b) == -EPROBE_DEFER)
		return -EPROBE_DEFER;
	if (IS_ERR(buf) || IS_ERR(buf_b)) {
		/* A cell that cannot be read is not written either. */
		bms->settings_bad = true;
		return 0;
	}
	if (len < SMARTBMS_SETTINGS_SLOT_SIZE ||
	    (present_b && len_b < SMARTBMS_SETTINGS_SLOT_SIZE))
		return dev_err_probe(dev, -EINVAL,
				     "the settings cells have %zu and %zu bytes, each needs %d\n",
				     len, len_b, SMARTBMS_SETTINGS_SLOT_SIZE);
	if (!present_b)
		dev_warn(dev, "no settings-b cell: a power cut during a save can lose the settings\n");
	bms->settings_cell_size = len;
	bms->settings_b_size = present_b ? len_b : 0;

	ret = smartbms_settings_pick(&bms->set, &bms->settings_seq, buf, len,
				     present_b ? buf_b : NULL, len_b);
	if (ret < 0) {
		dev_warn(dev, "no stored settings are %s: E-B31, factory defaults in force\n",
			 ret == -ENODATA ? "there" : "valid");
		bms->settings_bad = true;
		return 0;
	}
	bms->settings_slot = ret;
	bms->stored = bms->set;
	return 0;
}

/* One LED trigger per indicator of manual Appendix C; each one must register. */
static int smartbms_register_leds(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < SMARTBMS_NUM_LEDS; i++) {
		bms->leds[i].name = devm_kasprintf(dev, GFP_KERNEL, "%s-%s", dev_name(dev),
						   smartbms_led_names[i]);
		if (!bms->leds[i].name)
			return -ENOMEM;
		ret = devm_led_trigger_register(dev, &bms->leds[i]);
		if (ret)
			return dev_err_probe(dev, ret, "failed to register the %s LED trigger\n",
					     bms->leds[i].name);
	}
	return 0;
}

static int smartbms_register_supplies(struct smartbms *bms)
{
	struct power_supply_config cfg = {
		.drv_data = bms,
		.fwnode = dev_fwnode(bms->dev),
	};
	struct device *dev = bms->dev;
	int ret;

	bms->battery_desc = (struct power_supply_desc) {
		.name = devm_kasprintf(dev, GFP_KERNEL, "%s-battery", dev_name(dev)),
		.type = POWER_SUPPLY_TYPE_BATTERY,
		.properties = smartbms_battery_props,
		.num_properties = ARRAY_SIZE(smartbms_battery_props),
		.get_property = smartbms_battery_get_property,
	};
	bms->mains_desc = (struct power_supply_desc) {
		.name = devm_kasprintf(dev, GFP_KERNEL, "%s-alternator", dev_name(dev)),
		.type = POWER_SUPPLY_TYPE_MAINS,
		.properties = smartbms_mains_props,
		.num_properties = ARRAY_SIZE(smartbms_mains_props),
		.get_property = smartbms_mains_get_property,
	};
	if (!bms->battery_desc.name || !bms->mains_desc.name)
		return -ENOMEM;

	cfg.attr_grp = smartbms_groups;
	bms->battery = devm_power_supply_register(dev, &bms->battery_desc, &cfg);
	if (IS_ERR(bms->battery))
		return dev_err_probe(dev, PTR_ERR(bms->battery),
				     "failed to register the battery supply\n");

	/* The design voltages come from monitored-battery, if described. */
	ret = power_supply_get_battery_info(bms->battery, &bms->battery_info);
	if (ret == -EPROBE_DEFER)
		return ret;
	if (ret)
		bms->battery_info = NULL;

	cfg.attr_grp = NULL;
	bms->mains = devm_power_supply_register(dev, &bms->mains_desc, &cfg);
	if (IS_ERR(bms->mains))
		return dev_err_probe(dev, PTR_ERR(bms->mains),
				     "failed to register the alternator supply\n");
	return 0;
}

static int smartbms_request_irqs(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++) {
		struct smartbms_irq *si = &bms->irqs[i];
		unsigned long trigger;
		int level;

		if (!bms->in[i])
			continue;
		si->bms = bms;
		si->line = i;
		si->window = jiffies;
		si->irq = gpiod_to_irq(bms->in[i]);
		if (si->irq < 0)
			return dev_err_probe(dev, si->irq, "no interrupt for %s-gpios\n",
					     smartbms_lines[i].name);

		/* The physical edge of the logical level that takes away. */
		level = smartbms_lines[i].take_level ^ gpiod_is_active_low(bms->in[i]);
		trigger = level ? IRQF_TRIGGER_RISING : IRQF_TRIGGER_FALLING;

		if (bms->gates_can_sleep)
			ret = devm_request_threaded_irq(dev, si->irq, NULL, smartbms_irq_thread,
							trigger | IRQF_ONESHOT,
							smartbms_lines[i].name, si);
		else
			ret = devm_request_irq(dev, si->irq, smartbms_irq_hard, trigger,
					       smartbms_lines[i].name, si);
		if (ret)
			return dev_err_probe(dev, ret, "failed to request the %s interrupt\n",
					     smartbms_lines[i].name);
	}
	return 0;
}

static int smartbms_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct smartbms *bms;
	int ret;

	bms = devm_kzalloc(dev, sizeof(*bms), GFP_KERNEL);
	if (!bms)
		return -ENOMEM;

	bms->dev = dev;
	raw_spin_lock_init(&bms->lock);
	ret = devm_mutex_init(dev, &bms->gate_lock);
	if (ret)
		return ret;
	ret = devm_mutex_init(dev, &bms->sample_lock);
	if (ret)
		return ret;
	smartbms_engine_init(&bms->st);
	/*
	 * No evaluation before probe has it all: a settings write through a
	 * supply registered below must not reach the timer or a supply not
	 * yet registered.
	 */
	bms->stopped = true;
	platform_set_drvdata(pdev, bms);

	/* State first, and the power stage in its safe state. */
	ret = smartbms_get_lines(bms);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, smartbms_safe_state, bms);
	if (ret)
		return ret;
	ret = smartbms_get_channels(bms);
	if (ret)
		return ret;
	ret = smartbms_get_defaults(bms);
	if (ret)
		return ret;
	ret = smartbms_check_calibration(bms);
	if (ret)
		return ret;
	ret = smartbms_load_settings(bms);
	if (ret)
		return ret;

	/* The loop, which does not run until the end of probe. */
	INIT_WORK(&bms->work, smartbms_work);
	hrtimer_init(&bms->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	bms->timer.function = smartbms_timer_fn;

	/* Then the interfaces. */
	ret = smartbms_register_supplies(bms);
	if (ret)
		return ret;
	ret = PTR_ERR_OR_ZERO(devm_hwmon_device_register_with_info(dev, "smartbms", bms,
								   &smartbms_hwmon_chip,
								   NULL));
	if (ret)
		return dev_err_probe(dev, ret, "failed to register the hwmon device\n");
	ret = smartbms_register_leds(bms);
	if (ret)
		return ret;
	ret = smartbms_debugfs_init(bms);
	if (ret)
		return ret;

	/* Stopped for good before the interfaces go; the interrupts last. */
	ret = devm_add_action_or_reset(dev, smartbms_stop, bms);
	if (ret)
		return ret;
	ret = smartbms_request_irqs(bms);
	if (ret)
		return ret;

	dev_info(dev, "trip path in %s (gate GPIOs %s)\n",
		 bms->gates_can_sleep ? "a threaded handler" : "hard interrupt context",
		 bms->gates_can_sleep ? "may sleep" : "do not sleep");

	/* The loop starts, with the settings as they are now. */
	scoped_guard(mutex, &bms->sample_lock) {
		bms->stopped = false;
		smartbms_apply_settings(bms, &bms->set);
	}
	return 0;
}

static void smartbms_shutdown(struct platform_device *pdev)
{
	struct smartbms *bms = platform_get_drvdata(pdev);
	unsigned int i;

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++)
		if (bms->irqs[i].irq > 0)
			disable_irq(bms->irqs[i].irq);
	smartbms_stop(bms);
	smartbms_safe_state(bms);
}

static const struct of_device_id smartbms_of_match[] = {
	{ .compatible = "victron,smart-bms-12-200" },
	{ }
};
MODULE_DEVICE_TABLE(of, smartbms_of_match);

static struct platform_driver smartbms_driver = {
	.probe = smartbms_probe,
	.shutdown = smartbms_shutdown,
	.driver = {
		.name = "smartbms",
		.of_match_table = smartbms_of_match,
	},
};
module_platform_driver(smartbms_driver);

MODULE_DESCRIPTION("Smart BMS 12-200 class battery management system driver");
MODULE_LICENSE("GPL");
