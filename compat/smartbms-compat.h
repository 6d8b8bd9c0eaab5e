/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-tree builds only: what the driver needs from kernels older than
 * the one it is written for (6.12), so that drivers/ stays mainline code.
 * The top-level Kbuild force-includes this header (-include) and puts
 * compat/ on the include path only for kernels before 6.12; upstream and
 * 6.12 builds never see it.  Built and checked against Debian's 6.1 LTS.
 *
 * - <linux/unaligned.h> was <asm/unaligned.h> before 6.12: compat/linux/
 *   unaligned.h, found through the include path, redirects it.
 * - hwmon_chip_info.info became a pointer to const pointers in 6.4; the
 *   driver's channel table is "const ... * const []" as mainline wants.
 *   Here the driver gets a chip info of that newer shape, handed to the
 *   old registration function by a cast (the two layouts are identical,
 *   only the qualifiers differ, and the hwmon core never writes them).
 */
#ifndef _SMARTBMS_COMPAT_H
#define _SMARTBMS_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#include <linux/hwmon.h>

struct smartbms_compat_hwmon_chip_info {
	const struct hwmon_ops *ops;
	const struct hwmon_channel_info * const *info;
};

static inline struct device *
smartbms_compat_hwmon_register(struct device *dev, const char *name,
			       void *drvdata,
			       const struct smartbms_compat_hwmon_chip_info *chip,
			       const struct attribute_group **extra_groups)
{
	return devm_hwmon_device_register_with_info(dev, name, drvdata,
			(const struct hwmon_chip_info *)chip, extra_groups);
}

#define hwmon_chip_info smartbms_compat_hwmon_chip_info
#define devm_hwmon_device_register_with_info smartbms_compat_hwmon_register
#endif /* < 6.4 */

#endif /* _SMARTBMS_COMPAT_H */
