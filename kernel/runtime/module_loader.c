/* Module blobs: validate everything the header claims before any byte of it runs. */
#include <bf/console.h>
#include <bf/module_loader.h>
#include <bf/string.h>

uint32_t bf_crc32(const void *data, uint32_t size)
{
    /* Bitwise, no table: modules are a few KiB and this runs once per load. */
    const uint8_t *bytes = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < size; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* A header string field is valid only if it is NUL-terminated inside its array. */
static int field_terminated(const char *field, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++)
        if (field[i] == '\0')
            return 1;
    return 0;
}

const char *bf_module_tier_name(uint8_t code)
{
    static const char *const names[] = BF_MODULE_TIER_NAMES;
    return code < BF_MODULE_TIER_COUNT ? names[code] : "?";
}

enum bf_module_status bf_module_validate(const uint8_t *blob, uint32_t size, const char *name,
                                         const char *cpu_tag, char *why, uint32_t why_size)
{
    return bf_module_validate_tier(blob, size, name, cpu_tag, "", BF_MODULE_SLOT, why, why_size);
}

enum bf_module_status bf_module_validate_tier(const uint8_t *blob, uint32_t size, const char *name,
                                              const char *cpu_tag, const char *tier, uint32_t slot,
                                              char *why, uint32_t why_size)
{
    uint32_t slot_size = tier[0] ? BF_MODULE_TIER_SLOT_SIZE : BF_MODULE_SLOT_SIZE;
    const struct bf_module_header *h = (const struct bf_module_header *)blob;
    if (size < BF_MODULE_HEADER_SIZE) {
        ksnprintf(why, why_size, "blob is %u bytes, shorter than its header", size);
        return BF_MODULE_TRUNCATED;
    }
    if (h->magic != BF_MODULE_MAGIC) {
        ksnprintf(why, why_size, "bad magic 0x%08x", h->magic);
        return BF_MODULE_BAD_MAGIC;
    }
    if (h->header_size != BF_MODULE_HEADER_SIZE || h->format != BF_MODULE_FORMAT ||
        !field_terminated(h->name, sizeof h->name) ||
        !field_terminated(h->cpu_tag, sizeof h->cpu_tag)) {
        ksnprintf(why, why_size, "unknown header (size %u, format %u)", h->header_size, h->format);
        return BF_MODULE_BAD_FORMAT;
    }
    if (name && strcmp(h->name, name) != 0) {
        ksnprintf(why, why_size, "header names module '%s'", h->name);
        return BF_MODULE_WRONG_NAME;
    }
    if (h->payload_size > size - BF_MODULE_HEADER_SIZE) {
        ksnprintf(why, why_size, "payload of %u bytes but only %u present", h->payload_size,
                  size - BF_MODULE_HEADER_SIZE);
        return BF_MODULE_TRUNCATED;
    }
    if (h->load_address != slot || h->payload_size + h->bss_size > slot_size ||
        h->payload_size == 0) {
        ksnprintf(why, why_size, "linked at 0x%08x with %u+%u bytes; the slot is 0x%08x, %u bytes",
                  h->load_address, h->payload_size, h->bss_size, slot, slot_size);
        return BF_MODULE_WRONG_SLOT;
    }
    if (h->entry < h->load_address || h->entry >= h->load_address + h->payload_size) {
        ksnprintf(why, why_size, "entry 0x%08x outside the payload", h->entry);
        return BF_MODULE_BAD_ENTRY;
    }
    uint32_t crc = bf_crc32(blob + BF_MODULE_HEADER_SIZE, h->payload_size);
    if (crc != h->checksum) {
        ksnprintf(why, why_size, "checksum mismatch (header 0x%08x, payload 0x%08x)", h->checksum, crc);
        return BF_MODULE_BAD_CHECKSUM;
    }
    if (cpu_tag && strcmp(h->cpu_tag, cpu_tag) != 0) {
        ksnprintf(why, why_size, "compiled for cpu '%s', this kernel runs '%s' code", h->cpu_tag, cpu_tag);
        return BF_MODULE_WRONG_CPU;
    }
    if (strcmp(bf_module_tier_name(h->tier), tier) != 0) {
        ksnprintf(why, why_size, "built for tier '%s', the registry wants '%s'",
                  bf_module_tier_name(h->tier), tier);
        return BF_MODULE_WRONG_TIER;
    }
    why[0] = '\0';
    return BF_MODULE_OK;
}

bf_module_entry_fn bf_module_load(const uint8_t *blob)
{
    const struct bf_module_header *h = (const struct bf_module_header *)blob;
    uint8_t *slot = (uint8_t *)(uintptr_t)h->load_address; /* validated: a slot of the area */
    memcpy(slot, blob + BF_MODULE_HEADER_SIZE, h->payload_size);
    memset(slot + h->payload_size, 0, h->bss_size);
    return (bf_module_entry_fn)(uintptr_t)h->entry;
}
