/* The IDT: gate encoding and lidt. */
#include <stdint.h>
#include <bf/cpu.h>
#include <bf/idt.h>
#include <bf/string.h>

#define GATE_INTERRUPT32 0x8E /* present, DPL 0, 32-bit interrupt gate */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t offset_high;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 8, "an IDT gate is 8 bytes");

/* Entry stubs from isr.asm: 32 exceptions, then 16 IRQs. */
extern void (*const isr_stub_table[IDT_EXCEPTIONS + IDT_IRQS])(void);

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(8)));

static uint16_t code_selector(void)
{
    /* The GDT belongs to stage 2; use whatever code segment it gave us. */
    uint16_t cs;
    __asm__ __volatile__("movw %%cs, %0" : "=r"(cs));
    return cs;
}

void idt_set_gate(uint8_t vector, void (*handler)(void))
{
    uint32_t addr = (uint32_t)(uintptr_t)handler;
    idt[vector].offset_low = (uint16_t)addr;
    idt[vector].selector = code_selector();
    idt[vector].zero = 0;
    idt[vector].type_attr = GATE_INTERRUPT32;
    idt[vector].offset_high = (uint16_t)(addr >> 16);
}

void idt_init(void)
{
    /* A second call (an application redoing bring-up) must not take an IRQ on a half-built table. */
    uint32_t flags = cpu_irq_save();
    memset(idt, 0, sizeof(idt));
    for (unsigned v = 0; v < IDT_EXCEPTIONS; v++)
        idt_set_gate((uint8_t)v, isr_stub_table[v]);
    for (unsigned i = 0; i < IDT_IRQS; i++)
        idt_set_gate((uint8_t)(IDT_IRQ_BASE + i), isr_stub_table[IDT_EXCEPTIONS + i]);

    struct idt_pointer ptr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
    __asm__ __volatile__("lidt %0" : : "m"(ptr) : "memory");
    cpu_irq_restore(flags);
}
