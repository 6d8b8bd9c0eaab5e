// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the stored settings record (smartbms-record.c), as the
 * driver reads it from its nvmem cell at probe.  The fuzz data is a mode
 * byte, then the cell.  With bit 0 of the mode set, the harness first
 * writes the right CRC where the record's length byte says it goes, so that
 * the fuzzer gets past the CRC to the payload's checks.
 *
 * Invariants (each violation aborts):
 *  - unpack returns 0, -ENODATA (exactly for a cell of at least the record
 *    overhead that is all 0x00 or all 0xff) or
 *    -EBADMSG, and leaves the settings untouched unless it returns 0;
 *  - what it accepts is in range (smartbms_settings_check() and the enum
 *    bounds, checked here one by one);
 *  - pack(unpack(x)) gives back the first SMARTBMS_SETTINGS_RECORD_SIZE bytes
 *    of x, and unpack(pack(s)) gives back s;
 *  - flipping any one bit of an accepted record makes it rejected (the CRC);
 *  - smartbms_record_check() never says a record is longer than the cell;
 *  - settings decoded from the data (valid ones) survive pack and unpack.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/crc32.h>
#include <linux/power/smartbms-engine.h>
#include <linux/unaligned.h>

#include "fuzz.h"

#define CELL_MAX	64

static void check_settings(const struct smartbms_settings *s)
{
	FUZZ_ASSERT(smartbms_settings_check(s) == 0);
	FUZZ_ASSERT((unsigned int)s->fuse < SMARTBMS_NUM_FUSES);
	FUZZ_ASSERT((unsigned int)s->prealarm_usage <= SMARTBMS_PREALARM_NOT_AVAILABLE);
	FUZZ_ASSERT((unsigned int)s->prealarm_output <= SMARTBMS_PREALARM_INTERMITTENT);
	FUZZ_ASSERT((unsigned int)s->remote_function <= SMARTBMS_REMOTE_EVERYTHING);
	FUZZ_ASSERT(s->charge_limit_uv >= SMARTBMS_CHARGE_LIMIT_MIN_UV &&
		    s->charge_limit_uv <= SMARTBMS_CHARGE_LIMIT_MAX_UV);
}

static bool same_settings(const struct smartbms_settings *a, const struct smartbms_settings *b)
{
	return a->fuse == b->fuse && a->prealarm_usage == b->prealarm_usage &&
	       a->prealarm_output == b->prealarm_output &&
	       a->charge_limit_uv == b->charge_limit_uv &&
	       a->remote_function == b->remote_function && a->soft_switch == b->soft_switch;
}

static bool blank(const uint8_t *buf, size_t size)
{
	size_t i;

	if (!size || (buf[0] != 0x00 && buf[0] != 0xff))
		return false;
	for (i = 1; i < size; i++)
		if (buf[i] != buf[0])
			return false;
	return true;
}

/* Arbitrary valid settings from four bytes of the data. */
static void settings_from(const uint8_t *d, struct smartbms_settings *s)
{
	smartbms_settings_init(s);
	s->fuse = d[0] % SMARTBMS_NUM_FUSES;
	s->prealarm_usage = (d[0] >> 4) & 1;
	s->prealarm_output = (d[0] >> 5) & 1;
	s->soft_switch = (d[0] >> 6) & 1;
	s->remote_function = d[1] % 3;
	s->charge_limit_uv = SMARTBMS_CHARGE_LIMIT_MIN_UV +
			     (uint32_t)(d[2] | d[3] << 8) % 2300001;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smartbms_settings sentinel, s, again;
	uint8_t cell[CELL_MAX], packed[CELL_MAX];
	size_t bit;
	int ret, len;
	uint8_t mode;

	if (!size)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* The cell's bytes, at the sizes a devicetree might give it. */
	size = size > CELL_MAX ? CELL_MAX : size;
	memcpy(cell, data, size);
	if ((mode & 1) && size >= 4 && 8 + (size_t)cell[3] <= size)
		put_unaligned_le32(~crc32_le(~0U, cell, 4 + cell[3]), cell + 4 + cell[3]);

	len = smartbms_record_check(cell, size, SMARTBMS_SETTINGS_MAGIC);
	FUZZ_ASSERT(len == -EBADMSG || len == -ENODATA ||
		    (len >= 0 && (size_t)len + SMARTBMS_RECORD_OVERHEAD <= size));
	len = smartbms_record_check(cell, size, SMARTBMS_CALIBRATION_MAGIC);
	FUZZ_ASSERT(len == -EBADMSG || len == -ENODATA ||
		    (len >= 0 && (size_t)len + SMARTBMS_RECORD_OVERHEAD <= size));

	memset(&sentinel, 0xa5, sizeof(sentinel));
	s = sentinel;
	ret = smartbms_settings_unpack(&s, cell, size);
	FUZZ_ASSERT(ret == 0 || ret == -ENODATA || ret == -EBADMSG);
	FUZZ_ASSERT((ret == -ENODATA) ==
		    (size >= SMARTBMS_RECORD_OVERHEAD && blank(cell, size)));
	if (ret) {
		FUZZ_ASSERT(!memcmp(&s, &sentinel, sizeof(s)));
	} else {
		check_settings(&s);
		FUZZ_ASSERT(size >= SMARTBMS_SETTINGS_RECORD_SIZE);

		/* Encode what was decoded: the same record. */
		FUZZ_ASSERT(smartbms_settings_pack(&s, packed, size) == 0);
		FUZZ_ASSERT(!memcmp(packed, cell, SMARTBMS_SETTINGS_RECORD_SIZE));
		FUZZ_ASSERT(smartbms_settings_unpack(&again, packed, size) == 0);
		FUZZ_ASSERT(same_settings(&s, &again));

		/* Any one bit flipped in the record is caught. */
		for (bit = 0; bit < 8 * SMARTBMS_SETTINGS_RECORD_SIZE; bit++) {
			memcpy(packed, cell, size);
			packed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			again = sentinel;
			FUZZ_ASSERT(smartbms_settings_unpack(&again, packed, size) != 0);
			FUZZ_ASSERT(!memcmp(&again, &sentinel, sizeof(again)));
		}
	}

	/* The other way round: valid settings from the data, packed and read back. */
	if (size >= 4) {
		settings_from(data, &s);
		check_settings(&s);
		ret = smartbms_settings_pack(&s, packed, size);
		if (size < SMARTBMS_SETTINGS_RECORD_SIZE) {
			FUZZ_ASSERT(ret == -EMSGSIZE);
		} else {
			FUZZ_ASSERT(ret == 0);
			again = sentinel;
			FUZZ_ASSERT(smartbms_settings_unpack(&again, packed, size) == 0);
			FUZZ_ASSERT(same_settings(&s, &again));
			FUZZ_ASSERT(smartbms_record_check(packed, size, SMARTBMS_CALIBRATION_MAGIC) ==
				    -EBADMSG);
		}
	}

	/*
	 * The journal: the cell as slot B beside a sound slot A.  Whatever B
	 * holds, settings come out (never E-B31), and they are A's unless B
	 * is a valid slot ahead of A's sequence number.
	 */
	if (size >= 4) {
		struct smartbms_settings a_set, got = sentinel;
		uint8_t a[SMARTBMS_SETTINGS_SLOT_SIZE];
		uint32_t a_seq = get_unaligned_le32(data), seq = 0, b_seq = 0;

		settings_from(data, &a_set);
		FUZZ_ASSERT(smartbms_settings_slot_pack(&a_set, a_seq, a, sizeof(a)) == 0);
		ret = smartbms_settings_pick(&got, &seq, a, sizeof(a), cell, size);
		FUZZ_ASSERT(ret == 0 || ret == 1);
		check_settings(&got);
		s = sentinel;
		if (ret == 0) {
			FUZZ_ASSERT(seq == a_seq && same_settings(&got, &a_set));
			FUZZ_ASSERT(smartbms_settings_slot_unpack(&s, &b_seq, cell, size) != 0 ||
				    (int32_t)(b_seq - a_seq) <= 0);
		} else {
			FUZZ_ASSERT(smartbms_settings_slot_unpack(&s, &b_seq, cell, size) == 0);
			FUZZ_ASSERT(seq == b_seq && (int32_t)(b_seq - a_seq) > 0);
			FUZZ_ASSERT(same_settings(&got, &s));
		}
	}
	return 0;
}
