/*
 * The sampling profiler: on every PIT tick it records where the CPU was (the interrupted EIP)
 * and the call stack above it, found by walking the frame-pointer chain (EBP). A kernel has it
 * when it links //kernel:sampling, which defines bf_sample_hz_config (the rate, from BUILD.yaml);
 * QEMU's `-fw_cfg name=opt/bareflow/sample_hz,string=N` overrides the rate at boot. In any
 * other kernel the sampler stays off: no buffer, no work on the tick, nothing at exit.
 * Samples start in _start, after bf_runtime_init(): the application's run is sampled.
 *
 * Samples go into a fixed buffer on the heap, one per processor (one today: the kernel runs
 * on a single core); when it is full further samples are counted as dropped. bf_exit() prints
 * the buffer on the serial port between "--- BEGIN SAMPLES ---" and "--- END SAMPLES ---"
 * (docs/profiling.md describes the format).
 */
#ifndef BF_SAMPLER_H
#define BF_SAMPLER_H
#include <stdint.h>
#include <bf/idt.h>

#define BF_SAMPLER_FORMAT_VERSION 1
#define BF_SAMPLER_MAX_CPUS 1      /* one buffer per processor; the kernel runs one today */
#define BF_SAMPLER_MAX_DEPTH 64    /* addresses per sample: the EIP and up to 63 callers */
#define BF_SAMPLER_WORDS (512u * 1024u) /* 2 MiB of records per processor */
#define BF_SAMPLER_MAX_LOADS 64    /* module loads named in the export */
#define BF_SAMPLER_FWCFG_FILE "opt/bareflow/sample_hz"

/* Linked in by //kernel:sampling (0 in the runtime library: the sampler is off). */
extern uint32_t bf_sample_hz_config;

/*
 * _start calls it after bf_runtime_init(), with interrupts on: when the kernel samples,
 * allocates the buffer, installs the tick hook and sets the PIT to the sampling rate (the timer
 * then ticks at that rate); otherwise does nothing.
 */
void bf_sampler_start(void);
/* Around work whose length depends on the host (disk reads, printing rdtsc values): no
 * samples, and the period restarts at the resume, so that runs under icount repeat exactly.
 * They nest. Called with interrupts on. */
void bf_sampler_pause(void);
void bf_sampler_resume(void);
/* Non-zero while samples are taken. */
int bf_sampler_active(void);
/* The tick hook: one sample of the interrupted context; 0 for a tick while paused. */
int bf_sampler_tick(const struct bf_interrupt_frame *frame);
/* The module loader put a module in the slot: later samples there belong to it. */
void bf_sampler_module_loaded(const char *name, const char *cpu_tag);
/* Stops sampling and prints the buffers (bf_exit() calls it); nothing when the sampler is off. */
void bf_sampler_finish(void);

/*
 * The frame-pointer walk, on its own for tests: stores eip then the return address of each frame
 * from `ebp` up, at most `max` addresses; stops at the first frame pointer outside
 * [stack_lo, stack_hi - 8], misaligned, or not above the previous one. Returns the count.
 */
uint32_t bf_sampler_walk(uint32_t eip, uint32_t ebp, uint32_t stack_lo, uint32_t stack_hi,
                         uint32_t *out, uint32_t max);
#endif
