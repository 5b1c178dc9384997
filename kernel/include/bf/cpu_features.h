/*
 * CPU features: what CPUID reports, what the kernel enabled, and the check of a configuration's
 * required features at boot.
 *
 * simd_init() turns on SSE (CR4.OSFXSR, CR4.OSXMMEXCPT) when the CPU has it, and AVX (CR4.OSXSAVE,
 * XCR0 = x87|SSE|AVX) when the CPU has AVX and XSAVE. Code compiled for a feature may run only if
 * cpu_features_usable() has its bit: without the CR4/XCR0 bits an SSE or AVX instruction raises
 * #UD even on a CPU that has it.
 */
#ifndef BF_CPU_FEATURES_H
#define BF_CPU_FEATURES_H

#include <stdint.h>

enum bf_cpu_feature {
    /* CPUID.1:EDX[15]: CMOV and, with the FPU, FCMOV/FCOMI. It stands for the P6 (i686)
     * instruction set, which also has the long NOP (0F 1F) compilers pad with. */
    BF_FEAT_CMOV = 1u << 0,
    BF_FEAT_MMX = 1u << 1,
    BF_FEAT_SSE = 1u << 2,
    BF_FEAT_SSE2 = 1u << 3,
    BF_FEAT_SSE3 = 1u << 4,
    BF_FEAT_SSSE3 = 1u << 5,
    BF_FEAT_SSE41 = 1u << 6,
    BF_FEAT_SSE42 = 1u << 7,
    BF_FEAT_POPCNT = 1u << 8,
    BF_FEAT_AVX = 1u << 9,
    BF_FEAT_AVX2 = 1u << 10,
    BF_FEAT_FMA = 1u << 11,
    BF_FEAT_BMI1 = 1u << 12,
    BF_FEAT_BMI2 = 1u << 13,
    BF_FEAT_F16C = 1u << 14,
    BF_FEAT_MOVBE = 1u << 15,
};

/* Features CPUID reports (whether or not the kernel enabled them). */
uint32_t cpu_features_present(void);
/* Features code may use now: present and, for SSE/AVX, enabled by simd_init(). */
uint32_t cpu_features_usable(void);
/* Enables SSE and AVX state when the CPU has them; returns cpu_features_usable(). */
uint32_t simd_init(void);
/* Parses a feature name ("sse2", "avx2"...) into its bit; 0 when unknown. */
uint32_t cpu_feature_bit(const char *name);
/* Parses space-separated names into a mask; *unknown counts the names that are not known. */
uint32_t cpu_feature_mask(const char *names, int *unknown);
/* Writes the names of the bits in `mask`, space separated, into buf. */
void cpu_feature_names(uint32_t mask, char *buf, uint32_t size);

#endif
