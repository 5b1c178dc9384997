/* Tiered hot entry points: registration, counting, promotion, trials and rollback (bf/tiers.h). */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/fw_cfg.h>
#include <bf/string.h>
#include <bf/tiers.h>
#include "tiers_internal.h"

const uint32_t bf_tier_default_thresholds[BF_TIER_MAX - 1] = {100, 1000, 10000, 100000, 1000000};

struct bf_tier_site bf_tier_sites[BF_TIER_SITES_MAX];
uint32_t bf_tier_site_count;

/* opt/bareflow/tier_fault=<slow|wrong>:<site>:<tier>[+...], opt/bareflow/tier=<tier>: read once. */
static char fault[128], pin[BF_TIER_NAME_MAX];
static int options_read;

static void read_options(void)
{
    if (options_read)
        return;
    options_read = 1;
    if (fw_cfg_read_file("opt/bareflow/tier_fault", fault, sizeof fault) < 0)
        fault[0] = '\0';
    if (fw_cfg_read_file("opt/bareflow/tier", pin, sizeof pin) < 0)
        pin[0] = '\0';
}

/* Whether the fault option (a list joined by '+') names `kind` for tier `tier` of `site`. */
static int faulty(const struct bf_tier_site *site, uint8_t tier, const char *kind)
{
    if (!fault[0]) /* the usual case: no formatting on every call of every site */
        return 0;
    char wanted[64];
    uint32_t length = (uint32_t)ksnprintf(wanted, sizeof wanted, "%s:%s:%s", kind, site->name,
                                          site->names[tier]);
    for (const char *item = fault; *item;) {
        const char *end = item;
        while (*end && *end != '+')
            end++;
        if ((uint32_t)(end - item) == length && strncmp(item, wanted, length) == 0)
            return 1;
        item = *end ? end + 1 : end;
    }
    return 0;
}

static void lock(struct bf_tier_site *site)
{
    while (__atomic_exchange_n(&site->lock, 1u, __ATOMIC_ACQUIRE))
        __asm__ __volatile__("pause");
}

static void unlock(struct bf_tier_site *site)
{
    __atomic_store_n(&site->lock, 0u, __ATOMIC_RELEASE);
}

/* The one store that moves a site: callers see the old or the new code, both whole. */
static void switch_to(struct bf_tier_site *site, uint8_t tier)
{
    site->tier = tier;
    __atomic_store_n(&site->code, site->codes[tier], __ATOMIC_RELEASE);
}

static int index_of(const struct bf_tier_site *site, const void *code)
{
    for (int i = 0; i < site->count; i++)
        if (site->codes[i] == code)
            return i;
    return -1;
}

struct bf_tier_site *bf_tier_register(const char *name, uint32_t count, void *const codes[],
                                      const char *const names[], const uint32_t *thresholds,
                                      uint32_t window)
{
    read_options();
    if (bf_tier_site_count >= BF_TIER_SITES_MAX || count == 0 || count > BF_TIER_MAX)
        return 0;
    struct bf_tier_site *site = &bf_tier_sites[bf_tier_site_count++];
    memset(site, 0, sizeof *site);
    bf_tiers_copy(site->name, name, sizeof site->name);
    site->count = (uint8_t)count;
    for (uint32_t i = 0; i < count; i++) {
        site->codes[i] = codes[i];
        bf_tiers_copy(site->names[i], names[i], sizeof site->names[i]);
    }
    site->thresholds = thresholds ? thresholds : bf_tier_default_thresholds;
    site->window = window ? window : 1;
    site->unit = "call";
    site->trial_from = BF_TIER_NONE;
    site->learned = BF_TIER_NONE;
    bf_tiers_apply_learned(site);
    uint8_t start = site->learned != BF_TIER_NONE ? site->learned : 0;
    for (uint8_t i = 0; pin[0] && i < count; i++)
        if (strcmp(site->names[i], pin) == 0)
            start = i;
    site->pinned = pin[0] != '\0';
    site->on_learned = site->learned != BF_TIER_NONE && !site->pinned;
    switch_to(site, start);
    return site;
}

void *bf_tier_enter(struct bf_tier_site *site, int *check)
{
    *check = 0;
    if (!__atomic_load_n(&site->unchecked, __ATOMIC_ACQUIRE))
        return bf_tier_code(site);
    lock(site);
    void *code = site->code;
    if (site->unchecked && site->trial_from != BF_TIER_NONE) {
        if (!site->check_claimed) {
            site->check_claimed = 1;
            *check = 1;
        } else {
            code = site->codes[site->trial_from];
        }
    }
    unlock(site);
    return code;
}

int bf_tier_spoil(const struct bf_tier_site *site, const void *code)
{
    int tier = index_of(site, code);
    return tier >= 0 && faulty(site, (uint8_t)tier, "wrong");
}

static uint64_t per_call(const struct bf_tier_stats *s)
{
    if (s->cost)
        return s->cost;
    return s->work ? s->cycles / s->work : 0;
}

/* Ends the trial of the current tier: kept, or rolled back to the tier it came from. */
static void conclude(struct bf_tier_site *site, const char *why)
{
    uint8_t from = site->trial_from, to = site->tier;
    uint64_t before = per_call(&site->stats[from]), after = per_call(&site->stats[to]);
    if (!before)
        before = site->past_cost[from];
    if (!why && before && after > before)
        why = "slower";
    site->trial_from = BF_TIER_NONE;
    site->unchecked = 0;
    if (why) {
        site->rejected |= (uint8_t)(1u << to);
        switch_to(site, from);
        kprintf("tier: %s rolled back %s -> %s (%s), %llu -> %llu per %s\n", site->name,
                site->names[to], site->names[from], why, (unsigned long long)before,
                (unsigned long long)after, site->unit);
    } else {
        kprintf("tier: %s promoted %s -> %s, %llu -> %llu per %s\n", site->name,
                site->names[from], site->names[to], (unsigned long long)before,
                (unsigned long long)after, site->unit);
    }
}

void bf_tier_checked(struct bf_tier_site *site, const void *code, int same)
{
    lock(site);
    if (site->unchecked && index_of(site, code) == site->tier) {
        site->check_claimed = 0;
        if (same >= 0)
            __atomic_store_n(&site->unchecked, 0, __ATOMIC_RELEASE);
        if (same == 0)
            conclude(site, "wrong result");
    }
    unlock(site);
}

/* The next tier to try, or BF_TIER_NONE: above the current one, never rolled back. */
static uint8_t next_tier(const struct bf_tier_site *site)
{
    for (uint8_t t = (uint8_t)(site->tier + 1); t < site->count; t++)
        if (!(site->rejected & (1u << t)))
            return t;
    return BF_TIER_NONE;
}

static void promote_if_due(struct bf_tier_site *site)
{
    if (site->pinned || site->trial_from != BF_TIER_NONE)
        return;
    uint8_t next = next_tier(site);
    if (next == BF_TIER_NONE || site->past_calls + site->calls < site->thresholds[next - 1])
        return;
    site->trial_from = site->tier;
    site->check_claimed = 0;
    __atomic_store_n(&site->unchecked, 1, __ATOMIC_RELEASE);
    site->stats[next].window_calls = 0;
    site->stats[next].window_cycles = site->stats[next].window_work = 0;
    switch_to(site, next);
}

void bf_tier_record(struct bf_tier_site *site, const void *code, uint64_t cycles, uint32_t work)
{
    int tier = index_of(site, code);
    if (tier < 0)
        return;
    if (faulty(site, (uint8_t)tier, "slow")) { /* a test tier twice as slow: spin as long again */
        uint64_t start = rdtsc();
        while (rdtsc() - start < cycles)
            __asm__ __volatile__("pause");
        cycles *= 2;
    }
    lock(site);
    struct bf_tier_stats *s = &site->stats[tier];
    s->calls++;
    s->cycles += cycles;
    s->work += work;
    s->window_cycles += cycles;
    s->window_work += work;
    site->calls++;
    if (site->on_learned && tier == site->learned)
        site->learned_hits++;
    else
        site->on_learned = 0;
    if (++s->window_calls >= site->window) {
        s->cost = s->window_work ? s->window_cycles / s->window_work : 0;
        s->window_calls = 0;
        s->window_cycles = s->window_work = 0;
        if (site->trial_from != BF_TIER_NONE && tier == site->tier && !site->unchecked)
            conclude(site, 0);
    }
    promote_if_due(site);
    unlock(site);
}

const char *bf_tier_settled(const struct bf_tier_site *site)
{
    return site->names[site->trial_from != BF_TIER_NONE ? site->trial_from : site->tier];
}
