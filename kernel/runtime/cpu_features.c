/* CPUID feature bits and enabling SSE/AVX state. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/cpu_features.h>
#include <bf/string.h>

#define CR0_EM (1u << 2)
#define CR0_MP (1u << 1)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define XCR0_X87_SSE_AVX 0x7u

static const struct {
    const char *name;
    uint32_t bit;
} feature_names[] = {
    {"cmov", BF_FEAT_CMOV},   {"mmx", BF_FEAT_MMX},       {"sse", BF_FEAT_SSE},
    {"sse2", BF_FEAT_SSE2},   {"sse3", BF_FEAT_SSE3},     {"ssse3", BF_FEAT_SSSE3},
    {"sse4.1", BF_FEAT_SSE41}, {"sse4.2", BF_FEAT_SSE42}, {"popcnt", BF_FEAT_POPCNT},
    {"avx", BF_FEAT_AVX},     {"avx2", BF_FEAT_AVX2},     {"fma", BF_FEAT_FMA},
    {"bmi1", BF_FEAT_BMI1},   {"bmi2", BF_FEAT_BMI2},     {"f16c", BF_FEAT_F16C},
    {"movbe", BF_FEAT_MOVBE},
};

static uint32_t usable_mask;

static inline void xsetbv(uint32_t index, uint64_t value)
{
    __asm__ __volatile__("xsetbv" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

uint32_t cpu_features_present(void)
{
    if (!cpu_has_cpuid())
        return 0;
    uint32_t mask = 0;
    struct cpuid_regs leaf0 = cpuid(0, 0);
    struct cpuid_regs l1 = cpuid(1, 0);
    if (l1.edx & (1u << 15)) mask |= BF_FEAT_CMOV;
    if (l1.edx & (1u << 23)) mask |= BF_FEAT_MMX;
    /* SSE needs FXSAVE/FXRSTOR too (CR4.OSFXSR). */
    if ((l1.edx & (1u << 25)) && (l1.edx & (1u << 24))) mask |= BF_FEAT_SSE;
    if ((mask & BF_FEAT_SSE) && (l1.edx & (1u << 26))) mask |= BF_FEAT_SSE2;
    if (l1.ecx & (1u << 0)) mask |= BF_FEAT_SSE3;
    if (l1.ecx & (1u << 9)) mask |= BF_FEAT_SSSE3;
    if (l1.ecx & (1u << 19)) mask |= BF_FEAT_SSE41;
    if (l1.ecx & (1u << 20)) mask |= BF_FEAT_SSE42;
    if (l1.ecx & (1u << 23)) mask |= BF_FEAT_POPCNT;
    if (l1.ecx & (1u << 22)) mask |= BF_FEAT_MOVBE;
    /* AVX state can only be enabled through XSAVE. */
    if ((l1.ecx & (1u << 28)) && (l1.ecx & (1u << 26))) mask |= BF_FEAT_AVX;
    if (l1.ecx & (1u << 12)) mask |= BF_FEAT_FMA;
    if (l1.ecx & (1u << 29)) mask |= BF_FEAT_F16C;
    if (leaf0.eax >= 7) {
        struct cpuid_regs l7 = cpuid(7, 0);
        if (l7.ebx & (1u << 3)) mask |= BF_FEAT_BMI1;
        if (l7.ebx & (1u << 5)) mask |= BF_FEAT_AVX2;
        if (l7.ebx & (1u << 8)) mask |= BF_FEAT_BMI2;
    }
    return mask;
}

uint32_t simd_init(void)
{
    uint32_t present = cpu_features_present();
    const uint32_t sse_family = BF_FEAT_SSE | BF_FEAT_SSE2 | BF_FEAT_SSE3 | BF_FEAT_SSSE3 |
                                BF_FEAT_SSE41 | BF_FEAT_SSE42;
    const uint32_t avx_family = BF_FEAT_AVX | BF_FEAT_AVX2 | BF_FEAT_FMA | BF_FEAT_F16C;
    usable_mask = present & ~(sse_family | avx_family);
    if (present & BF_FEAT_SSE) {
        cpu_write_cr0((cpu_read_cr0() & ~CR0_EM) | CR0_MP);
        cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
        usable_mask |= present & sse_family;
        if (present & BF_FEAT_AVX) {
            cpu_write_cr4(cpu_read_cr4() | CR4_OSXSAVE);
            xsetbv(0, XCR0_X87_SSE_AVX);
            usable_mask |= present & avx_family;
        }
    }
    return usable_mask;
}

uint32_t cpu_features_usable(void)
{
    return usable_mask;
}

uint32_t cpu_feature_bit(const char *name)
{
    for (uint32_t i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
        if (strcmp(feature_names[i].name, name) == 0)
            return feature_names[i].bit;
    return 0;
}

uint32_t cpu_feature_mask(const char *names, int *unknown)
{
    uint32_t mask = 0;
    char word[16];
    *unknown = 0;
    while (*names) {
        while (*names == ' ')
            names++;
        uint32_t n = 0;
        while (*names && *names != ' ') {
            if (n < sizeof word - 1)
                word[n++] = *names;
            names++;
        }
        word[n] = '\0';
        if (n == 0)
            continue;
        uint32_t bit = cpu_feature_bit(word);
        if (!bit)
            (*unknown)++;
        mask |= bit;
    }
    return mask;
}

void cpu_feature_names(uint32_t mask, char *buf, uint32_t size)
{
    uint32_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++) {
        if (!(mask & feature_names[i].bit))
            continue;
        int n = ksnprintf(buf + used, size - used, "%s%s", used ? " " : "", feature_names[i].name);
        if (n < 0 || used + (uint32_t)n >= size)
            break;
        used += (uint32_t)n;
    }
}
