// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the smartbms protection engine.  It drives the engine
 * code of the smartbms module itself, through its KUnit-only exports.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/power/smartbms-engine.h>
#include <linux/string.h>

/* Rule 14: from probe on, every FET off and every output "not allowed". */
static void smartbms_engine_test_start_state_is_safe(struct kunit *test)
{
	struct smartbms_state st;
	unsigned int i;

	/* Whatever was there before must not survive initialisation. */
	memset(&st, 0xff, sizeof(st));
	smartbms_engine_init(&st);

	for (i = 0; i < SMARTBMS_NUM_OUTPUTS; i++)
		KUNIT_EXPECT_FALSE_MSG(test, st.outputs & BIT(i),
				       "output %u asserted in the start state", i);
	KUNIT_EXPECT_EQ(test, st.outputs & ~SMARTBMS_ALL_OUTPUTS, 0);
}

static struct kunit_case smartbms_engine_test_cases[] = {
	KUNIT_CASE(smartbms_engine_test_start_state_is_safe),
	{ }
};

static struct kunit_suite smartbms_engine_test_suite = {
	.name = "smartbms_engine",
	.test_cases = smartbms_engine_test_cases,
};

kunit_test_suite(smartbms_engine_test_suite);

MODULE_DESCRIPTION("KUnit tests for the smartbms protection engine");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
