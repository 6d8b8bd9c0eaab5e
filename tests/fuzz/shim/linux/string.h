/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim: memset(), memmove() and friends from the libc. */
#include <string.h>
