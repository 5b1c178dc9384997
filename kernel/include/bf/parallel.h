/*
 * Data-parallel loops over every running processor (docs/smp.md).
 *
 * bf_parallel_for(n, fn, ctx) calls fn(ctx, begin, end) on disjoint ranges covering 0..n-1, on
 * the boot processor and every started processor, and returns when all ranges are done; what
 * fn wrote is then visible to the caller. With one processor it is fn(ctx, 0, n). Ranges are
 * taken in chunks as processors come free, so which processor runs a range varies: fn must give
 * the same result for an index whichever processor runs it and whatever the split.
 *
 * fn runs with interrupts off on the other processors; it must not allocate from the heap, print
 * or exit. Called from inside fn (or from another processor), bf_parallel_for runs the loop on
 * the calling processor alone.
 */
#ifndef BF_PARALLEL_H
#define BF_PARALLEL_H

#include <stdint.h>
#include <bf/memory_map.h>

typedef void (*bf_range_fn)(void *ctx, uint32_t begin, uint32_t end);

void bf_parallel_for(uint32_t n, bf_range_fn fn, void *ctx);

/* Processors that take part in bf_parallel_for: 1 + those started. */
uint32_t bf_cpu_count(void);

/* True on the boot processor (the only one whose stack is the kernel stack): what must happen
 * once, such as counting in the profile, happens there. */
static inline int bf_on_boot_cpu(void)
{
    uint32_t sp;
    __asm__("movl %%esp, %0" : "=r"(sp));
    return sp >= BF_STACK_BOTTOM && sp < BF_STACK_TOP;
}

/* For the SMP bring-up: a started processor's loop (never returns), and how many are in it. */
void bf_parallel_worker(uint32_t index);
void bf_parallel_set_workers(uint32_t count);

#endif
