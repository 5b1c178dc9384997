/* The sampling profiler's recording half: the tick hook, the frame-pointer walk, the buffers. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/fw_cfg.h>
#include <bf/heap.h>
#include <bf/memory_map.h>
#include <bf/sampler.h>
#include <bf/sampler_buffer.h>
#include <bf/string.h>
#include <bf/timer.h>

/* Weak: a kernel that links //kernel:sampling (config/sampling.c) gets its non-zero rate. */
__attribute__((weak)) uint32_t bf_sample_hz_config = 0;

struct bf_sample_buffer bf_sample_buffers[BF_SAMPLER_MAX_CPUS];
struct bf_sample_load bf_sample_loads[BF_SAMPLER_MAX_LOADS];
uint32_t bf_sample_load_count;
uint32_t bf_sample_hz;
static volatile int active;
static volatile uint32_t paused; /* bf_sampler_pause() depth */

static void record(struct bf_sample_buffer *b, const uint32_t *words, uint32_t count)
{
    if (b->used + count > b->capacity) {
        b->dropped++;
        return;
    }
    memcpy(b->words + b->used, words, count * sizeof *words);
    b->used += count;
}

int bf_sampler_tick(const struct bf_interrupt_frame *frame)
{
    if (!active || paused)
        return !paused; /* a tick while paused came at a host-dependent time: not counted */
    uint32_t words[1 + BF_SAMPLER_MAX_DEPTH];
    words[0] = bf_sampler_walk(frame->eip, frame->ebp, BF_STACK_BOTTOM, BF_STACK_TOP, words + 1,
                               BF_SAMPLER_MAX_DEPTH);
    struct bf_sample_buffer *b = &bf_sample_buffers[0]; /* this processor's: the only one */
    record(b, words, 1 + words[0]);
    return 1;
}

static void copy_field(char *out, const char *text, uint32_t size)
{
    uint32_t i = 0;
    for (; text && text[i] && i + 1 < size; i++)
        out[i] = text[i];
    out[i] = '\0';
}

void bf_sampler_module_loaded(const char *name, const char *cpu_tag)
{
    if (!active)
        return;
    uint32_t index = bf_sample_load_count < BF_SAMPLER_MAX_LOADS ? bf_sample_load_count++
                                                                  : BF_SAMPLER_MAX_LOADS;
    if (index < BF_SAMPLER_MAX_LOADS) {
        copy_field(bf_sample_loads[index].name, name, sizeof bf_sample_loads[index].name);
        copy_field(bf_sample_loads[index].cpu_tag, cpu_tag, sizeof bf_sample_loads[index].cpu_tag);
    }
    uint32_t marker = BF_SAMPLE_LOAD_MARKER | index;
    uint32_t flags = cpu_irq_save(); /* not between the halves of a sample */
    for (uint32_t cpu = 0; cpu < BF_SAMPLER_MAX_CPUS; cpu++)
        record(&bf_sample_buffers[cpu], &marker, 1);
    cpu_irq_restore(flags);
}

void bf_sampler_start(void)
{
    if (bf_sample_hz_config == 0 || active)
        return;
    uint32_t rate = fw_cfg_read_u32(BF_SAMPLER_FWCFG_FILE, bf_sample_hz_config);
    if (rate < 19 || rate > 1193182) { /* the PIT's range */
        kprintf("sampler: rate %u Hz out of range (19-1193182), using %u Hz\n", rate,
                bf_sample_hz_config);
        rate = bf_sample_hz_config;
    }
    for (uint32_t cpu = 0; cpu < BF_SAMPLER_MAX_CPUS; cpu++) {
        struct bf_sample_buffer *b = &bf_sample_buffers[cpu];
        b->words = kmalloc(BF_SAMPLER_WORDS * sizeof *b->words);
        if (!b->words) {
            kprintf("sampler: no memory for the buffer, not sampling\n");
            return;
        }
        b->capacity = BF_SAMPLER_WORDS;
    }
    kprintf("sampler: on, %u Hz requested, %u KiB per processor, stacks of up to %u addresses\n",
            rate, BF_SAMPLER_WORDS / 256, BF_SAMPLER_MAX_DEPTH);
    bf_sample_hz = rate;
    bf_exit_set_hook(bf_sampler_finish); /* the samples are printed on the way out */
    timer_set_hook(bf_sampler_tick);
    /* Interrupts stay on: a tick of the old rate arriving meanwhile is ignored (not active),
     * and the first one sampled comes one period after the new count, whatever came before. */
    timer_set_rate(rate);
    active = 1;
}

/* Waiting for the disk takes as long as the host takes: not sampled, and the period restarts
 * after it, so that the samples of a run under icount do not depend on the host. */
void bf_sampler_pause(void)
{
    if (!active)
        return;
    if (paused++ == 0)
        timer_stop();
}

void bf_sampler_resume(void)
{
    if (!active || paused == 0)
        return;
    if (paused == 1)
        timer_set_rate(bf_sample_hz);
    paused--;
}

int bf_sampler_active(void)
{
    return active;
}

void bf_sampler_stop(void)
{
    active = 0;
}
