/* The sampler's buffers, shared by its recording half (sampler.c) and its export (sampler_export.c). */
#ifndef BF_SAMPLER_BUFFER_H
#define BF_SAMPLER_BUFFER_H
#include <stdint.h>
#include <bf/sampler.h>

/*
 * Records, one after the other in `words`: a sample is its address count n (1..MAX_DEPTH)
 * followed by n addresses, the interrupted EIP first, then return addresses towards the root;
 * a module load is BF_SAMPLE_LOAD_MARKER | the index in bf_sample_loads (MAX_LOADS: unnamed).
 */
#define BF_SAMPLE_LOAD_MARKER 0x80000000u

struct bf_sample_buffer {
    uint32_t *words;
    uint32_t capacity, used; /* in words */
    uint32_t dropped;        /* samples not recorded because the buffer was full */
};

struct bf_sample_load {
    char name[20];
    char cpu_tag[12];
};

extern struct bf_sample_buffer bf_sample_buffers[BF_SAMPLER_MAX_CPUS];
extern struct bf_sample_load bf_sample_loads[BF_SAMPLER_MAX_LOADS];
extern uint32_t bf_sample_load_count;
extern uint32_t bf_sample_hz; /* the rate asked for; timer_hz() is the one the PIT runs at */
void bf_sampler_stop(void);
#endif
