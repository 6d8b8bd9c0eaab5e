// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt storms for the smartbms test bench.  Test-only: never part of
 * the product.
 *
 * gpio-sim's edges reach their handlers through an irq_work that merges
 * the edges made before it runs, so userspace cannot make a storm through
 * it.  This module raises an interrupt the way a bouncing or broken line
 * would: writing "IRQ COUNT" to /sys/kernel/debug/smartbms-sim-storm runs
 * the interrupt's flow handler COUNT times in a row, in hard interrupt
 * context, as if the line had fired each time.  A disabled interrupt
 * stays disabled: its flow handler only marks it pending, as for a real
 * edge.
 */

#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#define SIM_STORM_MAX_EDGES	100000

static struct dentry *smartbms_sim_storm_file;

static ssize_t smartbms_sim_storm_write(struct file *file, const char __user *ubuf,
					size_t count, loff_t *ppos)
{
	unsigned int irq, edges, i;
	char buf[32];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %u", &irq, &edges) != 2 || !edges ||
	    edges > SIM_STORM_MAX_EDGES)
		return -EINVAL;
	if (!irq_to_desc(irq))
		return -ENOENT;

	for (i = 0; i < edges; i++) {
		ret = generic_handle_irq_safe(irq);
		if (ret)
			return ret;
		if (!(i % 64))
			cond_resched();
	}
	return count;
}

static const struct file_operations smartbms_sim_storm_fops = {
	.owner = THIS_MODULE,
	.write = smartbms_sim_storm_write,
};

static int __init smartbms_sim_storm_init(void)
{
	smartbms_sim_storm_file = debugfs_create_file("smartbms-sim-storm", 0200, NULL, NULL,
						      &smartbms_sim_storm_fops);
	return 0;
}
module_init(smartbms_sim_storm_init);

static void __exit smartbms_sim_storm_exit(void)
{
	debugfs_remove(smartbms_sim_storm_file);
}
module_exit(smartbms_sim_storm_exit);

MODULE_DESCRIPTION("Interrupt storms for the smartbms test bench");
MODULE_LICENSE("GPL");
