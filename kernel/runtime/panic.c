/* panic(): last words on every console, then a distinct exit status. */
#include <stdarg.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/exit.h>
#include <bf/panic.h>

void panic(const char *fmt, ...)
{
    va_list ap;

    cpu_cli();
    kputs("PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputc('\n');
    bf_exit(BF_EXIT_PANIC);
}
