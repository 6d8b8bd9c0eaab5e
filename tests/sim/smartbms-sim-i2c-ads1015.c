// SPDX-License-Identifier: GPL-2.0
/*
 * Register-level model of the TI ADS1015 12-bit ADC for the smartbms test
 * bench.  Test-only: never part of the product.  References are to the
 * datasheet, SBAS473E (May 2009, revised January 2018).
 *
 * What the model implements, as the datasheet states it:
 *  - the address pointer register and the four 16-bit registers it
 *    selects, written and read MSB first (8.5.3, 8.6.1);
 *  - the config register (8.6.3): reset value 8583h; OS starts a
 *    single-shot conversion in power-down mode and reads 0 while one is in
 *    progress; MUX (four single-ended, four differential inputs); PGA full
 *    scales of +/-6.144, 4.096, 2.048, 1.024, 0.512 and 0.256 V; MODE
 *    continuous (0) or single-shot and power-down (1); DR 128 to 3300
 *    samples per second; COMP_MODE, COMP_POL, COMP_LAT, COMP_QUE;
 *  - the conversion register (8.6.2): the 12-bit two's-complement result in
 *    bits 15:4, bits 3:0 zero; 7FFh and 800h at positive and negative full
 *    scale (8.3.4, table 3);
 *  - conversion timing (8.4.2, 8.4.1): in continuous mode a conversion
 *    every 1/DR, the register updated at its end; a configuration written
 *    during a conversion applies from the next one; a single-shot
 *    conversion takes 1/DR, after which the device powers down;
 *  - the comparator (8.3.7): traditional and window modes, the number of
 *    conversions beyond a threshold before ALERT/RDY asserts (COMP_QUE),
 *    latching until the conversion register is read, the polarity; the
 *    conversion-ready function when Hi_thresh's MSB is 1 and Lo_thresh's
 *    is 0 (8.3.8);
 *  - Lo_thresh and Hi_thresh reset to 8000h and 7FFFh (8.6.4).
 * Time comes from the kernel's clock: the model computes, when it is next
 * accessed, the conversions that finished since, with the inputs they saw.
 *
 * The analog inputs are set in debugfs, in microvolts at the pin:
 * ain0..ain3 (signed; refused outside GND - 0.3 V to 5.8 V, VDD + 0.3 V at
 * its 5.5 V maximum: 8.3.2, 7.1).  "alert" reads the
 * ALERT/RDY pin (1 high, 0 low), "conversions" how many conversions the
 * chip has finished.
 */

#include <linux/bitfield.h>
#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>

#include "smartbms-sim-i2c.h"

#define ADS1015_REG_CONV	0
#define ADS1015_REG_CONFIG	1
#define ADS1015_REG_LO		2
#define ADS1015_REG_HI		3

#define ADS1015_OS		BIT(15)
#define ADS1015_MUX		GENMASK(14, 12)
#define ADS1015_PGA		GENMASK(11, 9)
#define ADS1015_MODE		BIT(8)
#define ADS1015_DR		GENMASK(7, 5)
#define ADS1015_COMP_MODE	BIT(4)
#define ADS1015_COMP_POL	BIT(3)
#define ADS1015_COMP_LAT	BIT(2)
#define ADS1015_COMP_QUE	GENMASK(1, 0)

/* 8.6.3, table 8: the register at reset. */
#define ADS1015_CONFIG_RESET	0x8583

/* 8.6.3, PGA[2:0]: full-scale range in microvolts. */
static const int ads1015_fsr_uv[8] = {
	6144000, 4096000, 2048000, 1024000, 512000, 256000, 256000, 256000,
};

/* 8.6.3, DR[2:0]: samples per second. */
static const int ads1015_sps[8] = { 128, 250, 490, 920, 1600, 2400, 3300, 3300 };

/* 8.6.3, MUX[2:0]: the positive and negative inputs; -1 is GND. */
static const s8 ads1015_mux[8][2] = {
	{ 0, 1 }, { 0, 3 }, { 1, 3 }, { 2, 3 },
	{ 0, -1 }, { 1, -1 }, { 2, -1 }, { 3, -1 },
};

/**
 * struct ads1015 - the chip's state
 * @ptr: the address pointer register
 * @config: the config register as written (OS bit excluded)
 * @conv: the conversion register
 * @lo: Lo_thresh
 * @hi: Hi_thresh
 * @busy: a conversion is in progress (OS reads 0)
 * @conv_cfg: the configuration the conversion in progress uses
 * @conv_end: when it ends (ktime ns)
 * @above: consecutive conversions beyond a threshold (COMP_QUE)
 * @alert: ALERT/RDY is active (the pin level also follows COMP_POL)
 * @conversions: conversions finished
 * @ain: the analog inputs, microvolts
 * @ain_file: their debugfs files
 * @byte: index of the next byte of a 16-bit register access
 * @wbuf: the bytes written in this transfer after the pointer
 */
struct ads1015 {
	u8 ptr;
	u16 config;
	u16 conv;
	u16 lo;
	u16 hi;
	bool busy;
	u16 conv_cfg;
	u64 conv_end;
	unsigned int above;
	bool alert;
	u64 conversions;
	s32 ain[4];
	struct sim_i2c_file ain_file[4];
	unsigned int byte;
	u8 wbuf[2];
};

static u64 ads1015_period_ns(u16 cfg)
{
	return div_u64(NSEC_PER_SEC, ads1015_sps[FIELD_GET(ADS1015_DR, cfg)]);
}

/* The ALERT/RDY pin: active low unless COMP_POL (8.3.7). */
static void ads1015_pin(struct sim_i2c_chip *chip)
{
	struct ads1015 *a = chip->priv;
	bool active_high = a->config & ADS1015_COMP_POL;

	sim_i2c_wire(chip, a->alert != active_high);
}

/* 8.3.7, 8.3.8: the comparator after each conversion. */
static void ads1015_compare(struct sim_i2c_chip *chip, u16 cfg)
{
	struct ads1015 *a = chip->priv;
	unsigned int que = FIELD_GET(ADS1015_COMP_QUE, cfg);
	s16 code = (s16)a->conv >> 4;
	s16 lo = (s16)a->lo >> 4, hi = (s16)a->hi >> 4;

	if (que == 3) {
		/* Disabled: high impedance, which the pull-up reads as high. */
		a->alert = false;
		a->above = 0;
		sim_i2c_wire(chip, false);
		return;
	}
	if ((a->hi & BIT(15)) && !(a->lo & BIT(15))) {
		/* Conversion ready: an 8 us pulse at the end of each (8.3.8). */
		a->alert = true;
		ads1015_pin(chip);
		a->alert = false;
		ads1015_pin(chip);
		return;
	}
	if (code > hi || ((cfg & ADS1015_COMP_MODE) && code < lo)) {
		if (++a->above >= (1U << que))
			a->alert = true;
	} else {
		a->above = 0;
		/* Non-latching: deasserts once back inside (traditional: below lo). */
		if (!(cfg & ADS1015_COMP_LAT) &&
		    ((cfg & ADS1015_COMP_MODE) || code < lo))
			a->alert = false;
	}
	ads1015_pin(chip);
}

/* One conversion with configuration @cfg, the inputs as they are now. */
static void ads1015_convert(struct sim_i2c_chip *chip, u16 cfg)
{
	struct ads1015 *a = chip->priv;
	const s8 *in = ads1015_mux[FIELD_GET(ADS1015_MUX, cfg)];
	int fsr = ads1015_fsr_uv[FIELD_GET(ADS1015_PGA, cfg)];
	s64 uv = a->ain[in[0]] - (in[1] < 0 ? 0 : a->ain[in[1]]);
	s64 code = div_s64(uv * 2048 + (uv < 0 ? -fsr / 2 : fsr / 2), fsr);

	code = clamp_t(s64, code, -2048, 2047);
	a->conv = (u16)(code << 4);
	a->conversions++;
	ads1015_compare(chip, cfg);
}

/*
 * Bring the chip up to now: the conversions that ended since it was last
 * looked at.  The inputs only change through debugfs, which calls this
 * first, so every conversion since saw the present inputs and only the
 * comparator's count needs more than the last one.
 */
static void ads1015_advance(struct sim_i2c_chip *chip)
{
	struct ads1015 *a = chip->priv;
	u64 now = ktime_get_ns(), period, n;

	if (!a->busy || now < a->conv_end)
		return;
	ads1015_convert(chip, a->conv_cfg);
	if (a->config & ADS1015_MODE) {
		/* Single-shot: done, powered down (8.4.1). */
		a->busy = false;
		return;
	}
	/* Continuous: the next conversions use the register as written. */
	a->conv_cfg = a->config;
	period = ads1015_period_ns(a->conv_cfg);
	n = div64_u64(now - a->conv_end, period);
	a->conv_end += (n + 1) * period;
	for (n = min_t(u64, n, 9); n; n--)
		ads1015_convert(chip, a->conv_cfg);
}

static void ads1015_write_config(struct sim_i2c_chip *chip, u16 val)
{
	struct ads1015 *a = chip->priv;
	bool was_continuous = a->busy && !(a->config & ADS1015_MODE);

	a->config = val & ~ADS1015_OS;
	if (!(val & ADS1015_MODE)) {
		/* Continuous: starts now if the device was powered down. */
		if (!was_continuous) {
			a->busy = true;
			a->conv_cfg = a->config;
			a->conv_end = ktime_get_ns() + ads1015_period_ns(a->config);
		}
		return;
	}
	/* Single-shot: OS = 1 starts a conversion when none is running. */
	if (was_continuous) {
		/* The one in progress completes, then the device powers down. */
		return;
	}
	if ((val & ADS1015_OS) && !a->busy) {
		a->busy = true;
		a->conv_cfg = a->config;
		a->conv_end = ktime_get_ns() + ads1015_period_ns(a->config);
	}
}

static int ads1015_start(struct sim_i2c_chip *chip, bool read)
{
	struct ads1015 *a = chip->priv;

	a->byte = 0;
	ads1015_advance(chip);
	return 0;
}

static int ads1015_write(struct sim_i2c_chip *chip, u8 byte)
{
	struct ads1015 *a = chip->priv;
	u16 val;

	if (a->byte == 0) {
		/* 8.6.1: bits 7:2 must be 0. */
		if (byte & ~3)
			return -EIO;
		a->ptr = byte;
		a->byte = 1;
		return 0;
	}
	if (a->byte > 2)
		return -EIO;
	a->wbuf[a->byte - 1] = byte;
	if (a->byte++ < 2)
		return 0;

	val = a->wbuf[0] << 8 | a->wbuf[1];
	switch (a->ptr) {
	case ADS1015_REG_CONFIG:
		ads1015_write_config(chip, val);
		break;
	case ADS1015_REG_LO:
		a->lo = val;
		break;
	case ADS1015_REG_HI:
		a->hi = val;
		break;
	default:
		/* The conversion register is read-only. */
		break;
	}
	return 0;
}

static u16 ads1015_reg(struct ads1015 *a)
{
	switch (a->ptr) {
	case ADS1015_REG_CONV:
		return a->conv;
	case ADS1015_REG_CONFIG:
		return a->config | (a->busy ? 0 : ADS1015_OS);
	case ADS1015_REG_LO:
		return a->lo;
	default:
		return a->hi;
	}
}

static u8 ads1015_read(struct sim_i2c_chip *chip)
{
	struct ads1015 *a = chip->priv;
	u16 val = ads1015_reg(a);
	u8 byte = a->byte++ & 1 ? val & 0xff : val >> 8;

	/* A latched ALERT clears when the conversion register is read (8.3.7). */
	if (a->ptr == ADS1015_REG_CONV && a->byte == 2 &&
	    (a->config & ADS1015_COMP_LAT) && a->alert) {
		a->alert = false;
		a->above = 0;
		ads1015_pin(chip);
	}
	return byte;
}

/* debugfs ainN: the present input, after the conversions the old one saw. */
static int ads1015_ain_get(void *data, u64 *val)
{
	struct sim_i2c_file *file = data;
	struct sim_i2c_chip *chip = file->chip;
	struct ads1015 *a = chip->priv;

	guard(mutex)(&chip->lock);
	*val = (s64)a->ain[file->which];
	return 0;
}

static int ads1015_ain_set(void *data, u64 val)
{
	struct sim_i2c_file *file = data;
	struct sim_i2c_chip *chip = file->chip;
	struct ads1015 *a = chip->priv;

	/* 8.3.2: the inputs stay within GND - 0.3 V and VDD + 0.3 V. */
	if ((s64)val < -300000 || (s64)val > 5800000)
		return -ERANGE;
	guard(mutex)(&chip->lock);
	ads1015_advance(chip);
	a->ain[file->which] = (s64)val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(ads1015_ain_fops, ads1015_ain_get, ads1015_ain_set, "%lld\n");

static int ads1015_alert_get(void *data, u64 *val)
{
	struct sim_i2c_chip *chip = data;

	guard(mutex)(&chip->lock);
	ads1015_advance(chip);
	*val = !chip->wire_low;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ads1015_alert_fops, ads1015_alert_get, NULL, "%llu\n");

static int ads1015_conversions_get(void *data, u64 *val)
{
	struct sim_i2c_chip *chip = data;
	struct ads1015 *a = chip->priv;

	guard(mutex)(&chip->lock);
	ads1015_advance(chip);
	*val = a->conversions;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ads1015_conversions_fops, ads1015_conversions_get, NULL,
			 "%llu\n");

static int ads1015_init(struct sim_i2c_chip *chip, struct dentry *dir)
{
	struct ads1015 *a;
	unsigned int i;

	a = devm_kzalloc(chip->dev, sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	/* Power-on reset (8.4.1): single-shot mode, powered down. */
	a->config = ADS1015_CONFIG_RESET & ~ADS1015_OS;
	a->lo = 0x8000;
	a->hi = 0x7fff;
	chip->priv = a;

	for (i = 0; i < ARRAY_SIZE(a->ain); i++) {
		char name[8];

		a->ain_file[i].chip = chip;
		a->ain_file[i].which = i;
		snprintf(name, sizeof(name), "ain%u", i);
		debugfs_create_file_unsafe(name, 0600, dir, &a->ain_file[i],
					   &ads1015_ain_fops);
	}
	debugfs_create_file_unsafe("alert", 0400, dir, chip, &ads1015_alert_fops);
	debugfs_create_file_unsafe("conversions", 0400, dir, chip,
				   &ads1015_conversions_fops);
	return 0;
}

const struct sim_i2c_model sim_i2c_ads1015_model = {
	.compatible = "ti,ads1015",
	.init = ads1015_init,
	.start = ads1015_start,
	.write = ads1015_write,
	.read = ads1015_read,
};
