// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated ADC for the smartbms test bench.  Test-only: never part of the
 * product.
 *
 * A devicetree-bound IIO provider with the BMS's analog channels.  A test or
 * the plant model sets each input channel from userspace, in engineering
 * units, by writing its raw attribute:
 *
 *   in_voltageN_raw	microvolts	(scale 0.001: IIO voltages are in mV)
 *   in_currentN_raw	microamps	(scale 0.001: IIO currents are in mA)
 *   in_temp0_raw	millidegrees C	(scale 1)
 *   out_current0_raw	microamps, written by the consumer (the current
 *			limiter's set-point), read back by the test
 *
 * Every channel has a label (in_voltage0_label = "battery", ...) so tests
 * find channels by name, and a "fail" attribute: writing a positive errno
 * makes reads of that channel fail with that error, 0 restores them.
 */

#include <linux/cleanup.h>
#include <linux/errno.h>
#include <linux/iio/iio.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sysfs.h>

enum smartbms_sim_adc_chan {
	SIM_BATTERY,
	SIM_ALTERNATOR,
	SIM_SYSTEM,
	SIM_REFERENCE,
	SIM_ALTERNATOR_CURRENT,
	SIM_SYSTEM_CURRENT,
	SIM_TEMPERATURE,
	SIM_ALTERNATOR_LIMIT,
	SIM_NUM_CHANNELS,
};

static const char * const smartbms_sim_adc_labels[SIM_NUM_CHANNELS] = {
	[SIM_BATTERY]		 = "battery",
	[SIM_ALTERNATOR]	 = "alternator",
	[SIM_SYSTEM]		 = "system",
	[SIM_REFERENCE]		 = "reference",
	[SIM_ALTERNATOR_CURRENT] = "alternator-current",
	[SIM_SYSTEM_CURRENT]	 = "system-current",
	[SIM_TEMPERATURE]	 = "temperature",
	[SIM_ALTERNATOR_LIMIT]	 = "alternator-limit",
};

/**
 * struct smartbms_sim_adc - simulated ADC state
 * @lock: protects @value and @error
 * @value: channel values in engineering units (uV, uA, m degC)
 * @error: per channel, the errno reads fail with (0: reads succeed)
 */
struct smartbms_sim_adc {
	struct mutex lock; /* protects value and error */
	int value[SIM_NUM_CHANNELS];
	int error[SIM_NUM_CHANNELS];
};

static ssize_t smartbms_sim_adc_fail_show(struct iio_dev *indio_dev,
					  uintptr_t private,
					  const struct iio_chan_spec *chan,
					  char *buf)
{
	struct smartbms_sim_adc *adc = iio_priv(indio_dev);

	guard(mutex)(&adc->lock);
	return sysfs_emit(buf, "%d\n", adc->error[chan->address]);
}

static ssize_t smartbms_sim_adc_fail_store(struct iio_dev *indio_dev,
					   uintptr_t private,
					   const struct iio_chan_spec *chan,
					   const char *buf, size_t len)
{
	struct smartbms_sim_adc *adc = iio_priv(indio_dev);
	unsigned int err;
	int ret;

	ret = kstrtouint(buf, 0, &err);
	if (ret)
		return ret;
	if (err >= MAX_ERRNO)
		return -EINVAL;

	guard(mutex)(&adc->lock);
	adc->error[chan->address] = err;
	return len;
}

static const struct iio_chan_spec_ext_info smartbms_sim_adc_ext_info[] = {
	{
		.name = "fail",
		.shared = IIO_SEPARATE,
		.read = smartbms_sim_adc_fail_show,
		.write = smartbms_sim_adc_fail_store,
	},
	{ }
};

#define SIM_CHAN(_type, _index, _addr, _output) {			\
	.type = (_type),						\
	.indexed = 1,							\
	.channel = (_index),						\
	.output = (_output),						\
	.address = (_addr),						\
	.info_mask_separate = BIT(IIO_CHAN_INFO_RAW) |			\
			      BIT(IIO_CHAN_INFO_SCALE),			\
	.ext_info = smartbms_sim_adc_ext_info,				\
}

/* Indexed by enum smartbms_sim_adc_chan: the devicetree's channel numbers. */
static const struct iio_chan_spec smartbms_sim_adc_channels[] = {
	SIM_CHAN(IIO_VOLTAGE, 0, SIM_BATTERY, 0),
	SIM_CHAN(IIO_VOLTAGE, 1, SIM_ALTERNATOR, 0),
	SIM_CHAN(IIO_VOLTAGE, 2, SIM_SYSTEM, 0),
	SIM_CHAN(IIO_VOLTAGE, 3, SIM_REFERENCE, 0),
	SIM_CHAN(IIO_CURRENT, 0, SIM_ALTERNATOR_CURRENT, 0),
	SIM_CHAN(IIO_CURRENT, 1, SIM_SYSTEM_CURRENT, 0),
	SIM_CHAN(IIO_TEMP, 0, SIM_TEMPERATURE, 0),
	SIM_CHAN(IIO_CURRENT, 0, SIM_ALTERNATOR_LIMIT, 1),
};

static_assert(ARRAY_SIZE(smartbms_sim_adc_channels) == SIM_NUM_CHANNELS);

static int smartbms_sim_adc_read_raw(struct iio_dev *indio_dev,
				     const struct iio_chan_spec *chan,
				     int *val, int *val2, long mask)
{
	struct smartbms_sim_adc *adc = iio_priv(indio_dev);

	switch (mask) {
	case IIO_CHAN_INFO_RAW: {
		guard(mutex)(&adc->lock);
		if (adc->error[chan->address])
			return -adc->error[chan->address];
		*val = adc->value[chan->address];
		return IIO_VAL_INT;
	}
	case IIO_CHAN_INFO_SCALE:
		if (chan->type == IIO_TEMP) {
			*val = 1;
			return IIO_VAL_INT;
		}
		*val = 1;
		*val2 = 1000;
		return IIO_VAL_FRACTIONAL;
	default:
		return -EINVAL;
	}
}

static int smartbms_sim_adc_write_raw(struct iio_dev *indio_dev,
				      const struct iio_chan_spec *chan,
				      int val, int val2, long mask)
{
	struct smartbms_sim_adc *adc = iio_priv(indio_dev);

	if (mask != IIO_CHAN_INFO_RAW || val2)
		return -EINVAL;

	guard(mutex)(&adc->lock);
	adc->value[chan->address] = val;
	return 0;
}

static int smartbms_sim_adc_read_label(struct iio_dev *indio_dev,
				       const struct iio_chan_spec *chan,
				       char *label)
{
	return sysfs_emit(label, "%s\n", smartbms_sim_adc_labels[chan->address]);
}

static const struct iio_info smartbms_sim_adc_info = {
	.read_raw = smartbms_sim_adc_read_raw,
	.write_raw = smartbms_sim_adc_write_raw,
	.read_label = smartbms_sim_adc_read_label,
};

static int smartbms_sim_adc_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct smartbms_sim_adc *adc;
	struct iio_dev *indio_dev;
	int ret;

	indio_dev = devm_iio_device_alloc(dev, sizeof(*adc));
	if (!indio_dev)
		return -ENOMEM;

	adc = iio_priv(indio_dev);
	ret = devm_mutex_init(dev, &adc->lock);
	if (ret)
		return ret;

	indio_dev->name = "smartbms-sim-adc";
	indio_dev->info = &smartbms_sim_adc_info;
	indio_dev->modes = INDIO_DIRECT_MODE;
	indio_dev->channels = smartbms_sim_adc_channels;
	indio_dev->num_channels = ARRAY_SIZE(smartbms_sim_adc_channels);

	return devm_iio_device_register(dev, indio_dev);
}

static const struct of_device_id smartbms_sim_adc_of_match[] = {
	{ .compatible = "smartbms,sim-adc" },
	{ }
};
MODULE_DEVICE_TABLE(of, smartbms_sim_adc_of_match);

static struct platform_driver smartbms_sim_adc_driver = {
	.probe = smartbms_sim_adc_probe,
	.driver = {
		.name = "smartbms-sim-adc",
		.of_match_table = smartbms_sim_adc_of_match,
	},
};
module_platform_driver(smartbms_sim_adc_driver);

MODULE_DESCRIPTION("Simulated ADC for the smartbms test bench");
MODULE_LICENSE("GPL");
