// SPDX-License-Identifier: GPL-2.0
/*
 * The reference idle cost, for `make bench`.  Test-only: never part of
 * the product.
 *
 * Loaded while the smartbms driver is unbound from the board, it takes
 * every analog channel and input line of the BMS node and reads them all
 * from a delayed work item at a fixed 10 Hz, as a plain polling driver
 * would, and does nothing with the values.  The bench counts its wake-ups
 * and CPU time with the same tracepoints as the driver's loop.
 */

#include <linux/array_size.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/iio/consumer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>

#define POLL_PERIOD_MS	100

static const char * const poll_chan_names[] = {
	"battery", "alternator", "system", "alternator-current",
	"system-current", "temperature", "reference",
};

static const char * const poll_line_names[] = {
	"charge-allowed", "discharge-allowed", "battery-prealarm", "remote",
	"short-circuit",
};

static struct platform_device *poll_pdev;
static struct iio_channel *poll_chan[ARRAY_SIZE(poll_chan_names)];
static struct gpio_desc *poll_line[ARRAY_SIZE(poll_line_names)];
static struct delayed_work poll_work;
static int poll_sink;

static void smartbms_bench_poll_work(struct work_struct *work)
{
	unsigned int i;
	int val, sum = 0;

	for (i = 0; i < ARRAY_SIZE(poll_chan); i++)
		if (poll_chan[i] && iio_read_channel_processed(poll_chan[i], &val) >= 0)
			sum += val;
	for (i = 0; i < ARRAY_SIZE(poll_line); i++)
		if (poll_line[i])
			sum += gpiod_get_value_cansleep(poll_line[i]);
	WRITE_ONCE(poll_sink, sum);
	schedule_delayed_work(&poll_work, msecs_to_jiffies(POLL_PERIOD_MS));
}

static void smartbms_bench_poll_put(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(poll_chan); i++)
		if (poll_chan[i])
			iio_channel_release(poll_chan[i]);
	for (i = 0; i < ARRAY_SIZE(poll_line); i++)
		if (poll_line[i])
			gpiod_put(poll_line[i]);
	put_device(&poll_pdev->dev);
}

static int __init smartbms_bench_poll_init(void)
{
	struct device_node *np;
	struct device *dev;
	unsigned int i;

	np = of_find_compatible_node(NULL, NULL, "victron,smart-bms-12-200");
	if (!np)
		return -ENODEV;
	poll_pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!poll_pdev)
		return -ENODEV;
	dev = &poll_pdev->dev;

	/* Whatever the board wires; a missing one is simply not read. */
	for (i = 0; i < ARRAY_SIZE(poll_chan); i++) {
		poll_chan[i] = iio_channel_get(dev, poll_chan_names[i]);
		if (IS_ERR(poll_chan[i]))
			poll_chan[i] = NULL;
	}
	for (i = 0; i < ARRAY_SIZE(poll_line); i++) {
		poll_line[i] = gpiod_get_optional(dev, poll_line_names[i], GPIOD_IN);
		if (IS_ERR(poll_line[i]))
			poll_line[i] = NULL;
	}

	INIT_DELAYED_WORK(&poll_work, smartbms_bench_poll_work);
	schedule_delayed_work(&poll_work, 0);
	return 0;
}
module_init(smartbms_bench_poll_init);

static void __exit smartbms_bench_poll_exit(void)
{
	cancel_delayed_work_sync(&poll_work);
	smartbms_bench_poll_put();
}
module_exit(smartbms_bench_poll_exit);

MODULE_DESCRIPTION("Fixed 10 Hz polling reference for the smartbms bench");
MODULE_LICENSE("GPL");
