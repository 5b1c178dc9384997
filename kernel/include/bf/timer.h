/* The system timer: PIT channel 0 on IRQ 0, counting ticks. */
#ifndef BF_TIMER_H
#define BF_TIMER_H

#include <stdint.h>

/*
 * Programs the PIT to interrupt hz times a second (19..1193182; e.g. 1000) and installs the tick
 * handler. Needs idt_init() and pic_init(); ticks count once interrupts are enabled (cpu_sti()).
 * Returns 0, or -1 if hz is 0.
 */
int timer_init(uint32_t hz);
/* Called on every tick with the interrupted context (the sampling profiler), or NULL; the tick
 * counts when it returns non-zero. */
struct bf_interrupt_frame;
typedef int (*timer_hook_fn)(const struct bf_interrupt_frame *frame);
void timer_set_hook(timer_hook_fn fn);
/* Reprograms the rate after timer_init(), restarting the period now; 0, or -1 (hz == 0 or
 * before timer_init()). The sampling profiler uses both: no ticks while it waits for the disk. */
int timer_set_rate(uint32_t hz);
/* Stops the ticks (at most one more arrives) until timer_set_rate(). */
void timer_stop(void);
/* Ticks since timer_init(). */
uint64_t timer_ticks(void);
/* The rate actually programmed (the PIT divides 1193182 Hz by an integer), 0 before init. */
uint32_t timer_hz(void);

#endif
