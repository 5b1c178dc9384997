/* 8259A PIC programming: initialisation words, masks, end of interrupt. */
#include <stdint.h>
#include <bf/idt.h>
#include <bf/io.h>
#include <bf/pic.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT 0x10
#define ICW1_ICW4 0x01
#define ICW4_8086 0x01
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0B

void pic_init(void)
{
    outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
    io_wait();
    outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
    io_wait();
    outb(PIC1_DATA, IDT_IRQ_BASE); /* ICW2: vector base */
    io_wait();
    outb(PIC2_DATA, IDT_IRQ_BASE + 8);
    io_wait();
    outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ); /* ICW3: which master line has the slave */
    io_wait();
    outb(PIC2_DATA, PIC_CASCADE_IRQ); /* ICW3: the slave's cascade identity */
    io_wait();
    outb(PIC1_DATA, ICW4_8086);
    io_wait();
    outb(PIC2_DATA, ICW4_8086);
    io_wait();

    /* Nothing is delivered until a handler asks for its line (irq_set_handler). */
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
}

static void set_mask_bit(int irq, int masked)
{
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    uint8_t mask = inb(port);
    mask = masked ? (uint8_t)(mask | bit) : (uint8_t)(mask & ~bit);
    outb(port, mask);
}

void pic_unmask(int irq)
{
    if (irq < 0 || irq > 15)
        return;
    set_mask_bit(irq, 0);
    if (irq >= 8)
        set_mask_bit(PIC_CASCADE_IRQ, 0);
}

void pic_mask(int irq)
{
    if (irq < 0 || irq > 15)
        return;
    set_mask_bit(irq, 1);
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI);
}

static uint8_t in_service(uint16_t cmd_port)
{
    outb(cmd_port, OCW3_READ_ISR);
    return inb(cmd_port);
}

int pic_spurious(int irq)
{
    if (irq == 7)
        return !(in_service(PIC1_CMD) & 0x80);
    if (irq == 15 && !(in_service(PIC2_CMD) & 0x80)) {
        /* The master did see a real request on the cascade line. */
        outb(PIC1_CMD, OCW2_EOI);
        return 1;
    }
    return 0;
}
