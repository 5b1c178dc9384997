/* IRQ dispatch: the handler table, spurious-IRQ filtering, end of interrupt. */
#include <stdint.h>
#include <bf/cpu.h>
#include <bf/irq.h>
#include <bf/pic.h>

static irq_handler_fn handlers[IDT_IRQS];

int irq_set_handler(int irq, irq_handler_fn fn)
{
    if (irq < 0 || irq >= IDT_IRQS)
        return -1;
    uint32_t flags = cpu_irq_save();
    handlers[irq] = fn;
    if (fn)
        pic_unmask(irq);
    else
        pic_mask(irq);
    cpu_irq_restore(flags);
    return 0;
}

void irq_dispatch(const struct bf_interrupt_frame *frame)
{
    int irq = (int)(frame->vector - IDT_IRQ_BASE);
    if (irq < 0 || irq >= IDT_IRQS || pic_spurious(irq))
        return;
    irq_handler_fn fn = handlers[irq];
    if (fn)
        fn(frame);
    pic_eoi(irq);
}
