/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: min() and max(), type-checked as the kernel's are. */
#ifndef _SHIM_LINUX_MINMAX_H
#define _SHIM_LINUX_MINMAX_H

#define __shim_cmp(x, y, op) ({						\
	__typeof__(x) _a = (x);						\
	__typeof__(y) _b = (y);						\
	(void)(&_a == &_b);	/* the kernel refuses mixed types */	\
	_a op _b ? _a : _b; })

#define min(x, y)	__shim_cmp(x, y, <)
#define max(x, y)	__shim_cmp(x, y, >)

#endif
