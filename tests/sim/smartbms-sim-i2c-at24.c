// SPDX-License-Identifier: GPL-2.0
/*
 * Register-level model of the Atmel AT24C02 serial EEPROM (2 Kbit, 256
 * bytes) for the smartbms test bench.  Test-only: never part of the
 * product.  References are to the datasheet, Atmel 0180 (AT24C01A/02/04/
 * 08A/16A, rev. 0180Z).
 *
 * As the datasheet states it:
 *  - device addressing: the chip acknowledges its address, then a write
 *    takes the word address (one byte for the 24C02) and data bytes
 *    ("Device Addressing", "Write Operations");
 *  - page write: up to 8 bytes; the 3 low bits of the word address
 *    increment after each byte and wrap inside the page, so a ninth byte
 *    overwrites the first ("Page Write");
 *  - the bytes are programmed by the self-timed write cycle that the STOP
 *    condition starts, tWR at most 5 ms (AC characteristics); a START
 *    instead of the STOP programs nothing;
 *  - during the write cycle the inputs are disabled and the chip does not
 *    acknowledge its address ("Acknowledge Polling"), which is what the
 *    at24 driver's write loop waits on;
 *  - current address, random (a dummy write of the word address, then a
 *    repeated START) and sequential reads, the address rolling over from
 *    the last byte to the first ("Read Operations").
 * The erased state is FFh.
 *
 * debugfs, besides the bus's faults:
 *   contents		the 256 bytes (read and written whole by the bench
 *			to keep them across power-offs, as the chip would)
 *   write_cycles	write cycles since the module was loaded
 *   bytes_programmed	bytes those cycles programmed
 *   cut_after		N >= 0: the power goes once the chip has programmed
 *			N more bytes, in the write cycle that programs the
 *			Nth (the rest of that page is never programmed); from
 *			then the chip is gone (the bus's "gone" reads 1)
 *			until the bench powers it up again (writes 0 to
 *			"gone"); -1 (the default): no cut
 */

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/string.h>

#include "smartbms-sim-i2c.h"

#define AT24_SIZE	256
#define AT24_PAGE	8
#define AT24_TWR_NS	(5 * NSEC_PER_MSEC)

/**
 * struct at24 - the chip's state
 * @mem: the array
 * @addr: the word address counter
 * @wr_addr: a word address was received in this write
 * @pending: bytes of the page buffer loaded (0: no write to program)
 * @page: the page buffer, by the address within the page
 * @loaded: which bytes of @page were loaded, by address within the page
 * @busy_until: end of the write cycle in progress (ktime ns)
 * @write_cycles: write cycles since the module was loaded
 * @bytes_programmed: bytes they programmed
 * @cut_after: bytes of the next write cycle programmed before the power
 *	goes, or -1
 */
struct at24 {
	u8 mem[AT24_SIZE];
	u8 addr;
	bool wr_addr;
	unsigned int pending;
	u8 page[AT24_PAGE];
	u8 loaded;
	u64 busy_until;
	u64 write_cycles;
	u64 bytes_programmed;
	int cut_after;
};

static int at24_start(struct sim_i2c_chip *chip, bool read)
{
	struct at24 *e = chip->priv;

	/* Acknowledge polling: no ACK until the write cycle is over. */
	if (ktime_get_ns() < e->busy_until)
		return -ENXIO;
	/* A START where a STOP should be: the loaded bytes are dropped. */
	e->pending = 0;
	e->loaded = 0;
	e->wr_addr = false;
	return 0;
}

static int at24_write(struct sim_i2c_chip *chip, u8 byte)
{
	struct at24 *e = chip->priv;
	unsigned int in_page;

	if (!e->wr_addr) {
		e->addr = byte;
		e->wr_addr = true;
		return 0;
	}
	in_page = e->addr % AT24_PAGE;
	e->page[in_page] = byte;
	e->loaded |= BIT(in_page);
	e->pending++;
	/* The low 3 bits roll over inside the page. */
	e->addr = (e->addr & ~(AT24_PAGE - 1)) | ((in_page + 1) % AT24_PAGE);
	return 0;
}

static u8 at24_read(struct sim_i2c_chip *chip)
{
	struct at24 *e = chip->priv;

	/* Reads roll over from the last byte of the array to the first. */
	return e->mem[e->addr++];
}

static void at24_stop(struct sim_i2c_chip *chip)
{
	struct at24 *e = chip->priv;
	unsigned int base = e->addr & ~(AT24_PAGE - 1), i, n = 0;

	e->wr_addr = false;
	if (!e->pending)
		return;
	/* The self-timed write cycle, in address order within the page. */
	for (i = 0; i < AT24_PAGE; i++) {
		if (!(e->loaded & BIT(i)))
			continue;
		if (!e->cut_after)
			break;
		e->mem[base + i] = e->page[i];
		n++;
		if (e->cut_after > 0)
			e->cut_after--;
	}
	if (!e->cut_after) {
		/* The supply is gone: the rest is never programmed. */
		e->cut_after = -1;
		chip->gone = true;
	}
	e->bytes_programmed += n;
	e->write_cycles++;
	e->busy_until = ktime_get_ns() + AT24_TWR_NS;
	e->pending = 0;
	e->loaded = 0;
}

static ssize_t at24_contents_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct sim_i2c_chip *chip = file->private_data;
	struct at24 *e = chip->priv;
	u8 copy[AT24_SIZE];

	scoped_guard(mutex, &chip->lock)
		memcpy(copy, e->mem, AT24_SIZE);
	return simple_read_from_buffer(buf, count, ppos, copy, AT24_SIZE);
}

static ssize_t at24_contents_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct sim_i2c_chip *chip = file->private_data;
	struct at24 *e = chip->priv;
	u8 copy[AT24_SIZE];
	loff_t pos = *ppos;
	ssize_t n;

	if (pos < 0 || pos >= AT24_SIZE)
		return count ? -ENOSPC : 0;
	scoped_guard(mutex, &chip->lock)
		memcpy(copy, e->mem, AT24_SIZE);
	n = simple_write_to_buffer(copy, AT24_SIZE, ppos, buf, count);
	if (n < 0)
		return n;
	guard(mutex)(&chip->lock);
	memcpy(e->mem + pos, copy + pos, n);
	return n;
}

static const struct file_operations at24_contents_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = at24_contents_read,
	.write = at24_contents_write,
	.llseek = default_llseek,
};

static int at24_cut_after_get(void *data, u64 *val)
{
	struct sim_i2c_chip *chip = data;
	struct at24 *e = chip->priv;

	guard(mutex)(&chip->lock);
	*val = (s64)e->cut_after;
	return 0;
}

static int at24_cut_after_set(void *data, u64 val)
{
	struct sim_i2c_chip *chip = data;
	struct at24 *e = chip->priv;

	if ((s64)val < -1 || (s64)val > AT24_SIZE)
		return -EINVAL;
	guard(mutex)(&chip->lock);
	e->cut_after = (s64)val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(at24_cut_after_fops, at24_cut_after_get,
				at24_cut_after_set, "%lld\n");

static int at24_init(struct sim_i2c_chip *chip, struct dentry *dir)
{
	struct at24 *e;

	e = devm_kzalloc(chip->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	memset(e->mem, 0xff, sizeof(e->mem));
	e->cut_after = -1;
	chip->priv = e;

	debugfs_create_file_size("contents", 0600, dir, chip, &at24_contents_fops,
				 AT24_SIZE);
	/* Counters, read without the lock: a test reads them between saves. */
	debugfs_create_u64("write_cycles", 0400, dir, &e->write_cycles);
	debugfs_create_u64("bytes_programmed", 0400, dir, &e->bytes_programmed);
	debugfs_create_file_unsafe("cut_after", 0600, dir, chip, &at24_cut_after_fops);
	return 0;
}

const struct sim_i2c_model sim_i2c_at24c02_model = {
	.compatible = "atmel,24c02",
	.init = at24_init,
	.start = at24_start,
	.write = at24_write,
	.read = at24_read,
	.stop = at24_stop,
};
