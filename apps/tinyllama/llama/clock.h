/*
 * What the generation's rdtsc ticks measure. QEMU says how it runs through the fw_cfg file
 * opt/bareflow/clock (bfbuild writes it, bfbuild_unikernel/qemu/boot.py): "icount" (-icount
 * shift=0: a tick is one guest instruction and 1 ns of virtual time), "virtual" (-icount with
 * another shift: ticks are virtual nanoseconds) or "host" (ticks are the host's TSC cycles).
 * Without it the ticks are just ticks. Their rate is measured against the PIT, so tokens per
 * second can be given whenever the kind of clock is known.
 */
#ifndef LLAMA_CLOCK_H
#define LLAMA_CLOCK_H

#include <stdint.h>

struct llama_clock {
    const char *unit;    /* "instructions", "virtual-ns", "host-cycles" or "ticks" */
    const char *seconds; /* what a second is: "virtual time of -icount, 1 ns per instruction",
                          * "virtual time of -icount", "host clock"; 0 when unknown */
    uint64_t hz;         /* ticks per second, measured; 0 when not measured */
};

/* Reads the fw_cfg file and measures the tick rate over a few timer periods (needs the PIT
 * running and interrupts enabled; waits 20 timer periods, 20 ms at 1000 Hz). */
void llama_clock_init(struct llama_clock *clock);

/* Prints "T tokens in S.SSS s, R.R tokens/s (what a second is)" for `tokens` made in `ticks`,
 * or nothing when the clock is unknown; returns whether it printed. */
int llama_clock_print_speed(const struct llama_clock *clock, int tokens, uint64_t ticks);

#endif
