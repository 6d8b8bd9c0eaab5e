/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: the UAPI errno values, the numbers the kernel uses. */
#include_next <linux/errno.h>
