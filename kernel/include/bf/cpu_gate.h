/* The first C code at boot: compiled for the baseline CPU, it checks that this CPU can run the
 * rest of the kernel before any of it runs. */
#ifndef BF_CPU_GATE_H
#define BF_CPU_GATE_H

/*
 * Brings up the console and the FPU, enables SSE/AVX state the CPU offers, and compares the
 * features the build configuration requires with the ones usable here. When some are missing it
 * prints them and exits with BF_EXIT_CPU_UNSUPPORTED: the kernel stops cleanly instead of dying
 * on an invalid-opcode exception in code compiled for a newer CPU.
 */
void bf_cpu_gate(void);

#endif
