/*
 * The module registry: the module blobs embedded in the kernel image. The table itself is
 * generated at build time by the cache-registry rule (a C file listing each blob's bytes).
 */
#ifndef BF_REGISTRY_H
#define BF_REGISTRY_H

#include <stdint.h>

/*
 * A fat image holds several variants of a module, one per CPU tag, as consecutive entries with
 * the same name; the runner takes the one with the most features that the CPU can use.
 */
struct bf_registry_entry {
    const char *name;     /* module name, as in the blob header */
    const char *cpu_tag;  /* the CPU the variant was compiled for, as in the blob header */
    const char *opt;      /* its optimisation level ("O2"; chosen by the profile under pgo=on) */
    const char *features; /* CPUID features the variant needs, space separated */
    const uint8_t *blob;  /* header + payload */
    uint32_t size;        /* bytes of blob */
    uint32_t calls;       /* how many times the application calls the module */
    const char *tier;     /* the tier of a tiered registry (bf/tiers.h, consecutive entries of a
                             module, lowest first), "" otherwise */
};

extern const struct bf_registry_entry bf_registry[];
extern const uint32_t bf_registry_count;
extern const uint32_t bf_registry_work; /* the `work` argument every module is called with */
/* Calls after which a tiered module tries its next tier (BUILD.yaml's tier_thresholds). */
extern const uint32_t bf_registry_tier_thresholds[];
/* 1 when the registry holds tiers: the application then keeps the learned tiers on the disk. */
extern const uint32_t bf_registry_tiered;
/* The first 16 hex digits of the profile the levels come from, or "" without PGO. */
extern const char bf_registry_profile[];

#endif
