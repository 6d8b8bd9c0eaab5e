/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for the fuzz harnesses: just enough of the kernel's headers to
 * compile smartbms-engine.c and smartbms-record.c unchanged in userspace.
 * Each shim header stands for the kernel header of the same name.
 */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
