// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit integration suite for the smartbms driver's probe and unbind.
 *
 * It builds BMS devicetree nodes at run time (OF changesets) on the test
 * fixtures of the simulated board (tests/board/smartbms-board.dts): a
 * gpio-simulator bank with one BMS's worth of lines, a second one that is
 * disabled (a provider that is not there yet), and the board's simulated
 * ADC.  Applying a changeset creates the platform device and the real
 * smartbms driver, already loaded, probes it.  Reverting it removes the
 * device, so every case leaves the board as it found it.
 *
 * What a case sees is what a user sees: whether the device is bound, the
 * kernel log and the GPIO lines.  The
 * values the driver drives on its gates are recorded from the gpio_value
 * tracepoint, because gpio-sim returns a line to its pull when it is
 * released: reading a gate after unbind alone cannot tell a driver that
 * wrote the safe state from one that did not.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/iio/consumer.h>
#include <linux/kmsg_dump.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/power_supply.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <dt-bindings/gpio/gpio.h>

#define SMARTBMS_PT_COMPATIBLE	"victron,smart-bms-12-200"
#define SMARTBMS_PT_NUM_LINES	11
#define SMARTBMS_PT_FIRST_GATE	5
#define SMARTBMS_PT_NUM_GATES	6
#define SMARTBMS_PT_LOG_LINE	1024

/**
 * struct smartbms_pt_line - a GPIO line of a suite BMS
 * @name: the property is <name>-gpios
 * @offset: the line on the fixture bank
 * @flags: devicetree flags; the pulls put the inputs at rest ("allowed")
 */
struct smartbms_pt_line {
	const char *name;
	u32 offset;
	u32 flags;
};

static const struct smartbms_pt_line smartbms_pt_lines[SMARTBMS_PT_NUM_LINES] = {
	{ "charge-allowed",		0, GPIO_ACTIVE_HIGH | GPIO_PULL_UP },
	{ "discharge-allowed",		1, GPIO_ACTIVE_HIGH | GPIO_PULL_UP },
	{ "battery-prealarm",		2, GPIO_ACTIVE_HIGH | GPIO_PULL_DOWN },
	{ "remote",			3, GPIO_ACTIVE_HIGH | GPIO_PULL_UP },
	/* As on the board: an open-drain comparator, active low. */
	{ "short-circuit",		4, GPIO_ACTIVE_LOW | GPIO_PULL_UP },
	{ "alternator-enable",		5, GPIO_ACTIVE_HIGH },
	{ "system-charge-enable",	6, GPIO_ACTIVE_HIGH },
	{ "system-discharge-enable",	7, GPIO_ACTIVE_HIGH },
	{ "load-disconnect",		8, GPIO_ACTIVE_HIGH },
	{ "charge-disconnect",		9, GPIO_ACTIVE_HIGH },
	{ "prealarm",			10, GPIO_ACTIVE_HIGH },
};

/**
 * struct smartbms_pt_chan - an analog channel of a suite BMS
 * @name: its io-channel-names entry
 * @index: the simulated ADC's channel (as the board BMS uses it)
 * @rest: the raw value of a van at rest (uV, uA or m degC)
 */
struct smartbms_pt_chan {
	const char *name;
	u32 index;
	int rest;
};

static const struct smartbms_pt_chan smartbms_pt_chans[] = {
	{ "battery",		0, 13200000 },
	{ "alternator",		1, 12600000 },
	{ "system",		2, 13200000 },
	{ "alternator-current",	4, 0 },
	{ "temperature",	6, 25000 },
	{ "system-current",	5, 0 },
	{ "reference",		3, 2500000 },
};

#define SMARTBMS_PT_NUM_CHANS	ARRAY_SIZE(smartbms_pt_chans)

/**
 * enum smartbms_pt_kind - what a case leaves out of the node
 * @SMARTBMS_PT_NOTHING: nothing
 * @SMARTBMS_PT_GPIO: one <name>-gpios property
 * @SMARTBMS_PT_CHANNEL: one channel (its name and its io-channels entry)
 * @SMARTBMS_PT_IO_CHANNELS: the io-channels property (names stay)
 */
enum smartbms_pt_kind {
	SMARTBMS_PT_NOTHING,
	SMARTBMS_PT_GPIO,
	SMARTBMS_PT_CHANNEL,
	SMARTBMS_PT_IO_CHANNELS,
};

/**
 * struct smartbms_pt_omit - one parameter of the missing-property case
 * @desc: the parameter's name, the property left out
 * @kind: what is left out
 * @name: the line or channel left out
 * @message: what the driver must log, naming it; NULL: optional, it binds
 * @fuse: a victron,fuse-rating to add, or NULL
 */
struct smartbms_pt_omit {
	const char *desc;
	enum smartbms_pt_kind kind;
	const char *name;
	const char *message;
	const char *fuse;
};

/**
 * struct smartbms_pt_bms - a BMS node the suite added
 * @test: the case
 * @ocs: the changeset that added it
 * @np: the node, or NULL once removed
 */
struct smartbms_pt_bms {
	struct kunit *test;
	struct of_changeset ocs;
	struct device_node *np;
};

/**
 * struct smartbms_pt_status - a status change of a fixture node
 * @ocs: the changeset
 * @applied: whether it is in force
 */
struct smartbms_pt_status {
	struct of_changeset ocs;
	bool applied;
};

/**
 * struct smartbms_pt_gates - the values a driver drives on the gates
 * @base: the global number of the bank's first line
 * @last: the last value driven on each gate (-1: none yet)
 * @writes: how many values were driven on each gate
 */
struct smartbms_pt_gates {
	unsigned int base;
	int last[SMARTBMS_PT_NUM_GATES];
	unsigned int writes[SMARTBMS_PT_NUM_GATES];
};

/**
 * struct smartbms_pt_ctx - what every case starts from
 * @root: the devicetree's root, where BMS nodes go
 * @fixtures: the board's /smartbms-kunit node
 * @lines: the fixture bank
 * @late_lines: the fixture bank of the disabled provider
 * @adc: the simulated ADC
 */
struct smartbms_pt_ctx {
	struct device_node *root;
	struct device_node *fixtures;
	struct device_node *lines;
	struct device_node *late_lines;
	struct device_node *adc;
};

KUNIT_DEFINE_ACTION_WRAPPER(smartbms_pt_node_put, of_node_put, struct device_node *);
KUNIT_DEFINE_ACTION_WRAPPER(smartbms_pt_put_device, put_device, struct device *);
KUNIT_DEFINE_ACTION_WRAPPER(smartbms_pt_gpio_device_put, gpio_device_put, struct gpio_device *);

/* ---- devicetree nodes ---------------------------------------------------- */

static void smartbms_pt_bms_remove(void *data)
{
	struct smartbms_pt_bms *bms = data;

	if (!bms->np)
		return;
	/* Removes the platform device, unbinding the driver first. */
	KUNIT_EXPECT_EQ(bms->test, of_changeset_revert(&bms->ocs), 0);
	of_changeset_destroy(&bms->ocs);
	of_node_put(bms->np);
	bms->np = NULL;
}

static int smartbms_pt_add_gpios(struct smartbms_pt_bms *bms, struct device_node *lines,
				 const struct smartbms_pt_omit *omit)
{
	unsigned int i;
	char prop[40];
	int ret;

	for (i = 0; i < SMARTBMS_PT_NUM_LINES; i++) {
		const struct smartbms_pt_line *l = &smartbms_pt_lines[i];
		u32 cells[] = { lines->phandle, l->offset, l->flags };

		if (omit->kind == SMARTBMS_PT_GPIO && !strcmp(omit->name, l->name))
			continue;
		snprintf(prop, sizeof(prop), "%s-gpios", l->name);
		ret = of_changeset_add_prop_u32_array(&bms->ocs, bms->np, prop, cells,
						      ARRAY_SIZE(cells));
		if (ret)
			return ret;
	}
	return 0;
}

static int smartbms_pt_add_channels(struct smartbms_pt_bms *bms, struct device_node *adc,
				    const struct smartbms_pt_omit *omit)
{
	const char *names[SMARTBMS_PT_NUM_CHANS];
	u32 cells[2 * SMARTBMS_PT_NUM_CHANS];
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < SMARTBMS_PT_NUM_CHANS; i++) {
		if (omit->kind == SMARTBMS_PT_CHANNEL &&
		    !strcmp(omit->name, smartbms_pt_chans[i].name))
			continue;
		names[n] = smartbms_pt_chans[i].name;
		cells[2 * n] = adc->phandle;
		cells[2 * n + 1] = smartbms_pt_chans[i].index;
		n++;
	}

	if (omit->kind != SMARTBMS_PT_IO_CHANNELS) {
		ret = of_changeset_add_prop_u32_array(&bms->ocs, bms->np, "io-channels",
						      cells, 2 * n);
		if (ret)
			return ret;
	}
	return of_changeset_add_prop_string_array(&bms->ocs, bms->np, "io-channel-names",
						  names, n);
}

/*
 * Add a BMS node @name whose lines are on @lines, complete but for what
 * @omit says, and let the driver probe it.  Removed when the case ends.
 */
static struct smartbms_pt_bms *smartbms_pt_bms_add(struct kunit *test, const char *name,
						   struct device_node *lines,
						   const struct smartbms_pt_omit *omit)
{
	struct smartbms_pt_ctx *ctx = test->priv;
	struct smartbms_pt_bms *bms;
	int ret;

	bms = kunit_kzalloc(test, sizeof(*bms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bms);
	bms->test = test;

	of_changeset_init(&bms->ocs);
	bms->np = of_changeset_create_node(&bms->ocs, ctx->root, name);
	if (!bms->np) {
		of_changeset_destroy(&bms->ocs);
		KUNIT_FAIL_AND_ABORT(test, "cannot create the node %s\n", name);
	}

	ret = of_changeset_add_prop_string(&bms->ocs, bms->np, "compatible",
					   SMARTBMS_PT_COMPATIBLE);
	if (!ret && omit->fuse)
		ret = of_changeset_add_prop_string(&bms->ocs, bms->np, "victron,fuse-rating",
						   omit->fuse);
	if (!ret)
		ret = smartbms_pt_add_gpios(bms, lines, omit);
	if (!ret)
		ret = smartbms_pt_add_channels(bms, ctx->adc, omit);
	if (!ret)
		ret = of_changeset_apply(&bms->ocs);
	if (ret) {
		of_changeset_destroy(&bms->ocs);
		of_node_put(bms->np);
		KUNIT_FAIL_AND_ABORT(test, "cannot add the node %s: %d\n", name, ret);
	}

	ret = kunit_add_action_or_reset(test, smartbms_pt_bms_remove, bms);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* The probe ran from the notifier; anything deferred settles here. */
	wait_for_device_probe();
	return bms;
}

/* The platform device of a BMS node; the reference is dropped at the end. */
static struct device *smartbms_pt_device(struct kunit *test, struct smartbms_pt_bms *bms)
{
	struct platform_device *pdev = of_find_device_by_node(bms->np);

	KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "no platform device for %pOF", bms->np);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_put_device,
							&pdev->dev), 0);
	return &pdev->dev;
}

static void smartbms_pt_status_revert(void *data)
{
	struct smartbms_pt_status *st = data;

	if (st->applied)
		of_changeset_revert(&st->ocs);
	of_changeset_destroy(&st->ocs);
}

/* Set @np's status; the change is reverted when the case ends. */
static int smartbms_pt_set_status(struct smartbms_pt_status *st, struct device_node *np,
				  const char *status)
{
	struct property *prop;
	int ret;

	prop = kzalloc(sizeof(*prop), GFP_KERNEL);
	if (!prop)
		return -ENOMEM;
	prop->name = kstrdup("status", GFP_KERNEL);
	prop->value = kstrdup(status, GFP_KERNEL);
	prop->length = strlen(status) + 1;
	if (!prop->name || !prop->value) {
		ret = -ENOMEM;
		goto err;
	}

	/* From here the node owns the property (on its deadprops after revert). */
	ret = of_changeset_update_property(&st->ocs, np, prop);
	if (ret)
		goto err;
	ret = of_changeset_apply(&st->ocs);
	st->applied = !ret;
	return ret;

err:
	kfree(prop->value);
	kfree(prop->name);
	kfree(prop);
	return ret;
}

/* ---- what a user sees ---------------------------------------------------- */

/*
 * Find the kernel log lines of device @dev containing @msg (any line of
 * @dev when @msg is NULL).  Returns the worst syslog level among them, or
 * -1 when there is none.
 */
static int smartbms_pt_log_find(struct kunit *test, struct device *dev, const char *msg)
{
	struct kmsg_dump_iter iter = { };
	char prefix[64];
	unsigned int pri;
	size_t len;
	char *line;
	int level = -1;

	line = kunit_kmalloc(test, SMARTBMS_PT_LOG_LINE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, line);
	snprintf(prefix, sizeof(prefix), " %s: ", dev_name(dev));

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, true, line, SMARTBMS_PT_LOG_LINE - 1, &len)) {
		line[len] = '\0';
		if (!strstr(line, prefix) || (msg && !strstr(line, msg)))
			continue;
		/* "<N>[time] driver device: ...": the worst level wins. */
		if (sscanf(line, "<%u>", &pri) == 1 &&
		    (level < 0 || (pri & 7) < level))
			level = pri & 7;
	}
	kunit_kfree(test, line);
	return level;
}

/* Nothing at warning level or worse was logged for @dev. */
static void smartbms_pt_expect_quiet(struct kunit *test, struct device *dev)
{
	int level = smartbms_pt_log_find(test, dev, NULL);

	KUNIT_EXPECT_TRUE_MSG(test, level < 0 || level > LOGLEVEL_WARNING,
			      "%s logged at level %d", dev_name(dev), level);
}

static void smartbms_pt_gpio_value(void *data, unsigned int gpio, int get, int value)
{
	struct smartbms_pt_gates *g = data;
	unsigned int i = gpio - g->base - SMARTBMS_PT_FIRST_GATE;

	if (get || i >= SMARTBMS_PT_NUM_GATES)
		return;
	WRITE_ONCE(g->last[i], value);
	WRITE_ONCE(g->writes[i], g->writes[i] + 1);
}

static void smartbms_pt_find_tracepoint(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "gpio_value"))
		*found = tp;
}

static struct tracepoint *smartbms_pt_tracepoint(void)
{
	struct tracepoint *tp = NULL;

	for_each_kernel_tracepoint(smartbms_pt_find_tracepoint, &tp);
	return tp;
}

static void smartbms_pt_gates_unwatch(void *data)
{
	tracepoint_probe_unregister(smartbms_pt_tracepoint(), smartbms_pt_gpio_value, data);
	tracepoint_synchronize_unregister();
}

/* Record every value driven on the gates of the fixture bank from now on. */
static struct smartbms_pt_gates *smartbms_pt_gates_watch(struct kunit *test,
							 struct gpio_device *gdev)
{
	struct tracepoint *tp = smartbms_pt_tracepoint();
	struct smartbms_pt_gates *g;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL_MSG(test, tp, "no gpio_value tracepoint");
	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->base = gpio_device_get_base(gdev);
	for (i = 0; i < SMARTBMS_PT_NUM_GATES; i++)
		g->last[i] = -1;

	KUNIT_ASSERT_EQ(test, tracepoint_probe_register(tp, smartbms_pt_gpio_value, g), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_gates_unwatch, g), 0);
	return g;
}

static struct gpio_device *smartbms_pt_gpio_device(struct kunit *test, struct device_node *np)
{
	struct gpio_device *gdev = gpio_device_find_by_fwnode(of_fwnode_handle(np));

	KUNIT_ASSERT_NOT_NULL_MSG(test, gdev, "no GPIO device for %pOF", np);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_gpio_device_put,
							gdev), 0);
	return gdev;
}

/* The gates as the lines read now, one bit each (bit 0: alternator). */
static u32 smartbms_pt_read_gates(struct kunit *test, struct gpio_device *gdev)
{
	unsigned int i;
	u32 gates = 0;
	int val;

	for (i = 0; i < SMARTBMS_PT_NUM_GATES; i++) {
		struct gpio_desc *desc = gpio_device_get_desc(gdev, SMARTBMS_PT_FIRST_GATE + i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(desc));
		val = gpiod_get_raw_value_cansleep(desc);
		KUNIT_ASSERT_GE(test, val, 0);
		if (val)
			gates |= BIT(i);
	}
	return gates;
}

/**
 * struct smartbms_pt_adc - a simulated ADC channel set for a case
 * @chan: the channel
 * @saved: its raw value before, restored when the case ends
 */
struct smartbms_pt_adc {
	struct iio_channel *chan;
	int saved;
};

static void smartbms_pt_adc_restore(void *data)
{
	struct smartbms_pt_adc *a = data;

	iio_write_channel_raw(a->chan, a->saved);
	iio_channel_release(a->chan);
}

/* Put the simulated ADC at rest, through the channels of @bms's node. */
static void smartbms_pt_adc_rest(struct kunit *test, struct smartbms_pt_bms *bms)
{
	struct smartbms_pt_adc *a;
	unsigned int i;

	for (i = 0; i < SMARTBMS_PT_NUM_CHANS; i++) {
		a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		a->chan = fwnode_iio_channel_get_by_name(of_fwnode_handle(bms->np),
							 smartbms_pt_chans[i].name);
		KUNIT_ASSERT_FALSE(test, IS_ERR(a->chan));
		if (iio_read_channel_raw(a->chan, &a->saved) < 0) {
			iio_channel_release(a->chan);
			KUNIT_FAIL_AND_ABORT(test, "cannot read the %s channel",
					     smartbms_pt_chans[i].name);
		}
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_adc_restore,
								a), 0);
		KUNIT_ASSERT_GE(test, iio_write_channel_raw(a->chan, smartbms_pt_chans[i].rest),
				0);
	}
}

/* ---- the cases ------------------------------------------------------------ */

static const struct smartbms_pt_omit smartbms_pt_complete = { "nothing", SMARTBMS_PT_NOTHING };

static const struct smartbms_pt_omit smartbms_pt_omits[] = {
	{ "alternator-enable-gpios", SMARTBMS_PT_GPIO, "alternator-enable",
	  "failed to get alternator-enable-gpios" },
	{ "system-charge-enable-gpios", SMARTBMS_PT_GPIO, "system-charge-enable",
	  "failed to get system-charge-enable-gpios" },
	{ "system-discharge-enable-gpios", SMARTBMS_PT_GPIO, "system-discharge-enable",
	  "failed to get system-discharge-enable-gpios" },
	{ "load-disconnect-gpios", SMARTBMS_PT_GPIO, "load-disconnect",
	  "failed to get load-disconnect-gpios" },
	{ "charge-disconnect-gpios", SMARTBMS_PT_GPIO, "charge-disconnect",
	  "failed to get charge-disconnect-gpios" },
	{ "prealarm-gpios", SMARTBMS_PT_GPIO, "prealarm",
	  "failed to get prealarm-gpios" },
	{ "charge-allowed-gpios", SMARTBMS_PT_GPIO, "charge-allowed",
	  "failed to get charge-allowed-gpios" },
	{ "discharge-allowed-gpios", SMARTBMS_PT_GPIO, "discharge-allowed",
	  "failed to get discharge-allowed-gpios" },
	{ "remote-gpios", SMARTBMS_PT_GPIO, "remote",
	  "failed to get remote-gpios" },
	{ "short-circuit-gpios", SMARTBMS_PT_GPIO, "short-circuit",
	  "failed to get short-circuit-gpios" },
	{ "battery-prealarm-gpios", SMARTBMS_PT_GPIO, "battery-prealarm", NULL },
	{ "io-channel battery", SMARTBMS_PT_CHANNEL, "battery",
	  "failed to get the battery channel" },
	{ "io-channel alternator", SMARTBMS_PT_CHANNEL, "alternator",
	  "failed to get the alternator channel" },
	{ "io-channel system", SMARTBMS_PT_CHANNEL, "system",
	  "failed to get the system channel" },
	{ "io-channel alternator-current", SMARTBMS_PT_CHANNEL, "alternator-current",
	  "failed to get the alternator-current channel" },
	{ "io-channel temperature", SMARTBMS_PT_CHANNEL, "temperature",
	  "failed to get the temperature channel" },
	{ "io-channel system-current", SMARTBMS_PT_CHANNEL, "system-current", NULL },
	{ "io-channel reference", SMARTBMS_PT_CHANNEL, "reference", NULL },
	/* The names without the phandles: the first channel cannot be had. */
	{ "io-channels", SMARTBMS_PT_IO_CHANNELS, NULL, "failed to get the battery channel" },
};

static void smartbms_pt_omit_desc(const struct smartbms_pt_omit *o, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "without %s", o->desc);
}

KUNIT_ARRAY_PARAM(smartbms_pt_omit, smartbms_pt_omits, smartbms_pt_omit_desc);

/* A node without one property: a required one fails probe, naming it. */
static void smartbms_probe_without_property(struct kunit *test)
{
	const struct smartbms_pt_omit *omit = test->param_value;
	struct smartbms_pt_ctx *ctx = test->priv;
	struct smartbms_pt_bms *bms;
	struct device *dev;
	char name[64];
	int i;

	snprintf(name, sizeof(name), "smartbms-kunit-without-%s", omit->desc);
	for (i = 0; name[i]; i++)
		if (name[i] == ' ')
			name[i] = '-';

	bms = smartbms_pt_bms_add(test, name, ctx->lines, omit);
	dev = smartbms_pt_device(test, bms);

	if (!omit->message) {
		KUNIT_EXPECT_TRUE_MSG(test, device_is_bound(dev),
				      "%s is optional but %s did not bind", omit->desc,
				      dev_name(dev));
		smartbms_pt_expect_quiet(test, dev);
		return;
	}

	KUNIT_EXPECT_FALSE_MSG(test, device_is_bound(dev), "%s bound without %s",
			       dev_name(dev), omit->desc);
	KUNIT_EXPECT_EQ_MSG(test, smartbms_pt_log_find(test, dev, omit->message), LOGLEVEL_ERR,
			    "no error \"%s\" logged for %s", omit->message, dev_name(dev));
}

/* The board's preset fuse rating: the factory default, or a clear refusal. */
static const struct {
	struct smartbms_pt_omit node;
	int limit_ua;
} smartbms_pt_fuses[] = {
	{ { "80A", .fuse = "80A" }, 60000000 },
	{ { "2x7.5A", .fuse = "2x7.5A" }, 9000000 },
	{ { "80", .fuse = "80", .message = "invalid victron,fuse-rating \"80\"" } },
	{ { "not-set", .fuse = "not-set",
	    .message = "invalid victron,fuse-rating \"not-set\"" } },
};

static void smartbms_pt_fuse_desc(const typeof(*smartbms_pt_fuses) *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "victron,fuse-rating = \"%s\"", f->node.fuse);
}

KUNIT_ARRAY_PARAM(smartbms_pt_fuse, smartbms_pt_fuses, smartbms_pt_fuse_desc);

static void smartbms_probe_fuse_rating(struct kunit *test)
{
	const typeof(*smartbms_pt_fuses) *f = test->param_value;
	struct smartbms_pt_ctx *ctx = test->priv;
	union power_supply_propval val;
	struct power_supply *psy;
	struct smartbms_pt_bms *bms;
	struct device *dev;
	char name[64];

	bms = smartbms_pt_bms_add(test, "smartbms-kunit-fuse", ctx->lines, &f->node);
	dev = smartbms_pt_device(test, bms);

	if (f->node.message) {
		KUNIT_EXPECT_FALSE(test, device_is_bound(dev));
		KUNIT_EXPECT_EQ_MSG(test, smartbms_pt_log_find(test, dev, f->node.message),
				    LOGLEVEL_ERR, "no error \"%s\" logged", f->node.message);
		return;
	}

	KUNIT_ASSERT_TRUE_MSG(test, device_is_bound(dev), "%s did not bind", dev_name(dev));
	snprintf(name, sizeof(name), "%s-alternator", dev_name(dev));
	psy = power_supply_get_by_name(name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, psy, "no power supply %s", name);
	KUNIT_EXPECT_EQ(test, power_supply_get_property(psy, POWER_SUPPLY_PROP_INPUT_CURRENT_LIMIT,
							&val), 0);
	KUNIT_EXPECT_EQ(test, val.intval, f->limit_ua);
	power_supply_put(psy);
}

/* A complete node binds, with the trip path gpio-sim's gates need. */
static void smartbms_probe_complete(struct kunit *test)
{
	struct smartbms_pt_ctx *ctx = test->priv;
	struct smartbms_pt_bms *bms;
	struct device *dev;

	bms = smartbms_pt_bms_add(test, "smartbms-kunit-complete", ctx->lines,
				  &smartbms_pt_complete);
	dev = smartbms_pt_device(test, bms);

	KUNIT_ASSERT_TRUE_MSG(test, device_is_bound(dev), "%s did not bind", dev_name(dev));
	/* gpio-sim lines sleep: the gates cannot be written in hard IRQ context. */
	KUNIT_EXPECT_EQ(test, smartbms_pt_log_find(test, dev, "trip path in a threaded handler"),
			LOGLEVEL_INFO);
	KUNIT_EXPECT_EQ(test, smartbms_pt_log_find(test, dev, "hard interrupt context"), -1);
	KUNIT_EXPECT_EQ(test, smartbms_pt_log_find(test, dev, NULL), LOGLEVEL_INFO);
}

/* Lines from a provider that is not there yet: defer, then bind once it is. */
static void smartbms_probe_defers(struct kunit *test)
{
	struct smartbms_pt_ctx *ctx = test->priv;
	struct smartbms_pt_status *st;
	struct smartbms_pt_bms *bms;
	struct device_node *chip;
	struct device *dev;

	/* Registered first so that it is undone last, after the BMS is gone. */
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	of_changeset_init(&st->ocs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_status_revert, st), 0);

	chip = of_get_parent(ctx->late_lines);
	KUNIT_ASSERT_NOT_NULL(test, chip);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							smartbms_pt_node_put, chip), 0);
	KUNIT_ASSERT_FALSE_MSG(test, of_device_is_available(chip),
			       "the fixture %pOF must start disabled", chip);

	bms = smartbms_pt_bms_add(test, "smartbms-kunit-deferred", ctx->late_lines,
				  &smartbms_pt_complete);
	dev = smartbms_pt_device(test, bms);

	KUNIT_EXPECT_FALSE(test, device_is_bound(dev));
	/*
	 * Waiting for a provider is not an error: neither the driver's
	 * "failed to get" nor the driver core's "probe ... failed" is logged.
	 */
	KUNIT_EXPECT_EQ(test, smartbms_pt_log_find(test, dev, NULL), -1);

	/*
	 * The provider arrives.  Its probe triggers the deferred probe
	 * machinery, which retries only devices whose probe deferred; the
	 * suite does not probe the BMS again itself.
	 */
	KUNIT_ASSERT_EQ(test, smartbms_pt_set_status(st, chip, "okay"), 0);
	wait_for_device_probe();
	KUNIT_EXPECT_TRUE_MSG(test, device_is_bound(dev), "%s did not bind once %pOF came",
			      dev_name(dev), chip);
	smartbms_pt_expect_quiet(test, dev);
}

/* Unbinding leaves every gate off: the last value driven on each is 0. */
static void smartbms_unbind_safe_state(struct kunit *test)
{
	struct smartbms_pt_ctx *ctx = test->priv;
	struct smartbms_pt_gates *g;
	struct smartbms_pt_bms *bms;
	struct gpio_device *gdev;
	struct device *dev;
	u32 gates = 0;
	unsigned int i;
	int ms;

	gdev = smartbms_pt_gpio_device(test, ctx->lines);
	g = smartbms_pt_gates_watch(test, gdev);

	bms = smartbms_pt_bms_add(test, "smartbms-kunit-unbind", ctx->lines,
				  &smartbms_pt_complete);
	dev = smartbms_pt_device(test, bms);
	KUNIT_ASSERT_TRUE_MSG(test, device_is_bound(dev), "%s did not bind", dev_name(dev));

	/* A van at rest: the driver's loop turns some gates on. */
	smartbms_pt_adc_rest(test, bms);
	for (ms = 0; ms < 10000 && !gates; ms += 50) {
		msleep(50);
		gates = smartbms_pt_read_gates(test, gdev);
	}
	KUNIT_ASSERT_NE_MSG(test, gates, 0, "no gate came on at rest");
	msleep(500);
	gates = smartbms_pt_read_gates(test, gdev);
	kunit_info(test, "gates at rest: %#x\n", gates);
	/* The recorder sees what the lines show. */
	for (i = 0; i < SMARTBMS_PT_NUM_GATES; i++) {
		int last = READ_ONCE(g->last[i]);

		KUNIT_EXPECT_EQ_MSG(test, last, !!(gates & BIT(i)), "gate %s",
				    smartbms_pt_lines[SMARTBMS_PT_FIRST_GATE + i].name);
	}

	device_release_driver(dev);
	KUNIT_ASSERT_FALSE(test, device_is_bound(dev));

	for (i = 0; i < SMARTBMS_PT_NUM_GATES; i++) {
		const char *gate = smartbms_pt_lines[SMARTBMS_PT_FIRST_GATE + i].name;
		unsigned int writes = READ_ONCE(g->writes[i]);
		int last = READ_ONCE(g->last[i]);

		KUNIT_EXPECT_GT_MSG(test, writes, 0, "gate %s never driven", gate);
		KUNIT_EXPECT_EQ_MSG(test, last, 0, "gate %s: last value driven before release",
				    gate);
	}
	KUNIT_EXPECT_EQ(test, smartbms_pt_read_gates(test, gdev), 0);
	KUNIT_EXPECT_EQ(test, smartbms_pt_log_find(test, dev, "failed to write the safe state"),
			-1);
}

/* ---- the suite ------------------------------------------------------------ */

static struct device_node *smartbms_pt_fixture(struct kunit *test, const char *prop)
{
	struct smartbms_pt_ctx *ctx = test->priv;
	struct device_node *np = of_parse_phandle(ctx->fixtures, prop, 0);

	KUNIT_ASSERT_NOT_NULL_MSG(test, np, "no fixture %s in %pOF", prop, ctx->fixtures);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_node_put,
							np), 0);
	return np;
}

static int smartbms_pt_init(struct kunit *test)
{
	struct smartbms_pt_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;

	ctx->root = of_find_node_by_path("/");
	KUNIT_ASSERT_NOT_NULL(test, ctx->root);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_node_put,
							ctx->root), 0);
	ctx->fixtures = of_find_node_by_path("/smartbms-kunit");
	if (!ctx->fixtures)
		kunit_skip(test, "no /smartbms-kunit fixtures: not the simulated board");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smartbms_pt_node_put,
							ctx->fixtures), 0);
	ctx->lines = smartbms_pt_fixture(test, "lines");
	ctx->late_lines = smartbms_pt_fixture(test, "late-lines");
	ctx->adc = smartbms_pt_fixture(test, "adc");
	return 0;
}

static struct kunit_case smartbms_probe_test_cases[] = {
	KUNIT_CASE(smartbms_probe_complete),
	KUNIT_CASE_PARAM(smartbms_probe_without_property, smartbms_pt_omit_gen_params),
	KUNIT_CASE_PARAM(smartbms_probe_fuse_rating, smartbms_pt_fuse_gen_params),
	KUNIT_CASE(smartbms_probe_defers),
	KUNIT_CASE(smartbms_unbind_safe_state),
	{ }
};

static struct kunit_suite smartbms_probe_test_suite = {
	.name = "smartbms_probe",
	.init = smartbms_pt_init,
	.test_cases = smartbms_probe_test_cases,
};

kunit_test_suite(smartbms_probe_test_suite);

MODULE_DESCRIPTION("KUnit integration tests for the smartbms driver's probe and unbind");
MODULE_LICENSE("GPL");
