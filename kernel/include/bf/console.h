/* Kernel console: every character goes to both COM1 and VGA. */
#ifndef BF_CONSOLE_H
#define BF_CONSOLE_H

#include <stdarg.h>

void kputc(char c);
/* Writes s as is; unlike puts() no newline is added. */
void kputs(const char *s);

/*
 * Supports %s %c %d %i %u %x %X %p %%, flags '0' and '-', a field width,
 * and the length modifiers l and ll (64-bit) on d i u x X.
 */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif
