/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim: crc32_le() as lib/crc32.c computes it: the reflected IEEE
 * 802.3 polynomial, no inversion in or out (the caller does both).
 */
#ifndef _SHIM_LINUX_CRC32_H
#define _SHIM_LINUX_CRC32_H

#include <linux/types.h>

static inline u32 crc32_le(u32 crc, const unsigned char *p, size_t len)
{
	int i;

	while (len--) {
		crc ^= *p++;
		for (i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (crc & 1 ? 0xedb88320 : 0);
	}
	return crc;
}

#endif
