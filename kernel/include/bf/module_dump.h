/*
 * Printing a module's memory over the serial port, so that the host can read what the module
 * left there: the counters of a module compiled with clang's -fprofile-instr-generate, which
 * bfbuild/llvm_profraw.py turns into a .profraw for llvm-profdata (docs/ir-pgo.md).
 *
 * bf_module_dump(name, start, size) writes, on COM1 only (not the VGA console):
 *
 *   --- BEGIN MODULE MEMORY <name> 0x<start, 8 hex digits> <size, decimal> ---
 *   <address, 8 hex digits> <up to 32 bytes as lower-case hex, 2 digits each>
 *   ...
 *   --- END MODULE MEMORY ---
 *
 * One data line per 32 bytes (the last may be shorter), each starting with the address of its
 * first byte, so that the reader can check that no line was lost. A character of the name that
 * is not a letter, a digit, '_', '-' or '.' is printed as '_', an empty name as '?'.
 *
 * The module runner calls it after the last call of an instrumented module, while the module is
 * still in its slot:
 *
 *   bf_module_dump(entry->name, (const void *)BF_MODULE_SLOT, h->payload_size);
 *
 * The payload holds the counters (the module linker script keeps __llvm_prf_cnts in it); .bss is
 * not needed.
 */
#ifndef BF_MODULE_DUMP_H
#define BF_MODULE_DUMP_H

#include <stdint.h>

#define BF_MODULE_DUMP_BYTES_PER_LINE 32u

void bf_module_dump(const char *name, const void *start, uint32_t size);

#endif
