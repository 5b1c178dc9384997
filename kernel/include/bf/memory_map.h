/*
 * Fixed physical memory areas (no paging: addresses are physical). Boot tests run with -m 64M;
 * everything below must lie under 32 MiB.
 *
 *   0x00007C00  stage 1, then stage 2 (and its GDT) from 0x7E00      (boot/layout.inc)
 *   0x00009000  other processors' start-up code, copied at boot  (runtime/smp_trampoline.asm)
 *   0x00010000  kernel file bytes and .bss, up to 0x80000             (boot/layout.inc)
 *   0x00080000  kernel stack, grows down from 0x90000                 (runtime/entry.asm)
 *   0x000A0000  VGA and BIOS area, not RAM to use
 *   0x00200000  module slot, 2 MiB                                    (bf/module.h)
 *   0x00400000  kernel heap, up to 0x02000000, or to the end of the RAM QEMU gives (-m, its
 *               E820 table) less 1 MiB for the BIOS tables, below 3 GiB  (runtime/heap.c)
 */
#ifndef BF_MEMORY_MAP_H
#define BF_MEMORY_MAP_H

#include <bf/module.h>

#define BF_KERNEL_LOAD_ADDR 0x00010000u
#define BF_KERNEL_LIMIT_ADDR 0x00080000u
#define BF_STACK_BOTTOM 0x00080000u
#define BF_STACK_TOP 0x00090000u

#define BF_MODULE_SLOT_START BF_MODULE_SLOT
#define BF_MODULE_SLOT_END (BF_MODULE_SLOT + BF_MODULE_SLOT_SIZE)

#define BF_HEAP_START 0x00400000u
#define BF_HEAP_END 0x02000000u   /* the least heap: -m 33M or more */
#define BF_HEAP_LIMIT 0xC0000000u /* the PCI hole; no paging, 32-bit addresses */
#define BF_RAM_TOP_RESERVE 0x00100000u

_Static_assert(BF_STACK_BOTTOM >= BF_KERNEL_LIMIT_ADDR, "the stack is above the kernel");
_Static_assert(BF_MODULE_SLOT_START >= BF_STACK_TOP, "the module slot is above the stack");
_Static_assert(BF_HEAP_START >= BF_MODULE_SLOT_END, "the heap is above the module slot");

#endif
