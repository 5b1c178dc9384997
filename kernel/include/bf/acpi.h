/*
 * Finding the processors: the ACPI MADT (through the RSDP and the RSDT), or Intel's MP
 * configuration table when there is no ACPI. The search reads physical memory at `mem + address`
 * (mem is 0 in the kernel, which has no paging; a host test passes a buffer holding fake
 * firmware tables), so the whole search runs on the host too (tests/unit/test_acpi_madt.py).
 */
#ifndef BF_ACPI_H
#define BF_ACPI_H

#include <stdint.h>

#define BF_MAX_CPUS 8
#define BF_LAPIC_DEFAULT_BASE 0xFEE00000u

enum bf_cpu_source {
    BF_CPUS_NONE,  /* no table found: the boot processor alone */
    BF_CPUS_ACPI,  /* the ACPI MADT's processor local APIC entries */
    BF_CPUS_MPTABLE, /* the MP configuration table's processor entries */
};

struct bf_cpu_list {
    uint32_t count;               /* enabled processors listed, at most BF_MAX_CPUS */
    uint32_t skipped;             /* enabled processors beyond BF_MAX_CPUS, not listed */
    uint32_t lapic_base;          /* physical address of the local APIC registers */
    uint8_t apic_id[BF_MAX_CPUS]; /* in table order; the boot processor among them */
};

/* Sum of `len` bytes modulo 256: 0 for a valid ACPI or MP table. */
uint8_t bf_table_checksum(const uint8_t *p, uint32_t len);

/* Parses a MADT ("APIC" table, header included, `len` bytes): enabled local APICs and the local
 * APIC address (with its 64-bit override entry). 0, or -1 for a table that is not a valid MADT. */
int bf_madt_parse(const uint8_t *madt, uint32_t len, struct bf_cpu_list *out);

/* Parses an MP configuration table ("PCMP", header included, `len` bytes): enabled processor
 * entries. 0, or -1 for a table that is not valid. */
int bf_mptable_parse(const uint8_t *table, uint32_t len, struct bf_cpu_list *out);

/* Searches the EBDA and the BIOS area for the RSDP, then the MADT; failing that, the MP floating
 * pointer and its table. Fills `out` (the boot processor alone, at the default local APIC
 * address, when neither is found) and says where the list came from. */
enum bf_cpu_source bf_cpus_find(uintptr_t mem, struct bf_cpu_list *out);

#endif
