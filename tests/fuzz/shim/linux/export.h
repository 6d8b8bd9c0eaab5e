/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: nothing is exported from a userspace program. */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
