/*
 * Starting the other processors (docs/smp.md). The boot processor finds them (bf/acpi.h) and
 * starts each with INIT, STARTUP, STARTUP through a real-mode trampoline copied below 1 MiB;
 * each then runs on its own stack with the boot processor's GDT, IDT and FPU/SSE set-up and
 * waits for work from bf_parallel_for() (bf/parallel.h).
 */
#ifndef BF_SMP_H
#define BF_SMP_H

#include <stdint.h>

/* Called by bf_runtime_init() once the timer ticks (its delays count timer ticks); prints
 * "smp: N processors running ..." and never fails: a processor that does not answer is left
 * out. Without a local APIC or another processor it starts nothing. */
void smp_init(void);

#endif
