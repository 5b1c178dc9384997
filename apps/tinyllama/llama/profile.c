/* The inference's entries in the kernel profiler; see profile.h. */
#include <bf/parallel.h>
#include <bf/profile.h>
#include "profile.h"

/* The kernel profiler's id of each entry; -1 (never recorded) until registered. */
static int ids[LLAMA_PROF_COUNT] = {[0 ... LLAMA_PROF_COUNT - 1] = -1};

void llama_prof_register(enum llama_prof which, const char *name, const void *code,
                         const char *cpu_tag)
{
    if (ids[which] >= 0)
        return;
    /* The size of a kernel function is not known (0 = unknown in the profile format). */
    ids[which] = bf_profile_register(name, (uint32_t)(uintptr_t)code, 0, 2, cpu_tag, "kernel");
}

void llama_prof_stop(enum llama_prof which, uint64_t start)
{
    if (!bf_on_boot_cpu())
        return; /* a piece of a call the boot processor times whole (bf_parallel_for) */
    uint64_t cycles = rdtsc() - start;
    bf_profile_record(ids[which], cycles);
}
