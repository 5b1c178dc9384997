/*
 * Cycle profiling: per profiled function (a module, or a kernel function) the number of calls
 * and the total, minimum and maximum rdtsc cycles of a call. Under QEMU with
 * -icount shift=0,sleep=off rdtsc counts guest instructions, so profiles are repeatable.
 *
 * bf_profile_export_json() prints the profile over the console between the lines
 * "--- BEGIN JSON ---" and "--- END JSON ---"; docs/profile-format.md documents the schema and
 * bfbuild/profile.py validates it.
 */
#ifndef BF_PROFILE_H
#define BF_PROFILE_H

#include <stdint.h>

#define BF_PROFILE_FORMAT_VERSION 1
#define BF_PROFILE_MAX_ENTRIES 64

struct bf_profile_entry {
    char name[20];
    char cpu_tag[12];
    const char *source; /* "embedded", "disk" or "kernel" */
    uint32_t calls;
    uint64_t total_cycles;
    uint64_t min_cycles;
    uint64_t max_cycles;
    uint32_t code_address;
    uint32_t code_size;
    int opt_level; /* 0..3, 4 = Os, 5 = Oz, -1 unknown */
};

/* Registers a profiled function; returns its id (>= 0), or -1 when the table is full. */
int bf_profile_register(const char *name, uint32_t code_address, uint32_t code_size,
                        int opt_level, const char *cpu_tag, const char *source);
/* Adds one call that took `cycles`. */
void bf_profile_record(int id, uint64_t cycles);
const struct bf_profile_entry *bf_profile_get(int id);
int bf_profile_count(void);
/* Prints the JSON profile between the BEGIN/END marker lines. */
void bf_profile_export_json(void);

#endif
