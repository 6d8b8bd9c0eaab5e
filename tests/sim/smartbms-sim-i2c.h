/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated I2C bus of the smartbms test bench and its chip models.
 * Test-only: never part of the product.
 *
 * The bus (smartbms-sim-i2c-bus.c) turns each i2c_msg of a transfer into
 * what a chip on a real bus sees: a START with the address byte, data bytes
 * it acknowledges or not (written) or puts on the bus (read), repeated
 * STARTs, and one STOP at the end.  A model implements those four events
 * from its datasheet; the mainline driver of the chip, bound to the same
 * devicetree node as an ordinary I2C client, cannot tell it from the chip.
 */
#ifndef SMARTBMS_SIM_I2C_H
#define SMARTBMS_SIM_I2C_H

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct dentry;
struct sim_i2c_bus;
struct sim_i2c_chip;

/**
 * struct sim_i2c_model - what a chip does on the bus
 * @compatible: the devicetree compatible the model answers for
 * @init: allocate @chip->priv at bus probe, at the chip's power-on state
 *	(devm on @chip->dev); add the model's debugfs files to @dir
 * @start: a START or repeated START addressed to the chip, @read for a
 *	read; returns 0 to acknowledge the address, -ENXIO not to
 * @write: a data byte the master sent; 0 to acknowledge it, -EIO not to
 * @read: the next data byte the chip puts on the bus
 * @stop: the STOP condition that ends the transfer (optional)
 *
 * Every callback runs with the chip's @lock held.
 */
struct sim_i2c_model {
	const char *compatible;
	int (*init)(struct sim_i2c_chip *chip, struct dentry *dir);
	int (*start)(struct sim_i2c_chip *chip, bool read);
	int (*write)(struct sim_i2c_chip *chip, u8 byte);
	u8 (*read)(struct sim_i2c_chip *chip);
	void (*stop)(struct sim_i2c_chip *chip);
};

/**
 * struct sim_i2c_file - the data of one of several debugfs files that
 *	share their callbacks
 * @chip: the chip
 * @which: which of the values the file is
 */
struct sim_i2c_file {
	struct sim_i2c_chip *chip;
	int which;
};

/**
 * struct sim_i2c_chip - one chip on the emulated bus
 * @lock: serialises the model against its debugfs files
 * @model: the chip's model
 * @bus: the bus it is on
 * @dev: the bus's device (devm allocations, messages)
 * @name: the devicetree node's name, e.g. "adc@48"
 * @addr: its 7-bit address
 * @gone: fault injection: the chip answers no address (as unplugged)
 * @nack: fault injection: it acknowledges its address but no data byte
 * @stuck: fault injection: every byte read is this one (-1: off)
 * @wire: the bus's interrupt line the chip's INT or ALERT output drives
 *	(-1: none)
 * @wire_low: that output is asserted (pulled low)
 * @faults: the debugfs files of @gone, @nack and @stuck
 * @priv: the model's state
 */
struct sim_i2c_chip {
	struct mutex lock;	/* see above */
	const struct sim_i2c_model *model;
	struct sim_i2c_bus *bus;
	struct device *dev;
	const char *name;
	u16 addr;
	bool gone;
	bool nack;
	int stuck;
	int wire;
	bool wire_low;
	struct sim_i2c_file faults[3];
	void *priv;
};

void sim_i2c_wire(struct sim_i2c_chip *chip, bool low);

extern const struct sim_i2c_model sim_i2c_ads1015_model;
extern const struct sim_i2c_model sim_i2c_at24c02_model;
extern const struct sim_i2c_model sim_i2c_pca9555_model;

#endif /* SMARTBMS_SIM_I2C_H */
