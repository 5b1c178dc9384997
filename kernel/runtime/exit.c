/* Exit through QEMU's isa-debug-exit device. */
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/io.h>

void bf_exit(unsigned code)
{
    outl(BF_EXIT_PORT, code);
    /* Still here: no debug-exit device, so stop the CPU for good. */
    cpu_cli();
    for (;;)
        cpu_halt();
}
