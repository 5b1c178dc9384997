/* Finding the processors from the firmware's tables: ACPI MADT, else the MP table (bf/acpi.h). */
#include <stdint.h>
#include <bf/acpi.h>

#define SDT_HEADER 36u       /* signature, length, revision, checksum, OEM fields */
#define MADT_ENTRIES 44u     /* header, local APIC address, flags */
#define MADT_LOCAL_APIC 0u
#define MADT_LAPIC_OVERRIDE 5u
#define MADT_ENABLED 1u
#define MP_HEADER 44u
#define MP_PROCESSOR 0u
#define MP_PROCESSOR_SIZE 20u
#define MP_OTHER_SIZE 8u
#define MP_ENABLED 1u
#define TABLE_MAX (64u * 1024u) /* larger than any MADT or MP table of a few processors */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static int same(const uint8_t *p, const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i])
            return 0;
    return 1;
}

uint8_t bf_table_checksum(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static void add_cpu(struct bf_cpu_list *out, uint8_t apic_id)
{
    if (out->count < BF_MAX_CPUS)
        out->apic_id[out->count++] = apic_id;
    else
        out->skipped++;
}

static void clear(struct bf_cpu_list *out)
{
    out->count = 0;
    out->skipped = 0;
    out->lapic_base = BF_LAPIC_DEFAULT_BASE;
}

int bf_madt_parse(const uint8_t *madt, uint32_t len, struct bf_cpu_list *out)
{
    clear(out);
    if (len < MADT_ENTRIES || len > TABLE_MAX || !same(madt, "APIC", 4) || le32(madt + 4) != len ||
        bf_table_checksum(madt, len) != 0)
        return -1;
    out->lapic_base = le32(madt + SDT_HEADER);
    for (uint32_t at = MADT_ENTRIES; at + 2 <= len;) {
        uint8_t type = madt[at], size = madt[at + 1];
        if (size < 2 || at + size > len)
            return -1; /* an entry running past the table: a damaged table */
        if (type == MADT_LOCAL_APIC && size >= 8 && (le32(madt + at + 4) & MADT_ENABLED))
            add_cpu(out, madt[at + 3]);
        /* A 64-bit address the kernel (32-bit, no paging) can use only below 4 GiB. */
        if (type == MADT_LAPIC_OVERRIDE && size >= 12 && le32(madt + at + 8) == 0)
            out->lapic_base = le32(madt + at + 4);
        at += size;
    }
    return 0;
}

int bf_mptable_parse(const uint8_t *table, uint32_t len, struct bf_cpu_list *out)
{
    clear(out);
    if (len < MP_HEADER || len > TABLE_MAX || !same(table, "PCMP", 4) || le16(table + 4) != len ||
        bf_table_checksum(table, len) != 0)
        return -1;
    out->lapic_base = le32(table + 36);
    uint32_t entries = le16(table + 34), at = MP_HEADER;
    for (uint32_t i = 0; i < entries; i++) {
        if (at >= len)
            return -1;
        uint32_t size = table[at] == MP_PROCESSOR ? MP_PROCESSOR_SIZE : MP_OTHER_SIZE;
        if (at + size > len)
            return -1;
        if (table[at] == MP_PROCESSOR && (table[at + 3] & MP_ENABLED))
            add_cpu(out, table[at + 1]);
        at += size;
    }
    return 0;
}

/* The first 16-byte aligned `sig` in [start, start + size) whose first `sum_len` bytes sum to 0. */
static uint32_t scan(uintptr_t mem, uint32_t start, uint32_t size, const char *sig, uint32_t sum_len)
{
    for (uint32_t a = start & ~15u; a + sum_len <= start + size; a += 16) {
        const uint8_t *p = (const uint8_t *)(mem + a);
        if (same(p, sig, 4) && bf_table_checksum(p, sum_len) == 0)
            return a;
    }
    return 0;
}

/* The EBDA's first KiB (its segment is at 0x40E), then the BIOS area 0xE0000-0xFFFFF. */
static uint32_t scan_firmware(uintptr_t mem, const char *sig, uint32_t sum_len, uint32_t bios_from)
{
    uint32_t ebda = (uint32_t)le16((const uint8_t *)(mem + 0x40E)) << 4;
    uint32_t found = 0;
    if (ebda >= 0x80000 && ebda < 0xA0000)
        found = scan(mem, ebda, 1024, sig, sum_len);
    if (!found)
        found = scan(mem, bios_from, 0x100000 - bios_from, sig, sum_len);
    return found;
}

static int from_acpi(uintptr_t mem, struct bf_cpu_list *out)
{
    /* "RSD PTR ", checksummed over its first 20 bytes (the ACPI 1.0 part). */
    uint32_t rsdp = scan_firmware(mem, "RSD ", 20, 0xE0000);
    if (!rsdp || !same((const uint8_t *)(mem + rsdp), "RSD PTR ", 8))
        return -1;
    const uint8_t *rsdt = (const uint8_t *)(mem + le32((const uint8_t *)(mem + rsdp + 16)));
    uint32_t rsdt_len = le32(rsdt + 4);
    if (!same(rsdt, "RSDT", 4) || rsdt_len < SDT_HEADER || rsdt_len > TABLE_MAX ||
        bf_table_checksum(rsdt, rsdt_len) != 0)
        return -1;
    for (uint32_t at = SDT_HEADER; at + 4 <= rsdt_len; at += 4) {
        const uint8_t *table = (const uint8_t *)(mem + le32(rsdt + at));
        if (same(table, "APIC", 4))
            return bf_madt_parse(table, le32(table + 4), out);
    }
    return -1;
}

static int from_mptable(uintptr_t mem, struct bf_cpu_list *out)
{
    /* The floating pointer "_MP_" (16 bytes): EBDA, the last KiB of base memory, the BIOS ROM. */
    uint32_t fp = scan_firmware(mem, "_MP_", 16, 0xF0000);
    if (!fp)
        fp = scan(mem, 0x9FC00, 1024, "_MP_", 16);
    if (!fp)
        return -1;
    uint32_t table = le32((const uint8_t *)(mem + fp + 4));
    if (!table) /* a default configuration (no table): not described, so not used */
        return -1;
    const uint8_t *p = (const uint8_t *)(mem + table);
    return bf_mptable_parse(p, le16(p + 4), out);
}

enum bf_cpu_source bf_cpus_find(uintptr_t mem, struct bf_cpu_list *out)
{
    if (from_acpi(mem, out) == 0 && out->count > 0)
        return BF_CPUS_ACPI;
    if (from_mptable(mem, out) == 0 && out->count > 0)
        return BF_CPUS_MPTABLE;
    clear(out);
    return BF_CPUS_NONE;
}
