/* bf_runtime_init(): the bring-up, one subsystem a line; see bf/runtime.h. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/cpu_features.h>
#include <bf/cpu_gate.h>
#include <bf/data_disk.h>
#include <bf/fpu.h>
#include <bf/heap.h>
#include <bf/idt.h>
#include <bf/panic.h>
#include <bf/pic.h>
#include <bf/runtime.h>
#include <bf/serial.h>
#include <bf/smp.h>
#include <bf/timer.h>
#include <bf/vga.h>

static void timer_start(void)
{
    if (timer_init(BF_TIMER_HZ) != 0)
        panic("timer_init failed");
}

static void heap_test(void)
{
    if (heap_selftest() != 0)
        panic("heap self-test failed");
    kprintf("heap: self-test ok\n");
}

void bf_runtime_init(void)
{
    serial_init();    /* COM1 serial */
    vga_init();       /* VGA console */
    fpu_init();       /* x87 FPU */
    simd_init();      /* SSE/AVX state */
    bf_cpu_gate();    /* CPU check */
    heap_init();      /* kernel heap */
    heap_test();      /* heap self-test */
    idt_init();       /* interrupt table */
    pic_init();       /* interrupt controllers */
    timer_start();    /* PIT timer */
    data_disk_init(); /* FAT16 volume */
    cpu_sti();        /* interrupts on */
    smp_init();       /* the other processors (its delays count timer ticks) */
    /* The profiler, the module loader and the keyboard (polled) need no set-up. */
}
