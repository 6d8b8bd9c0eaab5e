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
	u8 *p = buf + 4;

	if (size < SMARTBMS_SETTINGS_RECORD_SIZE)
		return -EMSGSIZE;
	memset(buf, 0, size);
	put_unaligned_le16(SMARTBMS_SETTINGS_MAGIC, buf);
	buf[2] = SMARTBMS_SETTINGS_VERSION;
	buf[3] = SMARTBMS_SETTINGS_RECORD_SIZE - SMARTBMS_RECORD_OVERHEAD;
	p[0] = set->fuse;
	p[1] = set->prealarm_usage;
	p[2] = set->prealarm_output;
	p[3] = set->remote_function;
	p[4] = set->soft_switch;
	put_unaligned_le32(set->charge_limit_uv, p + 8);
	put_unaligned_le32(smartbms_record_crc(buf, 4 + buf[3]), p + buf[3]);
	return 0;
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
	const u8 *p = buf + 4;
	struct smartbms_settings s;
	int len;

	len = smartbms_record_check(buf, size, SMARTBMS_SETTINGS_MAGIC);
	if (len < 0)
		return len;
	if (buf[2] != SMARTBMS_SETTINGS_VERSION ||
	    len != SMARTBMS_SETTINGS_RECORD_SIZE - SMARTBMS_RECORD_OVERHEAD ||
	    p[4] > 1 || p[5] || p[6] || p[7])
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
EXPORT_SYMBOL_IF_KUNIT(smartbms_settings_unpack);
