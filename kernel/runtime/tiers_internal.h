/* Shared by tiers.c (the policy) and tiers_record.c (the learned record and the report). */
#ifndef BF_TIERS_INTERNAL_H
#define BF_TIERS_INTERNAL_H

#include <bf/tiers.h>

extern struct bf_tier_site bf_tier_sites[BF_TIER_SITES_MAX];
extern uint32_t bf_tier_site_count;

/* Sets the site's learned tier, rolled-back tiers, past calls and costs from the loaded record. */
void bf_tiers_apply_learned(struct bf_tier_site *site);

/* strlcpy: at most size - 1 bytes, always terminated. */
static inline void bf_tiers_copy(char *dst, const char *src, uint32_t size)
{
    uint32_t i = 0;
    for (; src && i + 1 < size && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

#endif
