/* The local APIC: enable, id, IPIs (bf/apic.h). Register offsets from the Intel SDM, vol. 3A. */
#include <stdint.h>
#include <bf/acpi.h>
#include <bf/apic.h>
#include <bf/cpu.h>

#define REG_ID 0x020u
#define REG_EOI 0x0B0u
#define REG_SVR 0x0F0u
#define REG_ICR_LOW 0x300u
#define REG_ICR_HIGH 0x310u

#define SVR_ENABLE (1u << 8)
#define ICR_PENDING (1u << 12)     /* delivery status: not yet sent */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_FIXED 0x000u
#define ICR_INIT 0x500u
#define ICR_STARTUP 0x600u

static uintptr_t base = BF_LAPIC_DEFAULT_BASE;
volatile uint32_t *lapic_eoi_register = (volatile uint32_t *)(BF_LAPIC_DEFAULT_BASE + REG_EOI);

static volatile uint32_t *reg(uint32_t offset)
{
    return (volatile uint32_t *)(base + offset);
}

int lapic_present(void)
{
    return cpu_has_cpuid() && (cpuid(1, 0).edx & (1u << 9)) != 0;
}

void lapic_enable(uint32_t address)
{
    base = address;
    lapic_eoi_register = reg(REG_EOI);
    *reg(REG_SVR) = (*reg(REG_SVR) & ~0xFFu) | SVR_ENABLE | BF_APIC_SPURIOUS_VECTOR;
}

uint8_t lapic_id(void)
{
    return (uint8_t)(*reg(REG_ID) >> 24);
}

static void send(uint8_t apic_id, uint32_t command)
{
    /* The high half names the destination; writing the low half sends. */
    *reg(REG_ICR_HIGH) = (uint32_t)apic_id << 24;
    *reg(REG_ICR_LOW) = command;
    while (*reg(REG_ICR_LOW) & ICR_PENDING)
        __asm__ __volatile__("rep; nop" ::: "memory");
}

void lapic_send_init(uint8_t apic_id)
{
    send(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    send(apic_id, ICR_INIT | ICR_LEVEL);
}

void lapic_send_startup(uint8_t apic_id, uint32_t entry_address)
{
    send(apic_id, ICR_STARTUP | ICR_ASSERT | ((entry_address >> 12) & 0xFFu));
}

void lapic_send_fixed(uint8_t apic_id, uint8_t vector)
{
    send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}
