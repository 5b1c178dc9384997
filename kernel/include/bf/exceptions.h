/*
 * CPU exceptions 0-31: every one is fatal. The handler prints
 *   EXCEPTION <vector> (<name>) at EIP=0x........ error=0x....
 * and the registers, then exits with BF_EXIT_EXCEPTION_BASE + vector (bf/exit.h).
 */
#ifndef BF_EXCEPTIONS_H
#define BF_EXCEPTIONS_H

#include <bf/idt.h>

/* The Intel name of an exception vector, "reserved" for unassigned ones. */
const char *exception_name(unsigned vector);

/* Called by the stubs in isr.asm, with interrupts disabled. */
__attribute__((noreturn)) void exception_handler(const struct bf_interrupt_frame *frame);

#endif
