/* Starting the other processors: INIT, STARTUP, STARTUP through the trampoline (bf/smp.h). */
#include <stdint.h>
#include <bf/acpi.h>
#include <bf/apic.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/heap.h>
#include <bf/idt.h>
#include <bf/parallel.h>
#include <bf/smp.h>
#include <bf/string.h>
#include <bf/timer.h>

#define AP_STACK_BYTES (16u * 1024u)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXSAVE (1u << 18)
/* The MP specification's delays: 10 ms after INIT, 200 us after each STARTUP (a timer tick is
 * 1 ms, so a wait of one tick is at least 1 ms). A processor that has not answered 100 ms after
 * the second STARTUP is taken as absent. */
#define INIT_WAIT_MS 10u
#define STARTUP_WAIT_MS 1u
#define ANSWER_WAIT_MS 100u

/* The trampoline's parameter block (smp_trampoline.asm). */
struct smp_boot_params {
    uint32_t load_address;
    uint16_t gdt_limit;
    uint32_t gdt_base;
    uint16_t idt_limit;
    uint32_t idt_base;
    uint32_t pm_entry;
    uint16_t code_sel;
    uint16_t data_sel;
    uint32_t stack_top;
    uint32_t entry;
} __attribute__((packed));

_Static_assert(sizeof(struct smp_boot_params) == 32, "the layout of smp_trampoline.asm");

extern const uint8_t smp_trampoline_start[], smp_trampoline_end[], smp_trampoline_params[];
extern void smp_wakeup_stub(void);
extern void smp_spurious_stub(void);

/* What every started processor copies from the boot processor. */
static struct {
    uint32_t cr0, cr4, xcr0_low, xcr0_high, mxcsr, lapic_base;
} boot_cpu;

static volatile uint32_t next_index; /* the worker index of the processor being started */
static volatile uint32_t slot_open;  /* 1 while that processor may still claim its start */

static const char *const source_names[] = {
    [BF_CPUS_NONE] = "no ACPI or MP table",
    [BF_CPUS_ACPI] = "ACPI MADT",
    [BF_CPUS_MPTABLE] = "MP table",
};

/* The started processor's C entry, on its own stack with the boot processor's GDT and IDT. */
static void smp_ap_main(void)
{
    uint32_t index = next_index;
    cpu_write_cr0(boot_cpu.cr0); /* FPU bits as fpu_init() set them, caches on */
    cpu_write_cr4(boot_cpu.cr4); /* SSE (and AVX) state as simd_init() set it */
    if (boot_cpu.cr4 & CR4_OSXSAVE)
        __asm__ __volatile__("xsetbv" : : "c"(0), "a"(boot_cpu.xcr0_low), "d"(boot_cpu.xcr0_high));
    __asm__ __volatile__("fninit" ::: "memory");
    if (boot_cpu.cr4 & CR4_OSFXSR)
        __asm__ __volatile__("ldmxcsr %0" : : "m"(boot_cpu.mxcsr));
    lapic_enable(boot_cpu.lapic_base);
    /* Claim the start: a processor answering after the boot processor gave up finds it closed. */
    if (!__atomic_exchange_n(&slot_open, 0, __ATOMIC_SEQ_CST))
        for (;;)
            cpu_halt(); /* interrupts are off: for good */
    bf_parallel_worker(index);
}

static void save_boot_cpu(uint32_t lapic_base)
{
    boot_cpu.cr0 = cpu_read_cr0();
    boot_cpu.cr4 = cpu_read_cr4(); /* a processor with a local APIC is a Pentium or later */
    if (boot_cpu.cr4 & CR4_OSXSAVE)
        __asm__ __volatile__("xgetbv" : "=a"(boot_cpu.xcr0_low), "=d"(boot_cpu.xcr0_high) : "c"(0));
    if (boot_cpu.cr4 & CR4_OSFXSR)
        __asm__ __volatile__("stmxcsr %0" : "=m"(boot_cpu.mxcsr));
    boot_cpu.lapic_base = lapic_base;
}

static struct smp_boot_params *install_trampoline(void)
{
    const struct smp_boot_params *image = (const struct smp_boot_params *)smp_trampoline_params;
    uint8_t *at = (uint8_t *)(uintptr_t)image->load_address;
    memcpy(at, smp_trampoline_start, (size_t)(smp_trampoline_end - smp_trampoline_start));
    struct smp_boot_params *p =
        (struct smp_boot_params *)(at + (smp_trampoline_params - smp_trampoline_start));
    __asm__ __volatile__("sgdt %0" : "=m"(p->gdt_limit) : : "memory"); /* limit and base */
    __asm__ __volatile__("sidt %0" : "=m"(p->idt_limit) : : "memory");
    __asm__ __volatile__("movw %%cs, %0" : "=r"(p->code_sel));
    __asm__ __volatile__("movw %%ds, %0" : "=r"(p->data_sel));
    p->entry = (uint32_t)(uintptr_t)smp_ap_main;
    return p;
}

/* Waits `ms` milliseconds of timer ticks, or less once *done is 0 (interrupts must be on). */
static void wait_ms(uint32_t ms, volatile uint32_t *done)
{
    uint64_t end = timer_ticks() + (ms * timer_hz() + 999u) / 1000u + 1u;
    while (timer_ticks() < end && !(done && *done == 0))
        cpu_halt();
}

/* INIT, STARTUP, STARTUP as the MP specification orders; 1 if the processor claimed its start. */
static int start_one(struct smp_boot_params *p, uint8_t apic_id, uint32_t index)
{
    uint8_t *stack = kmalloc(AP_STACK_BYTES);
    if (!stack)
        return 0;
    p->stack_top = (uint32_t)(uintptr_t)(stack + AP_STACK_BYTES);
    next_index = index;
    __atomic_store_n(&slot_open, 1, __ATOMIC_SEQ_CST);
    lapic_send_init(apic_id);
    wait_ms(INIT_WAIT_MS, 0);
    lapic_send_startup(apic_id, p->load_address);
    wait_ms(STARTUP_WAIT_MS, &slot_open);
    if (slot_open) { /* modern processors start on the first; the specification sends two */
        lapic_send_startup(apic_id, p->load_address);
        wait_ms(ANSWER_WAIT_MS, &slot_open);
    }
    /* Closed by us: it never answered (its stack stays allocated: it may yet wake). */
    return __atomic_exchange_n(&slot_open, 0, __ATOMIC_SEQ_CST) == 0;
}

void smp_init(void)
{
    if (!lapic_present() || !timer_hz()) {
        kprintf("smp: 1 processor running (no local APIC)\n");
        return;
    }
    struct bf_cpu_list cpus;
    enum bf_cpu_source source = bf_cpus_find(0, &cpus);
    lapic_enable(cpus.lapic_base);
    idt_set_gate(BF_APIC_WAKEUP_VECTOR, smp_wakeup_stub);
    idt_set_gate(BF_APIC_SPURIOUS_VECTOR, smp_spurious_stub);
    save_boot_cpu(cpus.lapic_base);
    uint8_t self = lapic_id();
    struct smp_boot_params *params = install_trampoline();
    uint32_t started = 0;
    for (uint32_t i = 0; i < cpus.count; i++) {
        if (cpus.apic_id[i] == self)
            continue;
        if (!start_one(params, cpus.apic_id[i], started + 1)) {
            /* Stop here: a late answer must not take the next processor's stack. */
            kprintf("smp: processor with local APIC id %u did not start\n", cpus.apic_id[i]);
            break;
        }
        started++;
    }
    bf_parallel_set_workers(started);
    kprintf("smp: %u processor%s running, %u started (%s)\n", started + 1, started ? "s" : "",
            started, source_names[source]);
    if (cpus.skipped)
        kprintf("smp: %u more processors left idle (the kernel runs at most %u)\n", cpus.skipped,
                BF_MAX_CPUS);
}
