/* The kind and rate of the rdtsc clock, for the LLAMA stats lines. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/fw_cfg.h>
#include <bf/string.h>
#include <bf/timer.h>
#include "clock.h"

#define CLOCK_FWCFG_FILE "opt/bareflow/clock"
/* Timer periods to measure over: 20 ms at the kernel's 1000 Hz, few samples at a sampling
 * kernel's 100 kHz (its buffer is sized for the run, not for a long wait). */
#define CALIBRATION_TICKS 20

/* rdtsc ticks per second over CALIBRATION_TICKS timer periods; 0 without a running timer. */
static uint64_t measure_hz(void)
{
    uint32_t hz = timer_hz();
    uint32_t flags = cpu_irq_save();
    cpu_irq_restore(flags);
    if (hz == 0 || !(flags & 0x200))
        return 0; /* no ticks to count */
    /* hlt waits for the next tick: cheap for the host, and under -icount sleep=off the virtual
     * clock jumps to it. A bounded wait, should the timer be stopped. */
    uint64_t first = timer_ticks();
    for (int i = 0; i < 1000 && timer_ticks() == first; i++)
        cpu_halt();
    uint64_t start_tick = timer_ticks();
    if (start_tick == first)
        return 0;
    uint64_t start = rdtsc();
    while (timer_ticks() < start_tick + CALIBRATION_TICKS)
        cpu_halt();
    uint64_t elapsed = rdtsc() - start;
    return elapsed * hz / CALIBRATION_TICKS;
}

void llama_clock_init(struct llama_clock *clock)
{
    char kind[16];
    clock->unit = "ticks";
    clock->seconds = 0;
    clock->hz = 0;
    if (fw_cfg_read_file(CLOCK_FWCFG_FILE, kind, sizeof kind) <= 0)
        return;
    if (strcmp(kind, "icount") == 0) {
        clock->unit = "instructions";
        clock->seconds = "virtual time of -icount, 1 ns per instruction";
    } else if (strcmp(kind, "virtual") == 0) {
        clock->unit = "virtual-ns";
        clock->seconds = "virtual time of -icount";
    } else if (strcmp(kind, "host") == 0) {
        clock->unit = "host-cycles";
        clock->seconds = "host clock";
    } else {
        return;
    }
    clock->hz = measure_hz();
}

int llama_clock_print_speed(const struct llama_clock *clock, int tokens, uint64_t ticks)
{
    if (!clock->seconds || clock->hz == 0 || ticks == 0)
        return 0;
    /* In integers (kprintf has no %f); tokens * hz * 10 stays far below 2^64. */
    uint64_t ms = (ticks * 1000 + clock->hz / 2) / clock->hz;
    uint64_t tenths = ((uint64_t)tokens * clock->hz * 10 + ticks / 2) / ticks;
    kprintf("%d tokens in %llu.%03llu s, %llu.%llu tokens/s (%s)", tokens,
            (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
            (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10), clock->seconds);
    return 1;
}
