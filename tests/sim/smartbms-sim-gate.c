// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated gate outputs for the smartbms test bench.  Test-only: never
 * part of the product.
 *
 * gpio-sim lines sleep, so a board wired only to them never exercises the
 * driver's trip path in hard interrupt context.  This is a GPIO provider
 * whose lines never sleep: output-only, as many as the "ngpios" property
 * says, named by "gpio-line-names", their values kept under a raw spinlock
 * so that they may be written from any context.
 *
 * Userspace reads each line the way it reads a gpio-sim line, through one
 * directory per line on the platform device:
 *
 *   sim_gpioN/value		the level last written (0 or 1)
 *   sim_gpioN/writes		how many times the line was written
 *   sim_gpioN/irq_writes	how many of those were in hard interrupt context
 *
 * Writing a positive errno to the platform device's "fail" attribute makes
 * every line request (setting a line's direction, as a consumer's
 * gpiod_get() does) fail with that error; 0 restores them.  Writes to a
 * line cannot fail: a gpio_chip's set() has no error to return.
 *
 * Each write is traced (smartbms_sim_gate:smartbms_sim_gate_write) as it
 * reaches the lines: once for all the lines of a set_multiple().
 */

#include <linux/bitmap.h>
#include <linux/build_bug.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/gpio/driver.h>
#include <linux/kstrtox.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/preempt.h>
#include <linux/property.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/types.h>

#define CREATE_TRACE_POINTS
#include "smartbms_sim_gate_trace.h"

#define SMARTBMS_SIM_GATE_NGPIO_MAX	64
/* The tracepoint takes one word of mask and values. */
static_assert(SMARTBMS_SIM_GATE_NGPIO_MAX <= BITS_PER_LONG);

enum smartbms_sim_gate_file {
	SIM_GATE_VALUE,
	SIM_GATE_WRITES,
	SIM_GATE_IRQ_WRITES,
	SIM_GATE_NUM_FILES,
};

static const char * const smartbms_sim_gate_files[SIM_GATE_NUM_FILES] = {
	[SIM_GATE_VALUE]	= "value",
	[SIM_GATE_WRITES]	= "writes",
	[SIM_GATE_IRQ_WRITES]	= "irq_writes",
};

/**
 * struct smartbms_sim_gate_attr - one file of one line's directory
 * @dev_attr: the sysfs attribute
 * @offset: the line
 * @file: which file
 */
struct smartbms_sim_gate_attr {
	struct device_attribute dev_attr;
	unsigned int offset;
	enum smartbms_sim_gate_file file;
};

/**
 * struct smartbms_sim_gate_line - one line's sysfs directory
 * @group: the "sim_gpioN" attribute group
 * @attrs: its attributes, NULL terminated
 * @files: the files behind @attrs
 */
struct smartbms_sim_gate_line {
	struct attribute_group group;
	struct attribute *attrs[SIM_GATE_NUM_FILES + 1];
	struct smartbms_sim_gate_attr files[SIM_GATE_NUM_FILES];
};

/**
 * struct smartbms_sim_gate - the simulated gate chip
 * @gc: the GPIO chip
 * @lock: protects @values, @writes and @irq_writes; taken from any context
 * @values: the level of each line
 * @writes: per line, how many times it was written
 * @irq_writes: per line, how many writes were in hard interrupt context
 * @lines: per line, its sysfs directory
 * @error: the errno line requests fail with (0: they succeed)
 */
struct smartbms_sim_gate {
	struct gpio_chip gc;
	raw_spinlock_t lock;
	DECLARE_BITMAP(values, SMARTBMS_SIM_GATE_NGPIO_MAX);
	u64 writes[SMARTBMS_SIM_GATE_NGPIO_MAX];
	u64 irq_writes[SMARTBMS_SIM_GATE_NGPIO_MAX];
	struct smartbms_sim_gate_line *lines;
	int error;
};

/* Under @lock. */
static void smartbms_sim_gate_write_locked(struct smartbms_sim_gate *sg,
					   unsigned int offset, int value)
{
	__assign_bit(offset, sg->values, value);
	sg->writes[offset]++;
	if (in_hardirq())
		sg->irq_writes[offset]++;
}

static int smartbms_sim_gate_get_direction(struct gpio_chip *gc,
					   unsigned int offset)
{
	return GPIO_LINE_DIRECTION_OUT;
}

static int smartbms_sim_gate_get(struct gpio_chip *gc, unsigned int offset)
{
	struct smartbms_sim_gate *sg = gpiochip_get_data(gc);
	int value = 0;

	/* scoped_guard, not guard: sparse follows its context. */
	scoped_guard(raw_spinlock_irqsave, &sg->lock)
		value = test_bit(offset, sg->values);
	return value;
}

static int smartbms_sim_gate_get_multiple(struct gpio_chip *gc,
					  unsigned long *mask,
					  unsigned long *bits)
{
	struct smartbms_sim_gate *sg = gpiochip_get_data(gc);

	scoped_guard(raw_spinlock_irqsave, &sg->lock)
		bitmap_replace(bits, bits, sg->values, mask, gc->ngpio);
	return 0;
}

static void smartbms_sim_gate_set(struct gpio_chip *gc, unsigned int offset,
				  int value)
{
	struct smartbms_sim_gate *sg = gpiochip_get_data(gc);

	scoped_guard(raw_spinlock_irqsave, &sg->lock) {
		smartbms_sim_gate_write_locked(sg, offset, value);
		trace_smartbms_sim_gate_write(gc, BIT(offset),
					      value ? BIT(offset) : 0);
	}
}

static void smartbms_sim_gate_set_multiple(struct gpio_chip *gc,
					   unsigned long *mask,
					   unsigned long *bits)
{
	struct smartbms_sim_gate *sg = gpiochip_get_data(gc);
	unsigned int offset;

	scoped_guard(raw_spinlock_irqsave, &sg->lock) {
		for_each_set_bit(offset, mask, gc->ngpio)
			smartbms_sim_gate_write_locked(sg, offset, test_bit(offset, bits));
		trace_smartbms_sim_gate_write(gc, *mask, *bits & *mask);
	}
}

/* The lines are wired to gates: never inputs. */
static int smartbms_sim_gate_direction_input(struct gpio_chip *gc,
					     unsigned int offset)
{
	return -EPERM;
}

static int smartbms_sim_gate_direction_output(struct gpio_chip *gc,
					      unsigned int offset, int value)
{
	struct smartbms_sim_gate *sg = gpiochip_get_data(gc);
	int err = READ_ONCE(sg->error);

	if (err)
		return -err;
	smartbms_sim_gate_set(gc, offset, value);
	return 0;
}

static ssize_t fail_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct smartbms_sim_gate *sg = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(sg->error));
}

static ssize_t fail_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct smartbms_sim_gate *sg = dev_get_drvdata(dev);
	unsigned int err;
	int ret;

	ret = kstrtouint(buf, 0, &err);
	if (ret)
		return ret;
	if (err >= MAX_ERRNO)
		return -EINVAL;
	WRITE_ONCE(sg->error, err);
	return count;
}
static DEVICE_ATTR_RW(fail);

static struct attribute *smartbms_sim_gate_attrs[] = {
	&dev_attr_fail.attr,
	NULL
};
ATTRIBUTE_GROUPS(smartbms_sim_gate);

static ssize_t smartbms_sim_gate_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct smartbms_sim_gate_attr *a =
		container_of(attr, struct smartbms_sim_gate_attr, dev_attr);
	struct smartbms_sim_gate *sg = dev_get_drvdata(dev);
	u64 val;

	scoped_guard(raw_spinlock_irqsave, &sg->lock) {
		switch (a->file) {
		case SIM_GATE_VALUE:
			val = test_bit(a->offset, sg->values);
			break;
		case SIM_GATE_WRITES:
			val = sg->writes[a->offset];
			break;
		default:
			val = sg->irq_writes[a->offset];
			break;
		}
	}
	return sysfs_emit(buf, "%llu\n", val);
}

/* One read-only "sim_gpioN" directory per line, as gpio-sim has. */
static int smartbms_sim_gate_add_sysfs(struct device *dev,
				       struct smartbms_sim_gate *sg)
{
	unsigned int i, f;
	int ret;

	sg->lines = devm_kcalloc(dev, sg->gc.ngpio, sizeof(*sg->lines), GFP_KERNEL);
	if (!sg->lines)
		return -ENOMEM;

	for (i = 0; i < sg->gc.ngpio; i++) {
		struct smartbms_sim_gate_line *line = &sg->lines[i];

		line->group.name = devm_kasprintf(dev, GFP_KERNEL, "sim_gpio%u", i);
		if (!line->group.name)
			return -ENOMEM;

		for (f = 0; f < SIM_GATE_NUM_FILES; f++) {
			struct smartbms_sim_gate_attr *a = &line->files[f];

			sysfs_attr_init(&a->dev_attr.attr);
			a->dev_attr.attr.name = smartbms_sim_gate_files[f];
			a->dev_attr.attr.mode = 0444;
			a->dev_attr.show = smartbms_sim_gate_show;
			a->offset = i;
			a->file = f;
			line->attrs[f] = &a->dev_attr.attr;
		}
		line->group.attrs = line->attrs;

		ret = devm_device_add_group(dev, &line->group);
		if (ret)
			return dev_err_probe(dev, ret, "failed to add %s\n",
					     line->group.name);
	}
	return 0;
}

static int smartbms_sim_gate_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct smartbms_sim_gate *sg;
	u32 ngpio;
	int ret;

	ret = device_property_read_u32(dev, "ngpios", &ngpio);
	if (ret)
		return dev_err_probe(dev, ret, "failed to read ngpios\n");
	if (!ngpio || ngpio > SMARTBMS_SIM_GATE_NGPIO_MAX)
		return dev_err_probe(dev, -EINVAL, "ngpios %u out of range 1..%u\n",
				     ngpio, SMARTBMS_SIM_GATE_NGPIO_MAX);

	sg = devm_kzalloc(dev, sizeof(*sg), GFP_KERNEL);
	if (!sg)
		return -ENOMEM;

	raw_spin_lock_init(&sg->lock);
	platform_set_drvdata(pdev, sg);

	sg->gc = (struct gpio_chip) {
		.label = dev_name(dev),
		.parent = dev,
		.owner = THIS_MODULE,
		.base = -1,
		.ngpio = ngpio,
		.can_sleep = false,
		.get_direction = smartbms_sim_gate_get_direction,
		.direction_input = smartbms_sim_gate_direction_input,
		.direction_output = smartbms_sim_gate_direction_output,
		.get = smartbms_sim_gate_get,
		.get_multiple = smartbms_sim_gate_get_multiple,
		.set = smartbms_sim_gate_set,
		.set_multiple = smartbms_sim_gate_set_multiple,
	};

	ret = smartbms_sim_gate_add_sysfs(dev, sg);
	if (ret)
		return ret;

	ret = devm_gpiochip_add_data(dev, &sg->gc, sg);
	if (ret)
		return dev_err_probe(dev, ret, "failed to add the GPIO chip\n");
	return 0;
}

static const struct of_device_id smartbms_sim_gate_of_match[] = {
	{ .compatible = "smartbms,sim-gate" },
	{ }
};
MODULE_DEVICE_TABLE(of, smartbms_sim_gate_of_match);

static struct platform_driver smartbms_sim_gate_driver = {
	.probe = smartbms_sim_gate_probe,
	.driver = {
		.name = "smartbms-sim-gate",
		.of_match_table = smartbms_sim_gate_of_match,
		.dev_groups = smartbms_sim_gate_groups,
	},
};
module_platform_driver(smartbms_sim_gate_driver);

MODULE_DESCRIPTION("smartbms test bench: simulated gate outputs that never sleep");
MODULE_LICENSE("GPL");
