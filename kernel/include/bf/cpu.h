/* CPU identification and control. */
#ifndef BF_CPU_H
#define BF_CPU_H

#include <stdint.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* True if EFLAGS.ID can be toggled, i.e. the CPU implements CPUID. */
static inline int cpu_has_cpuid(void)
{
    uint32_t before, after;
    __asm__ __volatile__(
        "pushfl\n\t"
        "popl %0\n\t"
        "movl %0, %1\n\t"
        "xorl $0x200000, %1\n\t"
        "pushl %1\n\t"
        "popfl\n\t"
        "pushfl\n\t"
        "popl %1\n\t"
        "pushl %0\n\t"              /* restore the original flags */
        "popfl"
        : "=&r"(before), "=&r"(after)
        :
        : "cc");
    return ((before ^ after) & 0x200000) != 0;
}

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ __volatile__("cpuid"
                         : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                         : "a"(leaf), "c"(subleaf));
    return r;
}

/* Copies the 12-character vendor string plus NUL into buf. */
static inline void cpu_vendor(char buf[13])
{
    struct cpuid_regs r = cpuid(0, 0);
    /* The vendor string is stored in EBX, EDX, ECX order. */
    const uint32_t parts[3] = { r.ebx, r.edx, r.ecx };
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 4; j++)
            buf[i * 4 + j] = (char)(parts[i] >> (8 * j));
    }
    buf[12] = '\0';
}

static inline void cpu_halt(void)
{
    __asm__ __volatile__("hlt");
}

static inline void cpu_cli(void)
{
    __asm__ __volatile__("cli" ::: "memory");
}

/* Enables interrupts; call only after idt_init(), or the first IRQ triple-faults. */
static inline void cpu_sti(void)
{
    __asm__ __volatile__("sti" ::: "memory");
}

/* Disables interrupts and returns the previous EFLAGS, for cpu_irq_restore(). */
static inline uint32_t cpu_irq_save(void)
{
    uint32_t flags;
    __asm__ __volatile__("pushfl\n\t"
                         "popl %0\n\t"
                         "cli"
                         : "=r"(flags)
                         :
                         : "memory");
    return flags;
}

/* Re-enables interrupts only if they were enabled when cpu_irq_save() ran. */
static inline void cpu_irq_restore(uint32_t flags)
{
    if (flags & 0x200)
        cpu_sti();
}

/* The time-stamp counter (Pentium and later, which i686 implies). */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t cpu_read_cr0(void)
{
    uint32_t v;
    __asm__ __volatile__("movl %%cr0, %0" : "=r"(v));
    return v;
}

static inline void cpu_write_cr0(uint32_t v)
{
    __asm__ __volatile__("movl %0, %%cr0" : : "r"(v) : "memory");
}

/* CR4 exists from the Pentium on; the SIMD set-up only touches it when CPUID reports SSE. */
static inline uint32_t cpu_read_cr4(void)
{
    uint32_t v;
    __asm__ __volatile__("movl %%cr4, %0" : "=r"(v));
    return v;
}

static inline void cpu_write_cr4(uint32_t v)
{
    __asm__ __volatile__("movl %0, %%cr4" : : "r"(v) : "memory");
}

#endif
