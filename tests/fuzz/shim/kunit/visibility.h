/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: the symbols stay global, as with CONFIG_KUNIT. */
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define VISIBLE_IF_KUNIT
