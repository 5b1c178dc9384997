/* The kernel header (kernel/runtime/entry.asm) and linker-script symbols. */
#ifndef BF_KHEADER_H
#define BF_KHEADER_H

#include <stdint.h>

#define BF_KERNEL_MAGIC 0x464C5544u

struct bf_kernel_header {
    uint32_t magic;
    uint32_t sectors;       /* file size in 512-byte sectors, rounded up */
    uint32_t entry;
    uint32_t file_bytes;
    uint32_t bss_end;
    uint32_t version;
};

extern const struct bf_kernel_header __kernel_header;

/* Only the addresses of these are meaningful. */
extern char __kernel_start[];
extern char __kernel_file_end[];
extern char __bss_start[];
extern char __bss_end[];

#endif
