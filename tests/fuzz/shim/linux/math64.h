/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim: div64_u64() and the kernel's type-generic abs() (linux/math.h),
 * which the libc's int abs() must not stand in for: the engine takes abs()
 * of s64 values.
 */
#ifndef _SHIM_LINUX_MATH64_H
#define _SHIM_LINUX_MATH64_H

#include <linux/types.h>

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

#define abs(x) ({ __typeof__(x) _x = (x); _x < 0 ? -_x : _x; })

#endif
