/*
 * bf_parallel_for (bf/parallel.h) and the started processors' loop.
 *
 * A job is cut into at most MAX_CHUNKS chunks, taken one at a time by whoever is free: the
 * caller and the workers awake. `claim` holds the job's tag (the low 24 bits of its generation)
 * and the next chunk; a chunk is taken with a locked compare-and-exchange that fails once the tag
 * changed, so a worker that wakes late (its host thread descheduled: QEMU runs each processor on
 * a host thread) never takes a chunk of a later job with the fields of an earlier one, and the
 * caller never waits for a worker that took nothing: it waits until every chunk is done
 * (`done`, a locked add after the chunk's writes, so they are visible once it is read).
 *
 * Publishing a job: close the claims (tag of the new job, no chunk left), write the fields, open
 * them (chunk 0), then increment `generation`. A worker reads the generation, then the fields,
 * then claims: a successful claim proves the fields were not yet rewritten (x86 keeps loads and
 * stores in order; the locked instructions are full barriers, the rest compiler barriers).
 *
 * Idle workers spin for a while (jobs follow each other closely during inference, and an
 * interrupt wakeup costs more than a small matmul), then halt; the caller sends a wakeup IPI to
 * each one that said it halts. The sleeping flag and the generation are each written with a
 * locked instruction before the other is read, so either the worker sees the job or the caller
 * sees the flag: no wakeup is lost. `sti; hlt` takes the IPI only once halted (sti's shadow).
 */
#include <stdint.h>
#include <bf/acpi.h>
#include <bf/apic.h>
#include <bf/cpu.h>
#include <bf/parallel.h>

#define CHUNKS_PER_CPU 4u     /* balance between processors against the cost of taking chunks */
#define MAX_CHUNKS 255u       /* the chunk number is the low 8 bits of `claim` */
#define TAG(generation) ((generation) << 8)
#define SPIN_TICKS (1ull << 24) /* ~6 ms of the host's TSC (TCG) before a worker halts */
#define CACHE_LINE 64
/* Under TCG, `pause` leaves the translated code every time (with a thread per processor, taking
 * QEMU's global lock): only every PAUSE_EVERY turns of a wait. Under -icount one thread runs
 * the processors in turn, and `pause` hands the turn over. */
#define PAUSE_EVERY 256u

static struct {
    bf_range_fn fn;
    void *ctx;
    uint32_t n, chunks, rows_per_chunk;
} job;
static uint32_t claim __attribute__((aligned(CACHE_LINE)));      /* TAG(generation) | chunk */
static uint32_t done __attribute__((aligned(CACHE_LINE)));       /* chunks finished */
static uint32_t generation __attribute__((aligned(CACHE_LINE))); /* jobs published */
static struct {
    uint32_t sleeping;
    uint8_t apic_id;
} __attribute__((aligned(CACHE_LINE))) workers[BF_MAX_CPUS];
static uint32_t worker_count;
static uint32_t busy; /* a job runs: a nested call runs on its caller alone */

static inline void relax(uint32_t *turns)
{
    if (++*turns % PAUSE_EVERY == 0)
        __asm__ __volatile__("rep; nop" ::: "memory"); /* pause, in the 486's encoding */
    else
        __asm__ __volatile__("" ::: "memory");
}

static inline uint32_t load(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Runs chunks of the job tagged TAG(g) until none is left or the job is no longer current. */
static void take_chunks(uint32_t g)
{
    bf_range_fn fn = job.fn;
    void *ctx = job.ctx;
    uint32_t n = job.n, chunks = job.chunks, rows = job.rows_per_chunk;
    __asm__ __volatile__("" ::: "memory"); /* the fields are read before any claim */
    uint32_t seen = load(&claim);
    for (;;) {
        if ((seen & ~0xFFu) != TAG(g) || (seen & 0xFFu) >= chunks)
            return;
        if (!__atomic_compare_exchange_n(&claim, &seen, seen + 1, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST))
            continue; /* `seen` now holds the current value */
        uint32_t begin = (seen & 0xFFu) * rows;
        uint32_t end = n - begin < rows ? n : begin + rows;
        fn(ctx, begin, end);
        __atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
        seen = load(&claim);
    }
}

uint32_t bf_cpu_count(void)
{
    return 1 + worker_count;
}

void bf_parallel_set_workers(uint32_t count)
{
    worker_count = count;
}

void bf_parallel_for(uint32_t n, bf_range_fn fn, void *ctx)
{
    if (worker_count == 0 || n < 2 || __atomic_exchange_n(&busy, 1, __ATOMIC_SEQ_CST)) {
        fn(ctx, 0, n);
        return;
    }
    uint32_t chunks = (1 + worker_count) * CHUNKS_PER_CPU;
    if (chunks > n)
        chunks = n;
    uint32_t rows = (n + chunks - 1) / chunks;
    uint32_t g = (generation + 1) & 0xFFFFFFu;
    __atomic_store_n(&claim, TAG(g) | MAX_CHUNKS, __ATOMIC_SEQ_CST); /* closed */
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    job.rows_per_chunk = rows;
    job.chunks = (n + rows - 1) / rows;
    __atomic_store_n(&done, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&claim, TAG(g), __ATOMIC_SEQ_CST); /* open at chunk 0 */
    __atomic_store_n(&generation, g, __ATOMIC_SEQ_CST);
    for (uint32_t i = 1; i <= worker_count; i++)
        if (load(&workers[i].sleeping))
            lapic_send_fixed(workers[i].apic_id, BF_APIC_WAKEUP_VECTOR);
    take_chunks(g);
    uint32_t turns = 0;
    while (load(&done) != job.chunks)
        relax(&turns);
    __atomic_store_n(&busy, 0, __ATOMIC_SEQ_CST);
}

/* Returns the generation of the next job after `seen`: spinning, then halted until woken. */
static uint32_t wait_for_job(uint32_t index, uint32_t seen)
{
    for (;;) {
        uint64_t start = rdtsc();
        uint32_t turns = 0;
        do {
            uint32_t g = load(&generation);
            if (g != seen)
                return g;
            relax(&turns);
        } while (rdtsc() - start < SPIN_TICKS);
        __atomic_exchange_n(&workers[index].sleeping, 1, __ATOMIC_SEQ_CST);
        if (load(&generation) == seen)
            __asm__ __volatile__("sti; hlt; cli" ::: "memory");
        __atomic_store_n(&workers[index].sleeping, 0, __ATOMIC_SEQ_CST);
    }
}

void bf_parallel_worker(uint32_t index)
{
    workers[index].apic_id = lapic_id();
    uint32_t seen = load(&generation);
    for (;;) {
        seen = wait_for_job(index, seen);
        take_chunks(seen);
    }
}
