/* Validating and loading module blobs (format in bf/module.h). */
#ifndef BF_MODULE_LOADER_H
#define BF_MODULE_LOADER_H

#include <stdint.h>
#include <bf/module.h>

enum bf_module_status {
    BF_MODULE_OK = 0,
    BF_MODULE_TRUNCATED,    /* shorter than its header says */
    BF_MODULE_BAD_MAGIC,
    BF_MODULE_BAD_FORMAT,   /* header size or format version unknown */
    BF_MODULE_WRONG_NAME,   /* header names another module */
    BF_MODULE_WRONG_SLOT,   /* linked for another load address, or too big for the slot */
    BF_MODULE_BAD_ENTRY,    /* entry outside the payload */
    BF_MODULE_BAD_CHECKSUM,
    BF_MODULE_WRONG_CPU,    /* compiled for a CPU tag this kernel does not accept */
};

/* CRC-32 (IEEE 802.3, the same as zlib.crc32). */
uint32_t bf_crc32(const void *data, uint32_t size);

/*
 * Checks a blob: size, magic, format, name (if `name` is not 0), slot, entry, checksum and CPU
 * tag (if `cpu_tag` is not 0). On failure writes a one-line reason into `why`.
 */
enum bf_module_status bf_module_validate(const uint8_t *blob, uint32_t size, const char *name,
                                         const char *cpu_tag, char *why, uint32_t why_size);

/* Copies a validated blob's payload into the module slot, zeroes its .bss, returns the entry. */
bf_module_entry_fn bf_module_load(const uint8_t *blob);

#endif
