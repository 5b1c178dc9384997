/* The learned tiers as a record for the data disk, and the end-of-run report (bf/tiers.h). */
#include <bf/console.h>
#include <bf/string.h>
#include <bf/tiers.h>
#include "tiers_internal.h"

#define RECORD_MAGIC 0x31544642u /* "BFT1" */

/* One site in the record; tiers by name, so a rebuild that reorders or drops tiers still maps. */
struct record_site {
    char name[BF_TIER_SITE_NAME_MAX];
    char tiers[BF_TIER_MAX][BF_TIER_NAME_MAX];
    uint32_t cost[BF_TIER_MAX]; /* cycles per unit of work, 0 when never measured */
    uint32_t rejected;          /* a bit per tier rolled back */
    uint32_t settled;           /* index of the tier the site settled on */
    uint32_t calls;             /* calls over every boot */
};

struct record_header {
    uint32_t magic, count;
};

static struct record_site loaded[BF_TIER_SITES_MAX];
static uint32_t loaded_count;

uint32_t bf_tiers_save_record(uint8_t *buffer, uint32_t size)
{
    uint32_t need = sizeof(struct record_header) + bf_tier_site_count * sizeof(struct record_site);
    if (size < need)
        return 0;
    struct record_header header = {RECORD_MAGIC, bf_tier_site_count};
    memcpy(buffer, &header, sizeof header);
    for (uint32_t i = 0; i < bf_tier_site_count; i++) {
        const struct bf_tier_site *site = &bf_tier_sites[i];
        struct record_site r;
        memset(&r, 0, sizeof r);
        bf_tiers_copy(r.name, site->name, sizeof r.name);
        for (uint32_t t = 0; t < site->count; t++) {
            bf_tiers_copy(r.tiers[t], site->names[t], sizeof r.tiers[t]);
            uint64_t cost = site->stats[t].cost ? site->stats[t].cost : site->past_cost[t];
            r.cost[t] = cost > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cost;
        }
        r.rejected = site->rejected;
        r.settled = site->trial_from != BF_TIER_NONE ? site->trial_from : site->tier;
        r.calls = site->past_calls + site->calls;
        memcpy(buffer + sizeof header + i * sizeof r, &r, sizeof r);
    }
    return need;
}

int bf_tiers_load_record(const uint8_t *buffer, uint32_t size)
{
    struct record_header header;
    if (size < sizeof header)
        return -1;
    memcpy(&header, buffer, sizeof header);
    if (header.magic != RECORD_MAGIC || header.count > BF_TIER_SITES_MAX ||
        size != sizeof header + header.count * sizeof(struct record_site))
        return -1;
    memcpy(loaded, buffer + sizeof header, header.count * sizeof(struct record_site));
    loaded_count = header.count;
    for (uint32_t i = 0; i < loaded_count; i++) { /* never trust a name without its NUL */
        loaded[i].name[BF_TIER_SITE_NAME_MAX - 1] = '\0';
        for (uint32_t t = 0; t < BF_TIER_MAX; t++)
            loaded[i].tiers[t][BF_TIER_NAME_MAX - 1] = '\0';
    }
    return 0;
}

uint32_t bf_tiers_record_sites(void)
{
    return loaded_count;
}

void bf_tiers_apply_learned(struct bf_tier_site *site)
{
    const struct record_site *r = 0;
    for (uint32_t i = 0; i < loaded_count && !r; i++)
        if (strcmp(loaded[i].name, site->name) == 0)
            r = &loaded[i];
    if (!r)
        return;
    site->past_calls = r->calls;
    for (uint8_t t = 0; t < site->count; t++) {
        for (uint32_t j = 0; j < BF_TIER_MAX; j++) {
            if (!r->tiers[j][0] || strcmp(r->tiers[j], site->names[t]) != 0)
                continue;
            site->past_cost[t] = r->cost[j];
            if (r->rejected & (1u << j))
                site->rejected |= (uint8_t)(1u << t);
            if (j == r->settled)
                site->learned = t;
        }
    }
}

static void report_site(const struct bf_tier_site *site, int last)
{
    kprintf("{\"site\": \"%s\", \"settled\": \"%s\", \"learned\": \"%s\", \"calls\": %u, "
            "\"past_calls\": %u, \"learned_hits\": %u, \"tiers\": [", site->name,
            bf_tier_settled(site), site->learned != BF_TIER_NONE ? site->names[site->learned] : "",
            site->calls, site->past_calls, site->learned_hits);
    for (uint32_t t = 0; t < site->count; t++) {
        const struct bf_tier_stats *s = &site->stats[t];
        kprintf("{\"tier\": \"%s\", \"calls\": %u, \"cycles\": %llu, \"work\": %llu, "
                "\"cost\": %llu, \"rolled_back\": %s}%s", site->names[t], s->calls,
                (unsigned long long)s->cycles, (unsigned long long)s->work,
                (unsigned long long)s->cost, (site->rejected & (1u << t)) ? "true" : "false",
                t + 1 < site->count ? ", " : "");
    }
    kprintf("]}%s\n", last ? "" : ",");
}

void bf_tiers_report(void)
{
    uint64_t calls = 0, hits = 0;
    for (uint32_t i = 0; i < bf_tier_site_count; i++) {
        calls += bf_tier_sites[i].calls;
        hits += bf_tier_sites[i].learned_hits;
    }
    uint32_t permille = calls ? (uint32_t)(hits * 1000u / calls) : 0;
    kprintf("tiers: %u sites, hit rate %u.%u%% (%llu of %llu hot calls served by a learned tier "
            "from their first call)\n", bf_tier_site_count, permille / 10, permille % 10,
            (unsigned long long)hits, (unsigned long long)calls);
    kputs("--- BEGIN TIERS ---\n[\n");
    for (uint32_t i = 0; i < bf_tier_site_count; i++)
        report_site(&bf_tier_sites[i], i + 1 == bf_tier_site_count);
    kputs("]\n--- END TIERS ---\n");
}
