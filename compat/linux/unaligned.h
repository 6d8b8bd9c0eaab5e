/* SPDX-License-Identifier: GPL-2.0 */
/* Kernels before 6.12 only: see compat/smartbms-compat.h. */
#include <asm/unaligned.h>
