// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the trip latency, for `make bench`.  Test-only: never part
 * of the product.
 *
 * Loaded while the smartbms driver is unbound from the board, it takes the
 * BMS node's input line named by the "line" parameter and the gate named
 * by "gate", and requests the line's interrupt with a hard handler that
 * writes that one gate low and does nothing else: the least a trip can
 * cost on this machine.  The bench injects the same edges into it as into
 * the driver (tests/sim/smartbms-sim-storm.c) and reads the same
 * tracepoints.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>

static char *line = "charge-allowed";
module_param(line, charp, 0444);
MODULE_PARM_DESC(line, "the BMS input line whose interrupt is taken");

static char *gate = "system-charge-enable";
module_param(gate, charp, 0444);
MODULE_PARM_DESC(gate, "the BMS output the handler writes");

static struct platform_device *floor_pdev;
static struct gpio_desc *floor_in;
static struct gpio_desc *floor_gate;
static int floor_irq;

static irqreturn_t smartbms_bench_floor_irq(int irq, void *data)
{
	gpiod_set_value(data, 0);
	return IRQ_HANDLED;
}

static void smartbms_bench_floor_put(void)
{
	if (!IS_ERR_OR_NULL(floor_gate))
		gpiod_put(floor_gate);
	if (!IS_ERR_OR_NULL(floor_in))
		gpiod_put(floor_in);
	if (floor_pdev)
		put_device(&floor_pdev->dev);
}

static int __init smartbms_bench_floor_init(void)
{
	struct device_node *np;
	struct device *dev;
	int ret;

	np = of_find_compatible_node(NULL, NULL, "victron,smart-bms-12-200");
	if (!np)
		return -ENODEV;
	floor_pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!floor_pdev)
		return -ENODEV;
	dev = &floor_pdev->dev;

	floor_in = gpiod_get(dev, line, GPIOD_IN);
	if (IS_ERR(floor_in)) {
		ret = PTR_ERR(floor_in);
		goto err;
	}
	floor_gate = gpiod_get(dev, gate, GPIOD_OUT_HIGH);
	if (IS_ERR(floor_gate)) {
		ret = PTR_ERR(floor_gate);
		goto err;
	}
	if (gpiod_cansleep(floor_gate)) {
		ret = -EINVAL;	/* the floor of a hard interrupt trip */
		goto err;
	}
	floor_irq = gpiod_to_irq(floor_in);
	if (floor_irq < 0) {
		ret = floor_irq;
		goto err;
	}
	ret = request_irq(floor_irq, smartbms_bench_floor_irq,
			  IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING,
			  "smartbms-bench-floor", floor_gate);
	if (ret)
		goto err;
	return 0;

err:
	smartbms_bench_floor_put();
	return ret;
}
module_init(smartbms_bench_floor_init);

static void __exit smartbms_bench_floor_exit(void)
{
	free_irq(floor_irq, floor_gate);
	smartbms_bench_floor_put();
}
module_exit(smartbms_bench_floor_exit);

MODULE_DESCRIPTION("Trip latency floor for the smartbms bench");
MODULE_LICENSE("GPL");
