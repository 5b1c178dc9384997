/*
 * The interrupt descriptor table: 256 gates. Vectors 0-31 are the CPU exceptions, 0x20-0x2F the
 * remapped PIC IRQs (bf/pic.h); the entry stubs are in kernel/runtime/isr.asm. The other gates
 * are left empty, so a stray `int n` raises a general-protection fault (exception 13) with
 * error code n * 8 + 2, reported like any exception.
 */
#ifndef BF_IDT_H
#define BF_IDT_H

#include <stdint.h>

#define IDT_ENTRIES 256
#define IDT_EXCEPTIONS 32
#define IDT_IRQ_BASE 0x20
#define IDT_IRQS 16

/* What the stubs in isr.asm leave on the stack; keep the two in step. */
struct bf_interrupt_frame {
    uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax; /* pushad */
    uint32_t vector;
    uint32_t error;           /* the CPU's error code, or 0 for vectors that push none */
    uint32_t eip, cs, eflags; /* pushed by the CPU; ring 0 only, so no SS:ESP */
};

/*
 * Installs the exception and IRQ gates and loads the IDT. The IRQ gates assume the PICs are
 * remapped to IDT_IRQ_BASE (pic_init(), bf/pic.h; the BIOS mapping collides with exceptions):
 * bf_runtime_init() does both. Leaves the interrupt flag as it was.
 */
void idt_init(void);

/* Points `vector` at `handler` as a ring-0 32-bit interrupt gate (IF cleared on entry). */
void idt_set_gate(uint8_t vector, void (*handler)(void));

#endif
