/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: BIT() and GENMASK() as the kernel defines them (32-bit use). */
#ifndef _SHIM_LINUX_BITS_H
#define _SHIM_LINUX_BITS_H

#define BIT(nr)		(1UL << (nr))
#define GENMASK(h, l)	(((~0UL) << (l)) & (~0UL >> (8 * sizeof(long) - 1 - (h))))

#endif
