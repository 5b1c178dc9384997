/* Whole files from the mounted FAT16 data disk, into the kernel heap. */
#ifndef LLAMA_DISK_H
#define LLAMA_DISK_H

#include <stdint.h>

#define LLAMA_DISK_NO_MEMORY (-1)

/*
 * Reads the file into a new heap buffer, with a NUL byte after its end (for text). Returns 0,
 * a FAT16_ERR_ code (FAT16_ERR_NOT_FOUND, FAT16_ERR_NOT_MOUNTED...) or LLAMA_DISK_NO_MEMORY.
 */
int llama_read_file(const char *path, uint8_t **data, uint32_t *size);

#endif
