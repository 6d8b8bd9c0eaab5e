// SPDX-License-Identifier: GPL-2.0
/*
 * Register-level model of the NXP PCA9555 16-bit I2C-bus I/O port with
 * interrupt for the smartbms test bench (TI's TCA9555 has the same
 * registers).  Test-only: never part of the product.  References are to
 * the datasheet, NXP PCA9555 rev. 10 (15 March 2021).
 *
 * As the datasheet states it:
 *  - the command byte selects one of eight registers, input, output,
 *    polarity inversion and configuration, each a pair of port 0 and port
 *    1 (7.2, table 4); further bytes of the same transfer go to the other
 *    register of the pair, toggling (7.3, 8.1: "data is sent to the
 *    other register in the pair");
 *  - the input port registers reflect the pins, whatever their
 *    configuration; writes to them are ignored (7.3.1); the polarity
 *    inversion registers invert the input port bits (7.3.3);
 *  - the output port registers drive the pins configured as outputs
 *    (7.3.2); the configuration registers, 1 for input (7.3.4);
 *  - power-on reset: outputs FFh, polarity 00h, configuration FFh, every
 *    pin an input with its 100 kOhm pull-up to VDD (7.4, 7.5);
 *  - the open-drain INT output: asserted when an input pin differs from
 *    the port's state at its last read, reset when the pin returns or the
 *    port's input register is read (7.6).
 *
 * debugfs, besides the bus's faults:
 *   drive	the levels the outside drives onto the pins (16 bits, port 1
 *		high)
 *   driven	which pins the outside drives; the others float, and read
 *		high through the pull-up when they are inputs
 *   pins	the levels on the pins (read-only)
 *   int	the INT pin: 0 asserted, 1 released (read-only)
 */

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "smartbms-sim-i2c.h"

/**
 * struct pca9555 - the chip's state
 * @cmd: the command byte
 * @got_cmd: the command byte of this write was received
 * @reg: output, polarity and configuration registers, by command byte
 *	(2-7); 0-1 unused
 * @drive: the levels the outside drives
 * @driven: the pins it drives
 * @last: each port's pins at its last input register read
 */
struct pca9555 {
	u8 cmd;
	bool got_cmd;
	u8 reg[8];
	u16 drive;
	u16 driven;
	u16 last;
};

/* The pin levels: outputs drive theirs, inputs read the outside or VDD. */
static u16 pca9555_pins(struct pca9555 *p)
{
	u16 config = p->reg[6] | p->reg[7] << 8;
	u16 out = p->reg[2] | p->reg[3] << 8;
	u16 in = (p->drive & p->driven) | ~p->driven;

	return (out & ~config) | (in & config);
}

/* 7.6: INT follows the inputs against what was last read. */
static void pca9555_int(struct sim_i2c_chip *chip)
{
	struct pca9555 *p = chip->priv;
	u16 config = p->reg[6] | p->reg[7] << 8;

	sim_i2c_wire(chip, (pca9555_pins(p) ^ p->last) & config);
}

static int pca9555_start(struct sim_i2c_chip *chip, bool read)
{
	struct pca9555 *p = chip->priv;

	p->got_cmd = false;
	return 0;
}

static int pca9555_write(struct sim_i2c_chip *chip, u8 byte)
{
	struct pca9555 *p = chip->priv;

	if (!p->got_cmd) {
		/* Only the three low bits are decoded (table 4). */
		if (byte > 7)
			return -EIO;
		p->cmd = byte;
		p->got_cmd = true;
		return 0;
	}
	if (p->cmd >= 2)
		p->reg[p->cmd] = byte;
	p->cmd ^= 1;
	pca9555_int(chip);
	return 0;
}

static u8 pca9555_read(struct sim_i2c_chip *chip)
{
	struct pca9555 *p = chip->priv;
	unsigned int port = p->cmd & 1;
	u16 pins;
	u8 byte;

	if (p->cmd >= 2) {
		byte = p->reg[p->cmd];
	} else {
		pins = pca9555_pins(p);
		byte = (pins >> (8 * port)) ^ p->reg[4 + port];
		/* Reading the port resets its part of the interrupt. */
		p->last = (p->last & (0xff00 >> (8 * port))) |
			  (pins & (0xff << (8 * port)));
		pca9555_int(chip);
	}
	p->cmd ^= 1;
	return byte;
}

static int pca9555_get(void *data, u64 *val, int which)
{
	struct sim_i2c_chip *chip = data;
	struct pca9555 *p = chip->priv;

	guard(mutex)(&chip->lock);
	switch (which) {
	case 0:
		*val = p->drive;
		break;
	case 1:
		*val = p->driven;
		break;
	case 2:
		*val = pca9555_pins(p);
		break;
	default:
		*val = !chip->wire_low;
		break;
	}
	return 0;
}

static int pca9555_set(void *data, u64 val, int which)
{
	struct sim_i2c_chip *chip = data;
	struct pca9555 *p = chip->priv;

	if (val > 0xffff)
		return -EINVAL;
	guard(mutex)(&chip->lock);
	if (which == 0)
		p->drive = val;
	else
		p->driven = val;
	pca9555_int(chip);
	return 0;
}

static int pca9555_drive_get(void *data, u64 *val)
{
	return pca9555_get(data, val, 0);
}

static int pca9555_drive_set(void *data, u64 val)
{
	return pca9555_set(data, val, 0);
}
DEFINE_DEBUGFS_ATTRIBUTE(pca9555_drive_fops, pca9555_drive_get, pca9555_drive_set,
			 "0x%04llx\n");

static int pca9555_driven_get(void *data, u64 *val)
{
	return pca9555_get(data, val, 1);
}

static int pca9555_driven_set(void *data, u64 val)
{
	return pca9555_set(data, val, 1);
}
DEFINE_DEBUGFS_ATTRIBUTE(pca9555_driven_fops, pca9555_driven_get, pca9555_driven_set,
			 "0x%04llx\n");

static int pca9555_pins_get(void *data, u64 *val)
{
	return pca9555_get(data, val, 2);
}
DEFINE_DEBUGFS_ATTRIBUTE(pca9555_pins_fops, pca9555_pins_get, NULL, "0x%04llx\n");

static int pca9555_int_get(void *data, u64 *val)
{
	return pca9555_get(data, val, 3);
}
DEFINE_DEBUGFS_ATTRIBUTE(pca9555_int_fops, pca9555_int_get, NULL, "%llu\n");

static int pca9555_init(struct sim_i2c_chip *chip, struct dentry *dir)
{
	struct pca9555 *p;

	p = devm_kzalloc(chip->dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	/* 7.4, 7.5: power-on reset. */
	p->reg[2] = 0xff;
	p->reg[3] = 0xff;
	p->reg[6] = 0xff;
	p->reg[7] = 0xff;
	p->last = pca9555_pins(p);
	chip->priv = p;

	debugfs_create_file_unsafe("drive", 0600, dir, chip, &pca9555_drive_fops);
	debugfs_create_file_unsafe("driven", 0600, dir, chip, &pca9555_driven_fops);
	debugfs_create_file_unsafe("pins", 0400, dir, chip, &pca9555_pins_fops);
	debugfs_create_file_unsafe("int", 0400, dir, chip, &pca9555_int_fops);
	return 0;
}

const struct sim_i2c_model sim_i2c_pca9555_model = {
	.compatible = "nxp,pca9555",
	.init = pca9555_init,
	.start = pca9555_start,
	.write = pca9555_write,
	.read = pca9555_read,
};
