/*
 * The module ABI: how a separately linked module blob is described, loaded and called.
 *
 * A blob is a 64-byte header followed by the module's file bytes (text, rodata, data) linked to
 * run at BF_MODULE_SLOT. The loader validates the header (magic, sizes, CRC-32 of the payload,
 * CPU tag), copies the payload to the slot, zeroes bss_size bytes after it (a flat binary has no
 * .bss, so the header carries its size) and calls the entry. Modules run one at a time in the
 * slot. The build (plugins/embed_module.py) writes this header; keep the two in step.
 */
#ifndef BF_MODULE_H
#define BF_MODULE_H

#include <stdint.h>

#define BF_MODULE_MAGIC 0x4D4F4442u /* "MODB" */
#define BF_MODULE_FORMAT 1u
#define BF_MODULE_HEADER_SIZE 64u
#define BF_MODULE_SLOT 0x00200000u      /* modules are linked to run here */
#define BF_MODULE_SLOT_SIZE 0x00200000u /* payload + bss must fit in 2 MiB */
#define BF_MODULE_API_VERSION 1u
#define BF_MODULE_RESULT_MAX 160
/* The module carries clang profile counters (-fprofile-instr-generate): after its calls the
 * runner prints its memory so that the host can write a .profraw (bfbuild/llvm_profraw.py). */
#define BF_MODULE_FLAG_PROFILE_COUNTERS 0x01u
/* Tiers (bf/tiers.h, docs/tiers.md): tier i of a module is linked to run in its own slot,
 * BF_MODULE_SLOT + i * BF_MODULE_TIER_SLOT_SIZE, so that every tier is in memory at once and a
 * promotion is one pointer store. The header names the tier (BF_MODULE_TIER_NAMES, 1-based). */
#define BF_MODULE_TIER_SLOT_SIZE 0x00080000u
#define BF_MODULE_TIER_SLOTS (BF_MODULE_SLOT_SIZE / BF_MODULE_TIER_SLOT_SIZE)
#define BF_MODULE_TIER_NONE 0u
#define BF_MODULE_TIER_NAMES {"", "quick", "O2", "O3", "pgo", "model"}
#define BF_MODULE_TIER_COUNT 6u

struct bf_module_header {
    uint32_t magic;        /* BF_MODULE_MAGIC */
    uint16_t header_size;  /* BF_MODULE_HEADER_SIZE */
    uint16_t format;       /* BF_MODULE_FORMAT */
    char name[20];         /* NUL-terminated module name */
    char cpu_tag[12];      /* NUL-terminated CPU tag the code was compiled for, e.g. "i686" */
    uint32_t load_address; /* BF_MODULE_SLOT */
    uint32_t entry;        /* absolute address of the entry function */
    uint32_t payload_size; /* bytes following the header: text + rodata + data */
    uint32_t bss_size;     /* bytes to zero after the payload */
    uint32_t checksum;     /* CRC-32 (IEEE 802.3, as zlib.crc32) of the payload */
    uint8_t opt_level;     /* 0..3 for -O0..-O3, 4 for -Os, 5 for -Oz */
    uint8_t flags;         /* BF_MODULE_FLAG_* */
    uint8_t tier;          /* index in BF_MODULE_TIER_NAMES; BF_MODULE_TIER_NONE untiered */
    uint8_t reserved;
};

_Static_assert(sizeof(struct bf_module_header) == BF_MODULE_HEADER_SIZE, "module header is 64 bytes");

/* Services the kernel hands to a module (modules are linked alone, so they call through this). */
struct bf_module_api {
    uint32_t version; /* BF_MODULE_API_VERSION */
    int (*print)(const char *fmt, ...);
    int (*format)(char *buf, uint32_t size, const char *fmt, ...); /* like snprintf */
    void *(*alloc)(uint32_t size);
    void (*release)(void *ptr);
};

/* What one call of a module produced: its result as text, compared with the host's value. */
struct bf_module_result {
    char text[BF_MODULE_RESULT_MAX];
};

/*
 * The entry of every module. `work` scales the amount of work (1 for the default image, larger
 * for //images:bench); the result text must depend only on `work`, never on the call count.
 * Returns 0 on success.
 */
typedef int (*bf_module_entry_fn)(const struct bf_module_api *api, uint32_t work,
                                  struct bf_module_result *result);

#endif
