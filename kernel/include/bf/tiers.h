/*
 * Tiered hot entry points (docs/tiers.md). A site is one hot entry point built in several tiers
 * (quick, O2, O3, pgo, model: one build makes them all); callers load the site's dispatch pointer
 * and call it. The kernel counts calls and cycles per tier; when a site's calls pass the next
 * threshold it moves the pointer to the next tier with one aligned store (a reader on any core
 * sees the old or the new code, both valid). A promotion is a trial: the new tier's cost per unit
 * of work over its first window of calls is compared with the old tier's last window, its first
 * result with the reference; a tier slower or wrong is rolled back and never tried again. One
 * console line per decision:
 *   tier: <site> promoted <from> -> <to>, <before> -> <after> per <unit>
 *   tier: <site> rolled back <to> -> <from> (slower|wrong result), <before> -> <after> per <unit>
 * where <unit> is a call, or the unit of work the caller counts (e.g. 64 multiply-adds).
 * Learned tiers: bf_tiers_save_record()/bf_tiers_load_record() turn the decisions into a record
 * for the data disk; a site registered after a load starts at its learned tier.
 */
#ifndef BF_TIERS_H
#define BF_TIERS_H

#include <stdint.h>

#define BF_TIER_MAX 6
#define BF_TIER_SITES_MAX 32
#define BF_TIER_NONE 0xFFu
#define BF_TIER_NAME_MAX 8
#define BF_TIER_SITE_NAME_MAX 20

struct bf_tier_stats {
    uint32_t calls;
    uint64_t cycles, work;
    uint64_t window_cycles, window_work;
    uint32_t window_calls;
    uint64_t cost; /* cycles per unit of work of the last complete window, 0 before one */
};

struct bf_tier_site {
    char name[BF_TIER_SITE_NAME_MAX];
    void *volatile code;      /* the dispatch pointer */
    uint8_t tier;             /* the tier `code` points to */
    uint8_t count;
    uint8_t learned;          /* the tier the state record gave, or BF_TIER_NONE */
    uint8_t trial_from;       /* during a trial, the tier promoted from; else BF_TIER_NONE */
    uint8_t unchecked;        /* the trial tier's first result is not checked yet */
    uint8_t check_claimed;    /* a caller is checking it (bf_tier_enter) */
    uint8_t pinned;           /* a fixed tier (opt/bareflow/tier): no promotion */
    uint8_t rejected;         /* a bit per tier rolled back, now or in an earlier boot */
    uint8_t on_learned;       /* every call so far went to the learned tier */
    void *codes[BF_TIER_MAX];
    char names[BF_TIER_MAX][BF_TIER_NAME_MAX];
    const uint32_t *thresholds; /* thresholds[k]: calls after which tier k + 1 is tried */
    uint32_t window;            /* calls per measuring window */
    const char *unit;           /* what `work` counts: "call" unless the caller says otherwise */
    uint32_t calls, past_calls; /* this boot's calls; earlier boots' (from the record) */
    uint32_t learned_hits;      /* calls served by the learned tier from the first call on */
    uint64_t past_cost[BF_TIER_MAX];
    struct bf_tier_stats stats[BF_TIER_MAX];
    volatile uint32_t lock;
};

/* The default thresholds of the design: 100, 1,000 and 10,000 calls (BUILD.yaml may set others). */
extern const uint32_t bf_tier_default_thresholds[BF_TIER_MAX - 1];

/*
 * Registers a site of `count` tiers (lowest first): `codes[i]` is tier i's code, `names[i]` its
 * name. `window` calls make one measurement (a mix of calls that repeats every `window` calls, e.g.
 * the 22 matmuls of a forward pass, compares fairly). Starts at the learned tier when the loaded
 * record names one, else at tier 0; honours opt/bareflow/tier and opt/bareflow/tier_fault.
 * Returns 0 when the table is full.
 */
struct bf_tier_site *bf_tier_register(const char *name, uint32_t count, void *const codes[],
                                      const char *const names[], const uint32_t *thresholds,
                                      uint32_t window);

/* The code to call now. */
static inline void *bf_tier_code(const struct bf_tier_site *site)
{
    return __atomic_load_n(&site->code, __ATOMIC_ACQUIRE);
}

/*
 * The code a caller runs now. While a promotion's first result is not checked yet, exactly one
 * caller gets the new tier with *check = 1: it compares its result with the reference and says
 * so with bf_tier_checked(); every other caller (on any core) meanwhile gets the tier the
 * promotion came from, so an unchecked result is never used.
 */
void *bf_tier_enter(struct bf_tier_site *site, int *check);
/* The checked result of a trial tier: `same` is 1 when it equals the reference, 0 when not
 * (rollback), -1 when the caller could not check it (another call will). */
void bf_tier_checked(struct bf_tier_site *site, const void *code, int same);
/* A fault test (opt/bareflow/tier_fault=wrong:<site>:<tier>): the caller must spoil the result. */
int bf_tier_spoil(const struct bf_tier_site *site, const void *code);
/* Records one call of `code` that took `cycles` for `work` units, and applies the policy. */
void bf_tier_record(struct bf_tier_site *site, const void *code, uint64_t cycles, uint32_t work);

/* The name of the tier a site settled on (its current tier, or the one a trial came from). */
const char *bf_tier_settled(const struct bf_tier_site *site);
/* Prints the hit-rate line and the per-site table between "--- BEGIN TIERS ---" and
 * "--- END TIERS ---" (read by bfbuild pgo). */
void bf_tiers_report(void);

/* The learned tiers as a record (returns its size, 0 when `size` is too small), and back. A load
 * refuses a record with another magic or size (returns -1) and must come before the sites
 * register. */
uint32_t bf_tiers_save_record(uint8_t *buffer, uint32_t size);
int bf_tiers_load_record(const uint8_t *buffer, uint32_t size);
/* How many sites the loaded record holds. */
uint32_t bf_tiers_record_sites(void);

/* The record on the data disk (bf/state_store.h, record TIERS): read it before the sites register
 * (and say how many sites it holds), write it after the run. */
void bf_tiers_learn(void);
void bf_tiers_remember(void);

#endif
