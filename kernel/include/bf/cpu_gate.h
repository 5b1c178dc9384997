/* The CPU gate: compiled for the 486 like the rest of the runtime library (docs/cpus.md), it
 * checks that this CPU can run the rest of the kernel before any of it runs. */
#ifndef BF_CPU_GATE_H
#define BF_CPU_GATE_H

/*
 * Compares the features the build configuration requires (bf_build_config.required_features)
 * with the ones usable here (cpu_features_usable(), after simd_init()). When some
 * are missing it prints them (`cpu: MISSING FEATURES: ...`) and exits with
 * BF_EXIT_CPU_UNSUPPORTED: the kernel stops cleanly instead of dying on an invalid-opcode
 * exception in code compiled for a newer CPU. It only checks; it enables nothing.
 * bf_runtime_init() calls it right after the console, FPU and SIMD steps.
 */
void bf_cpu_gate(void);

#endif
