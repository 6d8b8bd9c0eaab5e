// SPDX-License-Identifier: GPL-2.0
/*
 * A generic-adc-battery device on the simulated board, for `make bench`'s
 * footprint: the memory one bound smartbms device holds, beside what the
 * kernel's simplest ADC battery driver holds once bound.  Test-only: never
 * part of the product.
 *
 * The board's devicetree has no "adc-battery" node (make check's tests
 * would see its power supply), so this module adds one while it is loaded,
 * through an OF changeset: its "voltage" and "current" channels are the
 * BMS node's "battery" and "system-current".  Creating the node creates
 * its platform device, which generic-adc-battery binds; unloading reverts
 * the changeset and removes both.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/of.h>

static struct of_changeset bench_ocs;
static struct device_node *bench_root;	/* the new node's parent */

/* The BMS node's channel NAME, as a phandle and a cell. */
static int smartbms_bench_adcbat_chan(struct device_node *bms, const char *name,
				      u32 *spec)
{
	struct of_phandle_args args;
	int idx, ret;

	idx = of_property_match_string(bms, "io-channel-names", name);
	if (idx < 0)
		return idx;
	ret = of_parse_phandle_with_args(bms, "io-channels", "#io-channel-cells",
					 idx, &args);
	if (ret)
		return ret;
	if (args.args_count != 1 || !args.np->phandle) {
		of_node_put(args.np);
		return -EINVAL;
	}
	spec[0] = args.np->phandle;
	spec[1] = args.args[0];
	of_node_put(args.np);
	return 0;
}

static int __init smartbms_bench_adcbat_init(void)
{
	static const char * const names[] = { "voltage", "current" };
	struct device_node *bms, *np;
	u32 chans[4];
	int ret;

	bms = of_find_compatible_node(NULL, NULL, "victron,smart-bms-12-200");
	if (!bms)
		return -ENODEV;
	ret = smartbms_bench_adcbat_chan(bms, "battery", &chans[0]);
	if (!ret)
		ret = smartbms_bench_adcbat_chan(bms, "system-current", &chans[2]);
	of_node_put(bms);
	if (ret)
		return ret;

	bench_root = of_find_node_by_path("/");
	if (!bench_root)
		return -ENODEV;
	of_changeset_init(&bench_ocs);
	np = of_changeset_create_node(&bench_ocs, bench_root, "smartbms-bench-adc-battery");
	if (!np) {
		ret = -ENOMEM;
		goto err;
	}
	ret = of_changeset_add_prop_string(&bench_ocs, np, "compatible", "adc-battery");
	if (!ret)
		ret = of_changeset_add_prop_u32_array(&bench_ocs, np, "io-channels",
						      chans, ARRAY_SIZE(chans));
	if (!ret)
		ret = of_changeset_add_prop_string_array(&bench_ocs, np, "io-channel-names",
							 names, ARRAY_SIZE(names));
	of_node_put(np);
	if (!ret)
		ret = of_changeset_apply(&bench_ocs);
	if (ret)
		goto err;
	return 0;

err:
	of_changeset_destroy(&bench_ocs);
	of_node_put(bench_root);
	return ret;
}
module_init(smartbms_bench_adcbat_init);

static void __exit smartbms_bench_adcbat_exit(void)
{
	if (of_changeset_revert(&bench_ocs))
		pr_warn("smartbms-bench-adcbat: its node could not be removed\n");
	else
		of_changeset_destroy(&bench_ocs);
	of_node_put(bench_root);
}
module_exit(smartbms_bench_adcbat_exit);

MODULE_DESCRIPTION("A generic-adc-battery device on the smartbms bench board");
MODULE_LICENSE("GPL");
