// SPDX-License-Identifier: GPL-2.0
/*
 * smartbms protection engine: pure rule code, see smartbms-engine.h.
 */

#include <kunit/visibility.h>
#include <linux/power/smartbms-engine.h>
#include <linux/string.h>

/**
 * smartbms_engine_init() - the safe start state
 * @st: state to initialise
 *
 * Every FET off and every output in its "not allowed" state, as required
 * from probe until the first complete sample set has been evaluated.
 */
void smartbms_engine_init(struct smartbms_state *st)
{
	memset(st, 0, sizeof(*st));
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_engine_init);
