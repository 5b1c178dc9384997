/*
 * Bring-up of the runtime library: every subsystem, in order, before the application's kmain.
 * Compiled for the 486 like the rest of the runtime library (docs/cpus.md).
 */
#ifndef BF_RUNTIME_H
#define BF_RUNTIME_H

/*
 * Called by _start (entry.asm) for every application, then kmain. Brings up COM1 and the VGA
 * console (kprintf works afterwards), the x87 FPU and the SSE/AVX state the CPU offers; runs
 * the CPU gate (bf_cpu_gate(), which exits when the CPU lacks a feature the build needs, so no
 * code built for the configuration's CPU runs before it); then the heap and its self-test
 * ("heap: self-test ok"), the IDT, the PICs, the PIT timer at BF_TIMER_HZ, the FAT16 volume of
 * the data disk when there is one (bf/data_disk.h), and enables interrupts. A step that fails
 * panics.
 */
void bf_runtime_init(void);

/* The application's entry, which every application defines: _start calls it after
 * bf_runtime_init(), built for the configuration's CPU. Returning exits with success. */
void kmain(void);

#define BF_TIMER_HZ 1000

#endif
