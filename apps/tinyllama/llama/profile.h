/* The inference's entries in the kernel's cycle profile (bf/profile.h). */
#ifndef LLAMA_PROFILE_H
#define LLAMA_PROFILE_H

#include <stdint.h>
#include <bf/cpu.h>

enum llama_prof {
    LLAMA_PROF_MATMUL,
    LLAMA_PROF_RMSNORM,
    LLAMA_PROF_SOFTMAX,
    LLAMA_PROF_ROPE,
    LLAMA_PROF_ATTENTION,
    LLAMA_PROF_SWIGLU,
    LLAMA_PROF_FORWARD,
    LLAMA_PROF_SAMPLE,
    LLAMA_PROF_COUNT
};

/* Registers every entry (once; later calls do nothing). Call after llama_matmul_select. */
void llama_profile_register(void);

static inline uint64_t llama_prof_start(void)
{
    return rdtsc();
}

/* Records one call that began at `start`; a no-op before llama_profile_register. */
void llama_prof_stop(enum llama_prof which, uint64_t start);

#endif
