/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated gates' one tracepoint: the moment a write reaches the
 * "hardware", after gpiolib and its own gpio:gpio_value events.  The bench
 * (tests/bench/) ends a trip there, as a logic analyser on the gate pins
 * would.  The chip is named by its label (the platform device's name), the
 * lines by their offsets on it: one word of them, mask and values.
 * Test-only: never part of the product.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM smartbms_sim_gate

#if !defined(_SMARTBMS_SIM_GATE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SMARTBMS_SIM_GATE_TRACE_H

#include <linux/gpio/driver.h>
#include <linux/tracepoint.h>

TRACE_EVENT(smartbms_sim_gate_write,
	    TP_PROTO(const struct gpio_chip *gc, unsigned long mask,
		     unsigned long bits),
	    TP_ARGS(gc, mask, bits),
	    TP_STRUCT__entry(__string(chip, gc->label)
			     __field(unsigned long, mask)
			     __field(unsigned long, bits)),
	    TP_fast_assign(__assign_str(chip);
			   __entry->mask = mask;
			   __entry->bits = bits;),
	    TP_printk("chip=%s mask=%#lx bits=%#lx",
		      __get_str(chip), __entry->mask, __entry->bits)
);

#endif /* _SMARTBMS_SIM_GATE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE smartbms_sim_gate_trace
#include <trace/define_trace.h>
