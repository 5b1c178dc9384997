/* Reporting CPU exceptions on the console, then leaving QEMU with a per-vector status. */
#include <stdint.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/exceptions.h>
#include <bf/exit.h>

static const char *const names[IDT_EXCEPTIONS] = {
    [0] = "divide error",
    [1] = "debug",
    [2] = "non-maskable interrupt",
    [3] = "breakpoint",
    [4] = "overflow",
    [5] = "BOUND range exceeded",
    [6] = "invalid opcode",
    [7] = "device not available",
    [8] = "double fault",
    [9] = "coprocessor segment overrun",
    [10] = "invalid TSS",
    [11] = "segment not present",
    [12] = "stack-segment fault",
    [13] = "general protection",
    [14] = "page fault",
    [16] = "x87 floating-point error",
    [17] = "alignment check",
    [18] = "machine check",
    [19] = "SIMD floating-point",
    [20] = "virtualization",
    [21] = "control protection",
    [28] = "hypervisor injection",
    [29] = "VMM communication",
    [30] = "security",
};

const char *exception_name(unsigned vector)
{
    if (vector < IDT_EXCEPTIONS && names[vector])
        return names[vector];
    return "reserved";
}

void exception_handler(const struct bf_interrupt_frame *frame)
{
    static volatile int reporting;

    cpu_cli();
    /* A fault while reporting (say, a broken console) must not recurse until the stack is gone. */
    if (reporting)
        bf_exit(BF_EXIT_EXCEPTION_BASE + (frame->vector & 0x1F));
    reporting = 1;

    /* Same privilege level, so the CPU pushed no SS:ESP: the old stack starts above EFLAGS. */
    uint32_t esp = (uint32_t)(uintptr_t)(&frame->eflags + 1);

    kprintf("EXCEPTION %u (%s) at EIP=0x%08x error=0x%04x\n", (unsigned)frame->vector,
            exception_name(frame->vector), (unsigned)frame->eip, (unsigned)frame->error);
    kprintf("  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n",
            (unsigned)frame->eax, (unsigned)frame->ebx, (unsigned)frame->ecx,
            (unsigned)frame->edx, (unsigned)frame->esi, (unsigned)frame->edi);
    kprintf("  ebp=%08x esp=%08x cs=%04x eflags=%08x\n", (unsigned)frame->ebp, (unsigned)esp,
            (unsigned)frame->cs, (unsigned)frame->eflags);
    bf_exit(BF_EXIT_EXCEPTION_BASE + (frame->vector & 0x1F));
}
