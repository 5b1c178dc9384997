/* Exit through QEMU's isa-debug-exit device. */
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/io.h>
#include <bf/sampler.h>

void bf_exit(unsigned code)
{
    bf_sampler_finish(); /* prints the samples of a sampling kernel; nothing otherwise */
    outl(BF_EXIT_PORT, code);
    /* Still here: no debug-exit device, so stop the CPU for good. */
    cpu_cli();
    for (;;)
        cpu_halt();
}
