// SPDX-License-Identifier: GPL-2.0
/*
 * smartbms stored records: the settings and the calibration data kept in
 * nvmem cells (layout in include/linux/power/smartbms-engine.h).  Pure
 * functions over byte buffers, so KUnit can feed them every corruption.
 */

#include <kunit/visibility.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/power/smartbms-engine.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/unaligned.h>

static u32 smartbms_record_crc(const u8 *buf, size_t len)
{
	return ~crc32_le(~0U, buf, len);
}

/**
 * smartbms_record_check() - is this a sound record of that kind?
 * @buf: the cell's contents
 * @size: the cell's size
 * @magic: the kind of record expected
 *
 * Return: the payload length, -ENODATA for a blank cell (all zeros or all
 * ones: never written), -EBADMSG for anything else that is not a record of
 * this kind with a good CRC.
 */
int smartbms_record_check(const u8 *buf, size_t size, u16 magic)
{
	size_t i, len;

	if (size < SMARTBMS_RECORD_OVERHEAD)
		return -EBADMSG;
	for (i = 1; i < size && buf[i] == buf[0]; i++)
		;
	if (i == size && (buf[0] == 0x00 || buf[0] == 0xff))
		return -ENODATA;

	len = buf[3];
	if (get_unaligned_le16(buf) != magic || size < SMARTBMS_RECORD_OVERHEAD + len)
		return -EBADMSG;
	if (get_unaligned_le32(buf + 4 + len) != smartbms_record_crc(buf, 4 + len))
		return -EBADMSG;
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_record_check);

/* A settings record of @version around @payload, the rest of the cell zero. */
static int smartbms_record_seal(u8 *buf, size_t size, u8 version,
				const u8 *payload, size_t len)
{
	if (size < SMARTBMS_RECORD_OVERHEAD + len)
		return -EMSGSIZE;
	memset(buf, 0, size);
	put_unaligned_le16(SMARTBMS_SETTINGS_MAGIC, buf);
	buf[2] = version;
	buf[3] = len;
	memcpy(buf + 4, payload, len);
	put_unaligned_le32(smartbms_record_crc(buf, 4 + len), buf + 4 + len);
	return 0;
}

/* The version 1 payload, 12 bytes: also the tail of a version 2 slot's. */
static void smartbms_settings_put(const struct smartbms_settings *set, u8 *p)
{
	memset(p, 0, 12);
	p[0] = set->fuse;
	p[1] = set->prealarm_usage;
	p[2] = set->prealarm_output;
	p[3] = set->remote_function;
	p[4] = set->soft_switch;
	put_unaligned_le32(set->charge_limit_uv, p + 8);
}

static int smartbms_settings_get(struct smartbms_settings *set, const u8 *p)
{
	struct smartbms_settings s;

	if (p[4] > 1 || p[5] || p[6] || p[7])
		return -EBADMSG;
	s.fuse = p[0];
	s.prealarm_usage = p[1];
	s.prealarm_output = p[2];
	s.remote_function = p[3];
	s.soft_switch = p[4];
	s.charge_limit_uv = get_unaligned_le32(p + 8);
	if (smartbms_settings_check(&s))
		return -EBADMSG;
	*set = s;
	return 0;
}

/**
 * smartbms_settings_pack() - the settings record for a cell
 * @set: valid settings
 * @buf: the cell's new contents
 * @size: the cell's size
 *
 * Return: 0, or -EMSGSIZE when the cell is too small for the record.
 */
int smartbms_settings_pack(const struct smartbms_settings *set, u8 *buf, size_t size)
{
	u8 payload[SMARTBMS_SETTINGS_RECORD_SIZE - SMARTBMS_RECORD_OVERHEAD];

	smartbms_settings_put(set, payload);
	return smartbms_record_seal(buf, size, SMARTBMS_SETTINGS_VERSION,
				    payload, sizeof(payload));
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_pack);

/**
 * smartbms_settings_unpack() - the settings a cell holds
 * @set: the settings, written only on success
 * @buf: the cell's contents
 * @size: the cell's size
 *
 * Return: 0; -ENODATA for a blank cell; -EBADMSG for a corrupt record, an
 * unknown version or values out of range.
 */
int smartbms_settings_unpack(struct smartbms_settings *set, const u8 *buf, size_t size)
{
	int len;

	len = smartbms_record_check(buf, size, SMARTBMS_SETTINGS_MAGIC);
	if (len < 0)
		return len;
	if (buf[2] != SMARTBMS_SETTINGS_VERSION ||
	    len != SMARTBMS_SETTINGS_RECORD_SIZE - SMARTBMS_RECORD_OVERHEAD)
		return -EBADMSG;
	return smartbms_settings_get(set, buf + 4);
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_unpack);

/**
 * smartbms_settings_slot_pack() - a journal slot (version 2) for a cell
 * @set: valid settings
 * @seq: the slot's sequence number, one more than the slot in force
 * @buf: the cell's new contents
 * @size: the cell's size
 *
 * Return: 0, or -EMSGSIZE when the cell is too small for the slot.
 */
int smartbms_settings_slot_pack(const struct smartbms_settings *set, u32 seq,
				u8 *buf, size_t size)
{
	u8 payload[SMARTBMS_SETTINGS_SLOT_SIZE - SMARTBMS_RECORD_OVERHEAD];

	put_unaligned_le32(seq, payload);
	smartbms_settings_put(set, payload + 4);
	return smartbms_record_seal(buf, size, SMARTBMS_SETTINGS_VERSION_JOURNAL,
				    payload, sizeof(payload));
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_slot_pack);

/**
 * smartbms_settings_slot_unpack() - the settings a slot holds
 * @set: the settings, written only on success
 * @seq: the slot's sequence number (0 for a version 1 record), on success
 * @buf: the cell's contents
 * @size: the cell's size
 *
 * A version 1 record is read as a slot with sequence number 0: a device
 * upgraded from the one-record layout keeps its settings.
 *
 * Return: 0; -ENODATA for a blank cell; -EBADMSG for a corrupt slot, an
 * unknown version or values out of range.
 */
int smartbms_settings_slot_unpack(struct smartbms_settings *set, u32 *seq,
				  const u8 *buf, size_t size)
{
	int len, ret;

	len = smartbms_record_check(buf, size, SMARTBMS_SETTINGS_MAGIC);
	if (len < 0)
		return len;
	if (buf[2] == SMARTBMS_SETTINGS_VERSION) {
		ret = smartbms_settings_unpack(set, buf, size);
		if (!ret)
			*seq = 0;
		return ret;
	}
	if (buf[2] != SMARTBMS_SETTINGS_VERSION_JOURNAL ||
	    len != SMARTBMS_SETTINGS_SLOT_SIZE - SMARTBMS_RECORD_OVERHEAD)
		return -EBADMSG;
	ret = smartbms_settings_get(set, buf + 8);
	if (!ret)
		*seq = get_unaligned_le32(buf + 4);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_slot_unpack);

/**
 * smartbms_settings_pick() - the settings in force, from the two slots
 * @set: the settings of the newest valid slot, written only on success
 * @seq: its sequence number
 * @a: slot A's cell (where a version 1 record is kept)
 * @a_size: its size
 * @b: slot B's cell, or NULL where the board has only slot A
 * @b_size: its size
 *
 * Of two valid slots the one whose sequence number is ahead of the other's
 * in serial arithmetic (RFC 1982, as a 32-bit difference) is newer, so the
 * counter may wrap.  Equal numbers cannot come from saves (each is one more
 * than the slot in force); slot A then wins.
 *
 * Return: 0 for slot A, 1 for slot B; -ENODATA when both are blank (never
 * written); -EBADMSG when no slot is valid and one is not blank.
 */
int smartbms_settings_pick(struct smartbms_settings *set, u32 *seq,
			   const u8 *a, size_t a_size, const u8 *b, size_t b_size)
{
	struct smartbms_settings sa, sb;
	u32 qa = 0, qb = 0;
	int ra, rb;

	ra = smartbms_settings_slot_unpack(&sa, &qa, a, a_size);
	rb = b ? smartbms_settings_slot_unpack(&sb, &qb, b, b_size) : -ENODATA;
	if (!ra && (rb || (s32)(qb - qa) <= 0)) {
		*set = sa;
		*seq = qa;
		return 0;
	}
	if (!rb) {
		*set = sb;
		*seq = qb;
		return 1;
	}
	return ra == -ENODATA && rb == -ENODATA ? -ENODATA : -EBADMSG;
}
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_pick);
