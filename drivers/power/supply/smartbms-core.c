// SPDX-License-Identifier: GPL-2.0
/*
 * Driver for a Smart BMS 12-200 class battery management system: a 12 V
 * lithium (LiFePO4) bank with an alternator/starter battery input port, a
 * bidirectional System+ port, load/charge disconnect and pre-alarm outputs
 * and a remote on/off input, wired to IIO ADC channels and GPIO lines.
 *
 * The protection rules live in smartbms-engine.c; this file is the glue to
 * the hardware and to the power_supply class.
 */

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/iio/consumer.h>
#include <linux/iio/types.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/power/smartbms-engine.h>
#include <linux/power_supply.h>
#include <linux/property.h>

static const char * const smartbms_output_names[SMARTBMS_NUM_OUTPUTS] = {
	[SMARTBMS_OUT_ALTERNATOR]	 = "alternator-enable",
	[SMARTBMS_OUT_SYSTEM_CHARGE]	 = "system-charge-enable",
	[SMARTBMS_OUT_SYSTEM_DISCHARGE]	 = "system-discharge-enable",
	[SMARTBMS_OUT_LOAD_DISCONNECT]	 = "load-disconnect",
	[SMARTBMS_OUT_CHARGE_DISCONNECT] = "charge-disconnect",
	[SMARTBMS_OUT_PREALARM]		 = "prealarm",
};

static const char * const smartbms_input_names[SMARTBMS_NUM_INPUTS] = {
	[SMARTBMS_IN_CHARGE_ALLOWED]	= "charge-allowed",
	[SMARTBMS_IN_DISCHARGE_ALLOWED]	= "discharge-allowed",
	[SMARTBMS_IN_BATTERY_PREALARM]	= "battery-prealarm",
	[SMARTBMS_IN_REMOTE]		= "remote",
	[SMARTBMS_IN_SHORT_CIRCUIT]	= "short-circuit",
};

/**
 * struct smartbms - one bound BMS
 * @dev: the platform device
 * @out: output lines, indexed by enum smartbms_output
 * @in: input lines, indexed by enum smartbms_input; NULL when an optional
 *	line is not wired
 * @battery: IIO channel of the lithium bank terminal voltage
 * @battery_desc: description of the Battery power supply
 * @battery_psy: the Battery power supply
 * @state: the protection engine's state
 */
struct smartbms {
	struct device *dev;
	struct gpio_desc *out[SMARTBMS_NUM_OUTPUTS];
	struct gpio_desc *in[SMARTBMS_NUM_INPUTS];
	struct iio_channel *battery;
	struct power_supply_desc battery_desc;
	struct power_supply *battery_psy;
	struct smartbms_state state;
};

static int smartbms_write_outputs(struct smartbms *bms, u32 outputs)
{
	DECLARE_BITMAP(values, SMARTBMS_NUM_OUTPUTS);

	bitmap_from_arr32(values, &outputs, SMARTBMS_NUM_OUTPUTS);

	return gpiod_set_array_value_cansleep(SMARTBMS_NUM_OUTPUTS, bms->out,
					      NULL, values);
}

/* Every FET off, every output "not allowed": probe, unbind, shutdown. */
static void smartbms_safe_state(void *data)
{
	struct smartbms *bms = data;
	int ret;

	smartbms_engine_init(&bms->state);
	ret = smartbms_write_outputs(bms, bms->state.outputs);
	if (ret)
		dev_err(bms->dev, "failed to write the safe state: %d\n", ret);
}

static const enum power_supply_property smartbms_battery_props[] = {
	POWER_SUPPLY_PROP_SCOPE,
	POWER_SUPPLY_PROP_TECHNOLOGY,
	POWER_SUPPLY_PROP_VOLTAGE_NOW,
};

static int smartbms_battery_get_property(struct power_supply *psy,
					 enum power_supply_property psp,
					 union power_supply_propval *val)
{
	struct smartbms *bms = power_supply_get_drvdata(psy);
	int ret;

	switch (psp) {
	case POWER_SUPPLY_PROP_SCOPE:
		val->intval = POWER_SUPPLY_SCOPE_SYSTEM;
		return 0;
	case POWER_SUPPLY_PROP_TECHNOLOGY:
		val->intval = POWER_SUPPLY_TECHNOLOGY_LiFe;
		return 0;
	case POWER_SUPPLY_PROP_VOLTAGE_NOW:
		/* IIO voltages are in mV: scale 1000 gives uV. */
		ret = iio_read_channel_processed_scale(bms->battery,
						       &val->intval, 1000);
		return ret < 0 ? -ENODATA : 0;
	default:
		return -EINVAL;
	}
}

static int smartbms_get_lines(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	unsigned int i;

	/* Outputs first, driven to their safe state as they are requested. */
	for (i = 0; i < SMARTBMS_NUM_OUTPUTS; i++) {
		bms->out[i] = devm_gpiod_get(dev, smartbms_output_names[i],
					     GPIOD_OUT_LOW);
		if (IS_ERR(bms->out[i]))
			return dev_err_probe(dev, PTR_ERR(bms->out[i]),
					     "failed to get %s-gpios\n",
					     smartbms_output_names[i]);
	}

	for (i = 0; i < SMARTBMS_NUM_INPUTS; i++) {
		const char *name = smartbms_input_names[i];

		/* Batteries without a pre-alarm line exist (manual 3.5.1). */
		if (i == SMARTBMS_IN_BATTERY_PREALARM)
			bms->in[i] = devm_gpiod_get_optional(dev, name, GPIOD_IN);
		else
			bms->in[i] = devm_gpiod_get(dev, name, GPIOD_IN);
		if (IS_ERR(bms->in[i]))
			return dev_err_probe(dev, PTR_ERR(bms->in[i]),
					     "failed to get %s-gpios\n", name);
	}

	return 0;
}

static int smartbms_get_channels(struct smartbms *bms)
{
	struct device *dev = bms->dev;
	enum iio_chan_type type;
	int ret;

	bms->battery = devm_iio_channel_get(dev, "battery");
	if (IS_ERR(bms->battery))
		return dev_err_probe(dev, PTR_ERR(bms->battery),
				     "failed to get the battery channel\n");

	ret = iio_get_channel_type(bms->battery, &type);
	if (ret)
		return dev_err_probe(dev, ret,
				     "failed to get the battery channel type\n");
	if (type != IIO_VOLTAGE)
		return dev_err_probe(dev, -EINVAL,
				     "the battery channel is not a voltage channel\n");

	return 0;
}

static int smartbms_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct power_supply_config psy_cfg = {};
	struct smartbms *bms;
	int ret;

	bms = devm_kzalloc(dev, sizeof(*bms), GFP_KERNEL);
	if (!bms)
		return -ENOMEM;

	bms->dev = dev;
	smartbms_engine_init(&bms->state);
	platform_set_drvdata(pdev, bms);

	ret = smartbms_get_lines(bms);
	if (ret)
		return ret;

	/* From here on, unbinding drives the power stage to the safe state. */
	ret = devm_add_action_or_reset(dev, smartbms_safe_state, bms);
	if (ret)
		return ret;

	ret = smartbms_get_channels(bms);
	if (ret)
		return ret;

	bms->battery_desc.name = devm_kasprintf(dev, GFP_KERNEL, "%s-battery",
						dev_name(dev));
	if (!bms->battery_desc.name)
		return -ENOMEM;
	bms->battery_desc.type = POWER_SUPPLY_TYPE_BATTERY;
	bms->battery_desc.properties = smartbms_battery_props;
	bms->battery_desc.num_properties = ARRAY_SIZE(smartbms_battery_props);
	bms->battery_desc.get_property = smartbms_battery_get_property;

	psy_cfg.drv_data = bms;
	psy_cfg.fwnode = dev_fwnode(dev);

	bms->battery_psy = devm_power_supply_register(dev, &bms->battery_desc,
						      &psy_cfg);
	if (IS_ERR(bms->battery_psy))
		return dev_err_probe(dev, PTR_ERR(bms->battery_psy),
				     "failed to register the battery supply\n");

	return 0;
}

static void smartbms_shutdown(struct platform_device *pdev)
{
	smartbms_safe_state(platform_get_drvdata(pdev));
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
