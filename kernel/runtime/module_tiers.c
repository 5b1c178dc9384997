/*
 * The tiered path of the module runner: every tier of a module is loaded into its own slot
 * (BF_MODULE_SLOT + i * BF_MODULE_TIER_SLOT_SIZE), registered as one tier site (bf/tiers.h), and
 * the calls go through the site's dispatch pointer, which the policy moves from tier to tier.
 * A trial tier's first result is compared with the module's first result: a tier that gives
 * another is rolled back, and the module's result stays the first tier's.
 */
#include <bf/console.h>
#include <bf/heap.h>
#include <bf/module_loader.h>
#include <bf/profile.h>
#include <bf/string.h>
#include <bf/tiers.h>
#include "module_runner_internal.h"

/*
 * Loads every tier it can into codes[], names[] and levels[] (the image embeds the first tier
 * only, the data disk holds them all); returns how many, with *from_disk of them from the disk,
 * or -1 when the first tier has no valid blob.
 */
static int load_tiers(const struct bf_registry_entry *tiers, uint32_t count, int have_disk,
                      void *codes[], const char *names[], uint8_t levels[], int *from_disk)
{
    int loaded = 0;
    *from_disk = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t slot = BF_MODULE_SLOT + i * BF_MODULE_TIER_SLOT_SIZE, size = 0;
        uint8_t *copy = have_disk ? bf_runner_load_from_disk(&tiers[i], slot, &size) : 0;
        const uint8_t *blob = copy;
        char why[128];
        if (!blob && !tiers[i].blob) {
            if (i == 0)
                return -1;
            kprintf("module %s: tier %s is not on the data disk, left out\n", tiers[i].name,
                    tiers[i].tier);
            continue;
        }
        if (!blob) {
            if (bf_module_validate_tier(tiers[i].blob, tiers[i].size, tiers[i].name,
                                        tiers[i].cpu_tag, tiers[i].tier, slot, why,
                                        sizeof why) != BF_MODULE_OK) {
                kprintf("module %s: refused (embedded, tier %s): %s\n", tiers[i].name,
                        tiers[i].tier, why);
                return -1;
            }
            blob = tiers[i].blob;
        }
        codes[loaded] = (void *)bf_module_load(blob);
        names[loaded] = tiers[i].tier;
        levels[loaded++] = ((const struct bf_module_header *)blob)->opt_level;
        *from_disk += copy != 0;
        kfree(copy);
    }
    return loaded;
}

/* Calls the module through its site; 0 when every call succeeded with the first result. */
static int call_tiers(const struct bf_registry_entry *entry, struct bf_tier_site *site, int id,
                      struct bf_module_result *first)
{
    struct bf_module_result result;
    for (uint32_t call = 0; call < entry->calls; call++) {
        int check;
        bf_module_entry_fn fn = (bf_module_entry_fn)bf_tier_enter(site, &check);
        uint64_t cycles;
        int rc = bf_runner_call(fn, id, &result, &cycles);
        result.text[BF_MODULE_RESULT_MAX - 2] = '\0'; /* room for the fault test's mark */
        if (bf_tier_spoil(site, (void *)fn)) { /* a fault test: this tier is made wrong */
            uint32_t end = strlen(result.text);
            result.text[end] = '?';
            result.text[end + 1] = '\0';
        }
        if (rc != 0) {
            kprintf("module %s: call %u returned %d\n", entry->name, call, rc);
            return -1;
        }
        int same = call == 0 || strcmp(first->text, result.text) == 0;
        if (call == 0)
            *first = result;
        else if (check)
            bf_tier_checked(site, (void *)fn, same);
        else if (!same) {
            kprintf("module %s: call %u gave '%s' after '%s'\n", entry->name, call, result.text,
                    first->text);
            return -1;
        }
        bf_tier_record(site, (void *)fn, cycles, 1);
    }
    return 0;
}

void bf_run_tiered(const struct bf_registry_entry *tiers, uint32_t count, int have_disk,
                   struct bf_run_summary *summary)
{
    void *codes[BF_TIER_MAX];
    const char *names[BF_TIER_MAX];
    uint8_t levels[BF_TIER_MAX];
    if (count > BF_TIER_MAX || count > BF_MODULE_TIER_SLOTS) {
        kprintf("module %s: refused: %u tiers, at most %u fit\n", tiers[0].name, count,
                BF_MODULE_TIER_SLOTS);
        summary->refused++;
        return;
    }
    int from_disk, loaded = load_tiers(tiers, count, have_disk, codes, names, levels, &from_disk);
    if (loaded < 0) {
        kprintf("module %s: refused: its first tier is neither embedded nor on the data disk\n",
                tiers[0].name);
        summary->refused++;
        return;
    }
    struct bf_tier_site *site = bf_tier_register(tiers[0].name, (uint32_t)loaded, codes, names,
                                                 bf_registry_tier_thresholds, 1);
    if (!site) {
        kprintf("module %s: refused: the tier table is full\n", tiers[0].name);
        summary->refused++;
        return;
    }
    const char *source = from_disk == loaded ? "disk" : "embedded";
    int id = bf_profile_register(tiers[0].name, BF_MODULE_SLOT, BF_MODULE_SLOT_SIZE, -1,
                                 tiers[0].cpu_tag, source);
    struct bf_module_result first;
    if (call_tiers(&tiers[0], site, id, &first) != 0) {
        summary->failed++;
        return;
    }
    const char *settled = bf_tier_settled(site);
    uint8_t level = 0;
    for (int i = 0; i < loaded; i++)
        if (strcmp(names[i], settled) == 0)
            level = levels[i];
    kprintf("RESULT %s source=%s opt=%s cpu=%s tier=%s | %s\n", tiers[0].name, source,
            bf_runner_opt_name(level), tiers[0].cpu_tag, settled, first.text);
    summary->ran++;
    summary->from_disk += from_disk == loaded;
}
