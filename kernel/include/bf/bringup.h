/* The first C code at boot, before the CPU gate: compiled for the 486 like the rest of the
 * runtime library (docs/cpus.md). */
#ifndef BF_BRINGUP_H
#define BF_BRINGUP_H

/*
 * Brings up COM1 and the VGA console (kprintf works afterwards), the x87 FPU, and the SSE/AVX
 * state the CPU offers (simd_init). Called by _start before bf_cpu_gate().
 */
void bf_bringup(void);

#endif
