/*
 * The inference's entries in the kernel's cycle profile (bf/profile.h). This file knows the
 * entries by number only: the code it times calls llama_prof_start/llama_prof_stop, and
 * llama.c registers each entry's name and code (so dependencies point one way, to here).
 */
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

/*
 * Registers entry `which` with the kernel profiler as a kernel function: its name, the address
 * of its code and the CPU tag it runs with. Once per entry; later calls for it do nothing.
 */
void llama_prof_register(enum llama_prof which, const char *name, const void *code,
                         const char *cpu_tag);

static inline uint64_t llama_prof_start(void)
{
    return rdtsc();
}

/* Records one call that began at `start`; a no-op until `which` is registered. */
void llama_prof_stop(enum llama_prof which, uint64_t start);

#endif
