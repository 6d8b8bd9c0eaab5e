// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the trip latency, for `make bench`.  Test-only: never part
 * of the product.
 *
 * A hard interrupt handler that writes one gate low and does nothing else:
 * the least a trip can cost on this machine.  It runs beside the bound
 * smartbms driver, so that the bench can give it and the driver edges in
 * turn, one each, and both meet the machine in the same moments.  For
 * that it needs lines of its own, as like the BMS's as can be: while the
 * module is loaded, an OF changeset adds to the live tree a one-line
 * gpio-simulator (the floor's input, as the BMS's inputs are), a one-line
 * simulated gate chip (tests/sim/smartbms-sim-gate.c, as the BMS's gates
 * are) and a "smartbms,bench-floor" node, which this module's platform
 * driver binds.  Its lines come from a GPIO lookup table, by the chips'
 * labels: a phandle added by a changeset after its node is not the node's
 * phandle (the node takes it when attached).  Unloading reverts the
 * changeset.
 *
 * The bench injects edges through tests/sim/smartbms-sim-storm.c into the
 * interrupt named "smartbms-bench-floor" and reads the same tracepoints
 * as for the driver.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/machine.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/mod_devicetable.h>
#include <linux/of.h>
#include <linux/platform_device.h>

#define FLOOR_NAME	"smartbms-bench-floor"

static struct of_changeset floor_ocs;
static struct device_node *floor_root;	/* the new nodes' parent */

/* The chips' labels: gpio-sim's is "<device>:<bank node>", sim-gate's its device's. */
static struct gpiod_lookup_table floor_lookup = {
	.dev_id = FLOOR_NAME,
	.table = {
		GPIO_LOOKUP(FLOOR_NAME "-in:bank", 0, "trip", GPIO_ACTIVE_HIGH),
		GPIO_LOOKUP(FLOOR_NAME "-gate", 0, "gate", GPIO_ACTIVE_HIGH),
		{ }
	},
};

static irqreturn_t smartbms_bench_floor_irq(int irq, void *gate)
{
	gpiod_set_value(gate, 0);
	return IRQ_HANDLED;
}

static int smartbms_bench_floor_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct gpio_desc *in, *gate;
	int irq;

	in = devm_gpiod_get(dev, "trip", GPIOD_IN);
	if (IS_ERR(in))
		return dev_err_probe(dev, PTR_ERR(in), "no trip line\n");
	gate = devm_gpiod_get(dev, "gate", GPIOD_OUT_HIGH);
	if (IS_ERR(gate))
		return dev_err_probe(dev, PTR_ERR(gate), "no gate\n");
	if (gpiod_cansleep(gate))
		return dev_err_probe(dev, -EINVAL, "the gate sleeps: not a hard interrupt floor\n");
	irq = gpiod_to_irq(in);
	if (irq < 0)
		return dev_err_probe(dev, irq, "no interrupt for the trip line\n");
	return devm_request_irq(dev, irq, smartbms_bench_floor_irq,
				IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING,
				FLOOR_NAME, gate);
}

static const struct of_device_id smartbms_bench_floor_of_match[] = {
	{ .compatible = "smartbms,bench-floor" },
	{ }
};
MODULE_DEVICE_TABLE(of, smartbms_bench_floor_of_match);

static struct platform_driver smartbms_bench_floor_driver = {
	.driver = {
		.name = FLOOR_NAME,
		.of_match_table = smartbms_bench_floor_of_match,
	},
	.probe = smartbms_bench_floor_probe,
};

/* A GPIO controller node of one line: a child of @parent named @name. */
static int smartbms_bench_floor_controller(struct device_node *parent, const char *name,
					   const char *compatible)
{
	struct device_node *np;
	int ret;

	np = of_changeset_create_node(&floor_ocs, parent, name);
	if (!np)
		return -ENOMEM;
	ret = compatible ? of_changeset_add_prop_string(&floor_ocs, np, "compatible",
							 compatible) : 0;
	if (!ret)
		ret = of_changeset_add_prop_bool(&floor_ocs, np, "gpio-controller");
	if (!ret)
		ret = of_changeset_add_prop_u32(&floor_ocs, np, "#gpio-cells", 2);
	if (!ret)
		ret = of_changeset_add_prop_u32(&floor_ocs, np, "ngpios", 1);
	of_node_put(np);
	return ret;
}

/* The nodes: the input chip (a bank of a gpio-simulator), the gate chip, the floor. */
static int smartbms_bench_floor_nodes(void)
{
	struct device_node *np;
	int ret;

	np = of_changeset_create_node(&floor_ocs, floor_root, FLOOR_NAME "-in");
	if (!np)
		return -ENOMEM;
	ret = of_changeset_add_prop_string(&floor_ocs, np, "compatible", "gpio-simulator");
	if (!ret)
		ret = smartbms_bench_floor_controller(np, "bank", NULL);
	of_node_put(np);
	if (!ret)
		ret = smartbms_bench_floor_controller(floor_root, FLOOR_NAME "-gate",
						      "smartbms,sim-gate");
	if (ret)
		return ret;

	np = of_changeset_create_node(&floor_ocs, floor_root, FLOOR_NAME);
	if (!np)
		return -ENOMEM;
	ret = of_changeset_add_prop_string(&floor_ocs, np, "compatible", "smartbms,bench-floor");
	of_node_put(np);
	return ret;
}

static int __init smartbms_bench_floor_init(void)
{
	int ret;

	gpiod_add_lookup_table(&floor_lookup);
	ret = platform_driver_register(&smartbms_bench_floor_driver);
	if (ret)
		goto err_lookup;

	floor_root = of_find_node_by_path("/");
	if (!floor_root) {
		ret = -ENODEV;
		goto err_driver;
	}
	of_changeset_init(&floor_ocs);
	ret = smartbms_bench_floor_nodes();
	if (!ret)
		ret = of_changeset_apply(&floor_ocs);
	if (ret)
		goto err_changeset;
	return 0;

err_changeset:
	of_changeset_destroy(&floor_ocs);
	of_node_put(floor_root);
err_driver:
	platform_driver_unregister(&smartbms_bench_floor_driver);
err_lookup:
	gpiod_remove_lookup_table(&floor_lookup);
	return ret;
}
module_init(smartbms_bench_floor_init);

static void __exit smartbms_bench_floor_exit(void)
{
	if (of_changeset_revert(&floor_ocs))
		pr_warn(FLOOR_NAME ": its nodes could not be removed\n");
	else
		of_changeset_destroy(&floor_ocs);
	of_node_put(floor_root);
	platform_driver_unregister(&smartbms_bench_floor_driver);
	gpiod_remove_lookup_table(&floor_lookup);
}
module_exit(smartbms_bench_floor_exit);

MODULE_DESCRIPTION("Trip latency floor for the smartbms bench");
MODULE_LICENSE("GPL");
