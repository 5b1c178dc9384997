/*
 * The sampling profiler's frame-pointer walk (bf/sampler.h). On its own, with no other
 * dependency, so that tests/unit/test_sampler_walk.py compiles it on the host and walks
 * corrupted stacks with it.
 */
#include <stdint.h>
#include <bf/sampler.h>

uint32_t bf_sampler_walk(uint32_t eip, uint32_t ebp, uint32_t stack_lo, uint32_t stack_hi,
                         uint32_t *out, uint32_t max)
{
    uint32_t n = 0;
    if (max == 0)
        return 0;
    out[n++] = eip;
    uint32_t previous = stack_lo;
    /* Each frame: [ebp] = the caller's ebp, [ebp + 4] = the return address. A frame pointer
     * is trusted only inside the stack, 4-aligned, and above the last one (the stack grows
     * down, so callers' frames lie higher): a loop or a wild pointer ends the walk. */
    while (n < max) {
        if (ebp < previous || ebp < stack_lo || stack_hi < 8 || ebp > stack_hi - 8 || (ebp & 3))
            break;
        const uint32_t *frame = (const uint32_t *)(uintptr_t)ebp;
        uint32_t ret = frame[1];
        if (ret == 0)
            break;
        out[n++] = ret;
        previous = ebp + 8;
        ebp = frame[0];
    }
    return n;
}
