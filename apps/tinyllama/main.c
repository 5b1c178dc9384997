/* tinyllama: boots, identifies itself and the machine, exits cleanly. */
#include <stdint.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/kheader.h>
#include <bf/panic.h>
#include <bf/serial.h>
#include <bf/vga.h>

/* The build passes these with -D; keep the kernel buildable without them. */
#ifndef BF_CPU
#define BF_CPU "unknown"
#endif
#ifndef BF_TOOLCHAIN
#define BF_TOOLCHAIN "unknown"
#endif

void kmain(void);

void kmain(void)
{
    serial_init();
    vga_init();

    kprintf("BareFlow tinyllama: cpu=%s toolchain=%s\n", BF_CPU, BF_TOOLCHAIN);

    const struct bf_kernel_header *h = &__kernel_header;
    if (h->magic != BF_KERNEL_MAGIC)
        panic("kernel header magic is %08x", (unsigned)h->magic);
    kprintf("kernel: %u sectors, %u bytes, entry %p, bss end %p\n",
            (unsigned)h->sectors, (unsigned)h->file_bytes,
            (void *)(uintptr_t)h->entry, (void *)(uintptr_t)h->bss_end);

    if (cpu_has_cpuid()) {
        char vendor[13];
        cpu_vendor(vendor);
        kprintf("cpu vendor: %s\n", vendor);
    } else {
        kputs("cpu vendor: no cpuid\n");
    }

    kputs("tinyllama: ok\n");
    bf_exit(BF_EXIT_SUCCESS);
}
