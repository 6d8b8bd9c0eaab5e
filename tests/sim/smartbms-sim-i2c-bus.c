// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated I2C bus for the smartbms test bench.  Test-only: never part of
 * the product.
 *
 * A devicetree-bound platform device ("smartbms,sim-i2c") that registers an
 * i2c_adapter.  Its child nodes are ordinary I2C client nodes: the i2c core
 * creates a client for each, which its mainline driver (ti-ads1015, at24,
 * pca953x) probes, and this bus puts a register-level model of the chip
 * (smartbms-sim-i2c-*.c, chosen by the node's compatible) behind the
 * address.  A transfer is played to the models as the chips would see it on
 * the wire (I2C-bus specification, NXP UM10204 rev. 7, 3.1): each message
 * a START (the first) or repeated START with the address byte, then its data
 * bytes, and one STOP after the last message.  An address no chip
 * acknowledges ends the transfer with -ENXIO, a data byte a chip does not
 * acknowledge with -EIO, as the i2c fault codes document
 * (Documentation/i2c/fault-codes.rst).  The transfer takes the time its
 * bits take at the node's clock-frequency (9 clocks a byte, UM10204 3.1.5).
 *
 * The bus is also an interrupt controller ("interrupt-controller",
 * #interrupt-cells = <1>): a chip node's "interrupts = <N>" is the wire
 * its open-drain INT or ALERT output pulls low, and the consumer (the
 * chip's driver) sees an interrupt on each falling edge of that wire.  The
 * kernel's irq_sim provides the interrupts; it has edge types only, which
 * for an output that stays low until it is served is what a level
 * interrupt would deliver.
 *
 * Fault injection, per chip, in debugfs
 * (/sys/kernel/debug/smartbms-sim-i2c/<bus>/<node>/):
 *   gone	1: the chip acknowledges no address, as if unplugged
 *   nack	1: it acknowledges its address but no byte written to it
 *   stuck	0-255: every byte read from it is this value; -1: off
 * plus the model's own files (see each model).
 */

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/i2c.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_sim.h>
#include <linux/irqdomain.h>
#include <linux/kstrtox.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/property.h>

#include "smartbms-sim-i2c.h"

#define SIM_I2C_MAX_CHIPS	8
#define SIM_I2C_MAX_WIRES	8

static const struct sim_i2c_model *const sim_i2c_models[] = {
	&sim_i2c_ads1015_model,
	&sim_i2c_at24c02_model,
	&sim_i2c_pca9555_model,
};

/**
 * struct sim_i2c_bus - the emulated bus
 * @adap: the adapter the i2c core sees
 * @dev: the platform device
 * @hz: the bus clock (clock-frequency)
 * @domain: the interrupts of the chips' output wires, or NULL
 * @debugfs: the bus's debugfs directory
 * @nchips: how many entries of @chips are used
 * @chips: the chips, each behind its address
 */
struct sim_i2c_bus {
	struct i2c_adapter adap;
	struct device *dev;
	u32 hz;
	struct irq_domain *domain;
	struct dentry *debugfs;
	unsigned int nchips;
	struct sim_i2c_chip chips[SIM_I2C_MAX_CHIPS];
};

static struct dentry *sim_i2c_debugfs_root;

/**
 * sim_i2c_wire() - drive a chip's open-drain interrupt output
 * @chip: the chip
 * @low: asserted (pulled low)
 *
 * A falling edge raises the wire's interrupt.  Called with @chip->lock
 * held; the interrupt is delivered from irq_work, never inside the model.
 */
void sim_i2c_wire(struct sim_i2c_chip *chip, bool low)
{
	struct sim_i2c_bus *bus = chip->bus;
	bool fall = low && !chip->wire_low;
	unsigned int virq;

	chip->wire_low = low;
	if (!fall || chip->wire < 0 || !bus->domain)
		return;
	virq = irq_find_mapping(bus->domain, chip->wire);
	if (virq)
		irq_set_irqchip_state(virq, IRQCHIP_STATE_PENDING, true);
}

static struct sim_i2c_chip *sim_i2c_find(struct sim_i2c_bus *bus, u16 addr)
{
	unsigned int i;

	for (i = 0; i < bus->nchips; i++)
		if (bus->chips[i].addr == addr)
			return &bus->chips[i];
	return NULL;
}

/* One message: START (or repeated START), address, data. */
static int sim_i2c_msg(struct sim_i2c_chip *chip, struct i2c_msg *msg)
{
	bool read = msg->flags & I2C_M_RD;
	int ret;
	u16 i;

	guard(mutex)(&chip->lock);
	if (chip->gone)
		return -ENXIO;
	ret = chip->model->start(chip, read);
	if (ret)
		return ret;
	for (i = 0; i < msg->len; i++) {
		if (read) {
			msg->buf[i] = chip->model->read(chip);
			if (chip->stuck >= 0)
				msg->buf[i] = chip->stuck;
		} else {
			if (chip->nack)
				return -EIO;
			ret = chip->model->write(chip, msg->buf[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int sim_i2c_xfer(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	struct sim_i2c_bus *bus = i2c_get_adapdata(adap);
	struct sim_i2c_chip *seen[SIM_I2C_MAX_CHIPS] = { };
	unsigned long bits = 0;
	unsigned int nseen = 0, j;
	int i, ret = 0;

	for (i = 0; i < num; i++)
		bits += 9UL * (1 + msgs[i].len);
	/* START, the bytes with their acknowledge bits, STOP. */
	fsleep(DIV_ROUND_UP(bits * USEC_PER_SEC, bus->hz));

	for (i = 0; i < num && !ret; i++) {
		struct sim_i2c_chip *chip = sim_i2c_find(bus, msgs[i].addr);

		if (msgs[i].flags & I2C_M_TEN || !chip) {
			ret = -ENXIO;
			break;
		}
		for (j = 0; j < nseen && seen[j] != chip; j++)
			;
		if (j == nseen)
			seen[nseen++] = chip;
		ret = sim_i2c_msg(chip, &msgs[i]);
	}

	/* The STOP every chip on the bus sees, the ones addressed act on. */
	for (j = 0; j < nseen; j++) {
		if (!seen[j]->model->stop)
			continue;
		guard(mutex)(&seen[j]->lock);
		seen[j]->model->stop(seen[j]);
	}
	return ret ?: num;
}

static u32 sim_i2c_func(struct i2c_adapter *adap)
{
	return I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL;
}

static const struct i2c_algorithm sim_i2c_algo = {
	.xfer = sim_i2c_xfer,
	.functionality = sim_i2c_func,
};

/* debugfs: gone, nack (0/1) and stuck (-1 or a byte), under the chip's lock. */
static int sim_i2c_fault_get(void *data, u64 *val)
{
	struct sim_i2c_file *file = data;
	struct sim_i2c_chip *chip = file->chip;

	guard(mutex)(&chip->lock);
	switch (file->which) {
	case 0:
		*val = chip->gone;
		break;
	case 1:
		*val = chip->nack;
		break;
	default:
		*val = (s64)chip->stuck;
		break;
	}
	return 0;
}

static int sim_i2c_fault_set(void *data, u64 val)
{
	struct sim_i2c_file *file = data;
	struct sim_i2c_chip *chip = file->chip;
	s64 v = val;

	if (file->which < 2 ? (v != 0 && v != 1) : (v < -1 || v > 255))
		return -EINVAL;
	guard(mutex)(&chip->lock);
	switch (file->which) {
	case 0:
		chip->gone = v;
		break;
	case 1:
		chip->nack = v;
		break;
	default:
		chip->stuck = v;
		break;
	}
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(sim_i2c_fault_fops, sim_i2c_fault_get,
				sim_i2c_fault_set, "%lld\n");

static const char *const sim_i2c_fault_names[] = { "gone", "nack", "stuck" };

static const struct sim_i2c_model *sim_i2c_model_for(struct device_node *np)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sim_i2c_models); i++)
		if (of_device_is_compatible(np, sim_i2c_models[i]->compatible))
			return sim_i2c_models[i];
	return NULL;
}

static int sim_i2c_add_chip(struct sim_i2c_bus *bus, struct device_node *np)
{
	struct sim_i2c_chip *chip;
	struct dentry *dir;
	u32 addr, wire;
	unsigned int i;
	int ret;

	if (bus->nchips == SIM_I2C_MAX_CHIPS)
		return dev_err_probe(bus->dev, -ENOSPC, "%pOF: too many chips\n", np);
	ret = of_property_read_u32(np, "reg", &addr);
	if (ret || addr > 0x7f)
		return dev_err_probe(bus->dev, -EINVAL, "%pOF: no 7-bit address\n", np);
	if (sim_i2c_find(bus, addr))
		return dev_err_probe(bus->dev, -EBUSY, "%pOF: address 0x%02x taken\n",
				     np, addr);

	chip = &bus->chips[bus->nchips];
	chip->model = sim_i2c_model_for(np);
	if (!chip->model)
		return dev_err_probe(bus->dev, -ENODEV, "%pOF: no model of this chip\n", np);
	mutex_init(&chip->lock);
	chip->bus = bus;
	chip->dev = bus->dev;
	chip->name = devm_kasprintf(bus->dev, GFP_KERNEL, "%pOFn@%x", np, addr);
	if (!chip->name)
		return -ENOMEM;
	chip->addr = addr;
	chip->stuck = -1;
	chip->wire = -1;
	if (bus->domain && !of_property_read_u32(np, "interrupts", &wire)) {
		if (wire >= SIM_I2C_MAX_WIRES)
			return dev_err_probe(bus->dev, -EINVAL, "%pOF: no wire %u\n", np, wire);
		chip->wire = wire;
	}

	dir = debugfs_create_dir(chip->name, bus->debugfs);
	for (i = 0; i < ARRAY_SIZE(chip->faults); i++) {
		chip->faults[i].chip = chip;
		chip->faults[i].which = i;
		debugfs_create_file_unsafe(sim_i2c_fault_names[i], 0600, dir,
					   &chip->faults[i], &sim_i2c_fault_fops);
	}
	ret = chip->model->init(chip, dir);
	if (ret)
		return dev_err_probe(bus->dev, ret, "%pOF: model init\n", np);
	bus->nchips++;
	return 0;
}

static void sim_i2c_remove_debugfs(void *data)
{
	debugfs_remove_recursive(data);
}

static int sim_i2c_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct sim_i2c_bus *bus;
	int ret;

	bus = devm_kzalloc(dev, sizeof(*bus), GFP_KERNEL);
	if (!bus)
		return -ENOMEM;
	bus->dev = dev;
	bus->hz = I2C_MAX_STANDARD_MODE_FREQ;
	device_property_read_u32(dev, "clock-frequency", &bus->hz);
	if (!bus->hz || bus->hz > I2C_MAX_FAST_MODE_PLUS_FREQ)
		return dev_err_probe(dev, -EINVAL, "clock-frequency %u out of range\n",
				     bus->hz);

	if (device_property_read_bool(dev, "interrupt-controller")) {
		bus->domain = devm_irq_domain_create_sim(dev, dev_fwnode(dev),
							 SIM_I2C_MAX_WIRES);
		if (IS_ERR(bus->domain))
			return dev_err_probe(dev, PTR_ERR(bus->domain), "interrupt wires\n");
	}

	/* Removed before the chips' state, which devm frees after it. */
	bus->debugfs = debugfs_create_dir(dev_name(dev), sim_i2c_debugfs_root);
	for_each_available_child_of_node_scoped(dev->of_node, np) {
		ret = sim_i2c_add_chip(bus, np);
		if (ret) {
			debugfs_remove_recursive(bus->debugfs);
			return ret;
		}
	}
	ret = devm_add_action_or_reset(dev, sim_i2c_remove_debugfs, bus->debugfs);
	if (ret)
		return ret;

	bus->adap.owner = THIS_MODULE;
	bus->adap.algo = &sim_i2c_algo;
	bus->adap.dev.parent = dev;
	bus->adap.dev.of_node = dev->of_node;
	strscpy(bus->adap.name, "smartbms-sim-i2c", sizeof(bus->adap.name));
	i2c_set_adapdata(&bus->adap, bus);
	return devm_i2c_add_adapter(dev, &bus->adap);
}

static const struct of_device_id sim_i2c_of_match[] = {
	{ .compatible = "smartbms,sim-i2c" },
	{ }
};
MODULE_DEVICE_TABLE(of, sim_i2c_of_match);

static struct platform_driver sim_i2c_driver = {
	.probe = sim_i2c_probe,
	.driver = {
		.name = "smartbms-sim-i2c",
		.of_match_table = sim_i2c_of_match,
	},
};

static int __init sim_i2c_init(void)
{
	int ret;

	sim_i2c_debugfs_root = debugfs_create_dir("smartbms-sim-i2c", NULL);
	ret = platform_driver_register(&sim_i2c_driver);
	if (ret)
		debugfs_remove_recursive(sim_i2c_debugfs_root);
	return ret;
}
module_init(sim_i2c_init);

static void __exit sim_i2c_exit(void)
{
	platform_driver_unregister(&sim_i2c_driver);
	debugfs_remove_recursive(sim_i2c_debugfs_root);
}
module_exit(sim_i2c_exit);

MODULE_DESCRIPTION("Emulated I2C bus and chip models for the smartbms test bench");
MODULE_LICENSE("GPL");
