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
    BF_MODULE_WRONG_TIER,   /* built for another tier than the registry names */
};

/* CRC-32 (IEEE 802.3, the same as zlib.crc32). */
uint32_t bf_crc32(const void *data, uint32_t size);

/*
 * Checks a blob: size, magic, format, name (if `name` is not 0), slot, entry, checksum and CPU
 * tag (if `cpu_tag` is not 0). On failure writes a one-line reason into `why`.
 */
enum bf_module_status bf_module_validate(const uint8_t *blob, uint32_t size, const char *name,
                                         const char *cpu_tag, char *why, uint32_t why_size);

/*
 * The same for tier `tier` (a name of BF_MODULE_TIER_NAMES, "" for an untiered module) of a
 * module linked to run at `slot` (at most BF_MODULE_TIER_SLOT_SIZE bytes for a tier).
 */
enum bf_module_status bf_module_validate_tier(const uint8_t *blob, uint32_t size, const char *name,
                                              const char *cpu_tag, const char *tier, uint32_t slot,
                                              char *why, uint32_t why_size);
/* The name of a header's tier code ("" for none, "?" unknown). */
const char *bf_module_tier_name(uint8_t code);

/* Copies a validated blob's payload to its load address (the module slot or a tier slot), zeroes its .bss, returns the entry. */
bf_module_entry_fn bf_module_load(const uint8_t *blob);

#endif
