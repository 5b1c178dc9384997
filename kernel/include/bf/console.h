/* Kernel console: every character goes to both COM1 and VGA. */
#ifndef BF_CONSOLE_H
#define BF_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void kputc(char c);
/* Writes s as is; unlike puts() no newline is added. */
void kputs(const char *s);

/*
 * Supports %s %c %d %i %u %x %X %p %%, flags '0' and '-', a field width,
 * and the length modifiers l and ll (64-bit) on d i u x X.
 */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/*
 * The same formats into buf. At most size - 1 characters are stored and, when size > 0, the
 * result is always NUL-terminated; returns the length the whole output would have had.
 */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
