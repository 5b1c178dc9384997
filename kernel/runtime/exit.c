/* Exit through QEMU's isa-debug-exit device. */
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/io.h>

/* Work to do on the way out, registered by what needs it (the sampler prints its buffer): exit
 * calls it rather than knowing it. */
static void (*exit_hook)(void);

void bf_exit_set_hook(void (*hook)(void))
{
    exit_hook = hook;
}

void bf_exit(unsigned code)
{
    void (*hook)(void) = exit_hook;
    exit_hook = 0; /* once: a panic inside the hook exits without it */
    if (hook)
        hook();
    outl(BF_EXIT_PORT, code);
    /* Still here: no debug-exit device, so stop the CPU for good. */
    cpu_cli();
    for (;;)
        cpu_halt();
}
