/* Hardware interrupts (PIC IRQ 0-15) dispatched to C handlers. */
#ifndef BF_IRQ_H
#define BF_IRQ_H

#include <bf/idt.h>

/*
 * Runs with interrupts disabled, before the EOI. Must be short and must not use floating point
 * (the entry stubs do not save the x87 state) or the heap. `frame` is the interrupted context.
 */
typedef void (*irq_handler_fn)(const struct bf_interrupt_frame *frame);

/*
 * Installs fn for irq (0-15) and unmasks the line; fn == NULL masks it again.
 * Returns 0, or -1 if irq is out of range. Needs idt_init() and pic_init() first
 * (bf_runtime_init() does both).
 */
int irq_set_handler(int irq, irq_handler_fn fn);

/* Called by the IRQ stubs in isr.asm. */
void irq_dispatch(const struct bf_interrupt_frame *frame);

#endif
