/* Registration of the inference's hot functions with the kernel profiler. */
#include <bf/build_config.h>
#include <bf/profile.h>
#include <bf/string.h>
#include "attention.h"
#include "matmul.h"
#include "ops.h"
#include "profile.h"
#include "sampler.h"
#include "transformer.h"

static int ids[LLAMA_PROF_COUNT];
static int registered;

/* Kernel functions: the address is known, the size is not (0 = unknown in the profile format). */
static int add(const char *name, void *code, const char *cpu_tag)
{
    return bf_profile_register(name, (uint32_t)(uintptr_t)code, 0, 2, cpu_tag, "kernel");
}

void llama_profile_register(void)
{
    if (registered)
        return;
    const char *cpu = bf_build_config.cpu_tag;
    const char *variant = llama_matmul_name();
    /* The matmul's tag names the instruction set it runs with when that is not the build's. */
    ids[LLAMA_PROF_MATMUL] = add("llama_matmul", (void *)llama_matmul_code(),
                                 strcmp(variant, "scalar") == 0 ? cpu : variant);
    ids[LLAMA_PROF_RMSNORM] = add("llama_rmsnorm", (void *)llama_rmsnorm, cpu);
    ids[LLAMA_PROF_SOFTMAX] = add("llama_softmax", (void *)llama_softmax, cpu);
    ids[LLAMA_PROF_ROPE] = add("llama_rope", (void *)llama_rope, cpu);
    ids[LLAMA_PROF_ATTENTION] = add("llama_attention", (void *)llama_attention, cpu);
    ids[LLAMA_PROF_SWIGLU] = add("llama_swiglu", (void *)llama_swiglu, cpu);
    ids[LLAMA_PROF_FORWARD] = add("llama_forward", (void *)llama_forward, cpu);
    ids[LLAMA_PROF_SAMPLE] = add("llama_sample", (void *)llama_sample, cpu);
    registered = 1;
}

void llama_prof_stop(enum llama_prof which, uint64_t start)
{
    uint64_t cycles = rdtsc() - start;
    if (registered)
        bf_profile_record(ids[which], cycles);
}
