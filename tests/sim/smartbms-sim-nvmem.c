// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated EEPROM for the smartbms test bench.  Test-only: never part of
 * the product.
 *
 * A devicetree-bound nvmem provider of "size" bytes kept in RAM, with its
 * cells described by an nvmem-layout child (fixed-layout).  Its contents are
 * read and written from userspace through the nvmem core's sysfs file
 * (/sys/bus/nvmem/devices/smartbms-sim-nvmem/nvmem): the bench's init loads
 * an image into it before the BMS probes and saves it at shutdown, which is
 * what makes it non-volatile across a reboot of the guest.
 *
 * Writing a positive errno to the platform device's "fail" attribute makes
 * every read and write fail with that error; 0 restores them.
 *
 * A power cut during a write: writing N to "cut_after" makes the next
 * write store only its first N bytes (fewer if it is shorter) and then
 * fail with -EIO, and every access after it too, as on a board whose
 * supply went: "fail" reads 5 (EIO) until the test powers the EEPROM up
 * again by writing 0 to it.  -1 (the default) cuts nothing.  "written"
 * counts the bytes the EEPROM took since the module was loaded, whoever
 * wrote them.
 *
 * The EEPROM's state lives as long as the module, not as the binding: a
 * consumer that holds a cell keeps the nvmem device, and so its callbacks,
 * after the provider is unbound (the nvmem core only drops it with the
 * last reference).  Until it is bound again every access fails with
 * -ENODEV, and the contents, non-volatile, are still there when it is.
 * One EEPROM per system.
 */

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/kstrtox.h>
#include <linux/minmax.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nvmem-provider.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#define SIM_NVMEM_MAX_SIZE	4096

/**
 * struct smartbms_sim_nvmem - simulated EEPROM state
 * @lock: protects the other fields
 * @data: the contents
 * @size: their size in bytes
 * @error: the errno accesses fail with (0: they succeed)
 * @cut_after: bytes the next write stores before the power goes, or -1
 * @written: bytes written since the module was loaded
 * @bound: the provider is bound (else accesses fail with -ENODEV)
 * @blank: @data has not been initialised yet
 */
struct smartbms_sim_nvmem {
	struct mutex lock;	/* see above */
	u8 data[SIM_NVMEM_MAX_SIZE];
	u32 size;
	int error;
	int cut_after;
	u64 written;
	bool bound;
	bool blank;
};

static struct smartbms_sim_nvmem smartbms_sim_nvmem_state = {
	.lock = __MUTEX_INITIALIZER(smartbms_sim_nvmem_state.lock),
	.blank = true,
	.cut_after = -1,
};

/* Under @lock: the errno an access fails with, or 0. */
static int smartbms_sim_nvmem_access_error(struct smartbms_sim_nvmem *sim)
{
	if (!sim->bound)
		return -ENODEV;
	return -sim->error;
}

static int smartbms_sim_nvmem_read(void *priv, unsigned int off, void *val, size_t len)
{
	struct smartbms_sim_nvmem *sim = priv;
	int ret;

	guard(mutex)(&sim->lock);
	ret = smartbms_sim_nvmem_access_error(sim);
	if (ret)
		return ret;
	memcpy(val, sim->data + off, len);
	return 0;
}

static int smartbms_sim_nvmem_write(void *priv, unsigned int off, void *val, size_t len)
{
	struct smartbms_sim_nvmem *sim = priv;

	int ret;

	guard(mutex)(&sim->lock);
	ret = smartbms_sim_nvmem_access_error(sim);
	if (ret)
		return ret;
	if (sim->cut_after >= 0) {
		len = min_t(size_t, len, sim->cut_after);
		memcpy(sim->data + off, val, len);
		sim->written += len;
		sim->cut_after = -1;
		sim->error = EIO;
		return -EIO;
	}
	memcpy(sim->data + off, val, len);
	sim->written += len;
	return 0;
}

static ssize_t fail_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct smartbms_sim_nvmem *sim = dev_get_drvdata(dev);

	guard(mutex)(&sim->lock);
	return sysfs_emit(buf, "%d\n", sim->error);
}

static ssize_t fail_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct smartbms_sim_nvmem *sim = dev_get_drvdata(dev);
	unsigned int err;
	int ret;

	ret = kstrtouint(buf, 0, &err);
	if (ret)
		return ret;
	if (err > MAX_ERRNO)
		return -EINVAL;

	guard(mutex)(&sim->lock);
	sim->error = err;
	return count;
}
static DEVICE_ATTR_RW(fail);

static ssize_t cut_after_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct smartbms_sim_nvmem *sim = dev_get_drvdata(dev);

	guard(mutex)(&sim->lock);
	return sysfs_emit(buf, "%d\n", sim->cut_after);
}

static ssize_t cut_after_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct smartbms_sim_nvmem *sim = dev_get_drvdata(dev);
	int n;
	int ret;

	ret = kstrtoint(buf, 0, &n);
	if (ret)
		return ret;
	if (n < -1)
		return -EINVAL;

	guard(mutex)(&sim->lock);
	sim->cut_after = n;
	return count;
}
static DEVICE_ATTR_RW(cut_after);

static ssize_t written_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct smartbms_sim_nvmem *sim = dev_get_drvdata(dev);

	guard(mutex)(&sim->lock);
	return sysfs_emit(buf, "%llu\n", sim->written);
}
static DEVICE_ATTR_RO(written);

static struct attribute *smartbms_sim_nvmem_attrs[] = {
	&dev_attr_fail.attr,
	&dev_attr_cut_after.attr,
	&dev_attr_written.attr,
	NULL
};
ATTRIBUTE_GROUPS(smartbms_sim_nvmem);

static void smartbms_sim_nvmem_unbound(void *data)
{
	struct smartbms_sim_nvmem *sim = data;

	guard(mutex)(&sim->lock);
	sim->bound = false;
}

static int smartbms_sim_nvmem_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct nvmem_config cfg = {
		.dev = dev,
		.name = "smartbms-sim-nvmem",
		.id = NVMEM_DEVID_NONE,
		.owner = THIS_MODULE,
		.type = NVMEM_TYPE_EEPROM,
		.root_only = true,
		.word_size = 1,
		.stride = 1,
		.reg_read = smartbms_sim_nvmem_read,
		.reg_write = smartbms_sim_nvmem_write,
	};
	struct smartbms_sim_nvmem *sim = &smartbms_sim_nvmem_state;
	u32 size;
	int ret;

	ret = device_property_read_u32(dev, "size", &size);
	if (ret)
		return dev_err_probe(dev, ret, "failed to read size\n");
	if (!size || size > SIM_NVMEM_MAX_SIZE)
		return dev_err_probe(dev, -EINVAL, "size %u out of range\n", size);

	scoped_guard(mutex, &sim->lock) {
		if (sim->bound)
			return dev_err_probe(dev, -EBUSY, "one simulated EEPROM only\n");
		/* A new EEPROM reads all ones. */
		if (sim->blank)
			memset(sim->data, 0xff, sizeof(sim->data));
		sim->blank = false;
		sim->size = size;
		sim->bound = true;
	}
	ret = devm_add_action_or_reset(dev, smartbms_sim_nvmem_unbound, sim);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, sim);

	cfg.size = sim->size;
	cfg.priv = sim;
	return PTR_ERR_OR_ZERO(devm_nvmem_register(dev, &cfg));
}

static const struct of_device_id smartbms_sim_nvmem_of_match[] = {
	{ .compatible = "smartbms,sim-nvmem" },
	{ }
};
MODULE_DEVICE_TABLE(of, smartbms_sim_nvmem_of_match);

static struct platform_driver smartbms_sim_nvmem_driver = {
	.probe = smartbms_sim_nvmem_probe,
	.driver = {
		.name = "smartbms-sim-nvmem",
		.of_match_table = smartbms_sim_nvmem_of_match,
		.dev_groups = smartbms_sim_nvmem_groups,
	},
};
module_platform_driver(smartbms_sim_nvmem_driver);

MODULE_DESCRIPTION("Simulated EEPROM for the smartbms test bench");
MODULE_LICENSE("GPL");
