/* The local APIC (memory-mapped, no paging): enabling it, its id, sending IPIs, end of
 * interrupt. Every processor enables its own. */
#ifndef BF_APIC_H
#define BF_APIC_H

#include <stdint.h>

/* Vectors of the local APIC's own interrupts (above the exceptions and the PIC's 0x20-0x2F). */
#define BF_APIC_WAKEUP_VECTOR 0xF0   /* wakes a processor halted in the worker loop */
#define BF_APIC_SPURIOUS_VECTOR 0xFF /* low 4 bits set, as the P6 requires */

/* True when CPUID says this processor has a local APIC. */
int lapic_present(void);
/* Uses the registers at `base` (from the MADT) and software-enables this processor's local APIC
 * with the spurious vector; LINT0 stays as the firmware left it (ExtINT on the boot processor,
 * so the PIC's interrupts still arrive). */
void lapic_enable(uint32_t base);
/* This processor's local APIC id. */
uint8_t lapic_id(void);
/* INIT (assert, then de-assert), STARTUP with the page of the real-mode entry, and a fixed
 * interrupt; each waits until the local APIC has sent the IPI. */
void lapic_send_init(uint8_t apic_id);
void lapic_send_startup(uint8_t apic_id, uint32_t entry_address);
void lapic_send_fixed(uint8_t apic_id, uint8_t vector);

/* The register address the wakeup stub writes to acknowledge (smp_trampoline.asm). */
extern volatile uint32_t *lapic_eoi_register;

#endif
