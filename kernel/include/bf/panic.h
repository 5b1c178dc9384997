/* Fatal errors: print "PANIC: <message>" and exit with BF_EXIT_PANIC. */
#ifndef BF_PANIC_H
#define BF_PANIC_H

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);

#endif
