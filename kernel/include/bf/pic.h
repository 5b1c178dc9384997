/* The two cascaded 8259A interrupt controllers, remapped to vectors 0x20-0x2F. */
#ifndef BF_PIC_H
#define BF_PIC_H

#define PIC_CASCADE_IRQ 2 /* the slave's output on the master */

/* Remaps IRQ 0-7 to 0x20-0x27 and IRQ 8-15 to 0x28-0x2F, and masks every IRQ. */
void pic_init(void);
/* Unmasking a slave IRQ (8-15) also unmasks the cascade line. */
void pic_unmask(int irq);
void pic_mask(int irq);
/* End of interrupt: to the slave as well for IRQ 8-15. */
void pic_eoi(int irq);
/*
 * True if IRQ 7 or 15 is spurious (its in-service bit is clear); such an IRQ gets no handler
 * call and no EOI, except the master's EOI for a spurious IRQ 15, which is done here.
 */
int pic_spurious(int irq);

#endif
