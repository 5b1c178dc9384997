/* The module runner: choose each module's blob, validate it, run it under the profiler. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/cpu_features.h>
#include <bf/data_disk.h>
#include <bf/fat16.h>
#include <bf/heap.h>
#include <bf/module_dump.h>
#include <bf/module_loader.h>
#include <bf/module_runner.h>
#include <bf/profile.h>
#include <bf/registry.h>
#include <bf/sampler.h>
#include <bf/string.h>
#include "module_runner_internal.h"

const struct bf_module_api bf_runner_api = {
    .version = BF_MODULE_API_VERSION,
    .print = kprintf,
    .format = ksnprintf,
    .alloc = kmalloc,
    .release = kfree,
};

const char *bf_runner_opt_name(uint8_t level)
{
    static const char *const names[] = {"O0", "O1", "O2", "O3", "Os", "Oz"};
    return level < 6 ? names[level] : "O?";
}

/* An 8.3 name part: the first 8 characters, upper case. */
static void short_name(const char *text, char out[9])
{
    uint32_t i;
    for (i = 0; i < 8 && text[i]; i++)
        out[i] = (text[i] >= 'a' && text[i] <= 'z') ? (char)(text[i] - 32) : text[i];
    out[i] = '\0';
}

/*
 * The data disk (the persistent optimisation cache) holds /MODULES/<CPU TAG>/<LEVEL>/<NAME>.MOD
 * (a tier's: /MODULES/<CPU TAG>/<TIER>/<NAME>.MOD), each part cut to 8 characters, upper case.
 */
static void disk_path(const struct bf_registry_entry *entry, char *path, uint32_t size)
{
    char name83[9], tag83[9], opt83[9];
    short_name(entry->name, name83);
    short_name(entry->cpu_tag, tag83);
    short_name(entry->tier && entry->tier[0] ? entry->tier : entry->opt, opt83);
    ksnprintf(path, size, "/MODULES/%s/%s/%s.MOD", tag83, opt83, name83);
}

/* Whether bf_runtime_init() mounted the data disk; says so when the modules must do without. */
static int have_data_disk(void)
{
    int status = data_disk_status();
    if (status == DATA_DISK_MOUNTED)
        return 1;
    if (status == DATA_DISK_NONE)
        kprintf("data disk: none, using the embedded modules\n");
    else
        kprintf("data disk: present but not FAT16 (error %d), using the embedded modules\n", status);
    return 0;
}

/* A valid copy of the entry's blob (linked for `slot`) from the data disk, in a heap buffer, or 0. */
uint8_t *bf_runner_load_from_disk(const struct bf_registry_entry *entry, uint32_t slot,
                                  uint32_t *size)
{
    const char *name = entry->name, *cpu_tag = entry->cpu_tag;
    char path[48], why[128];
    struct fat16_file file;
    disk_path(entry, path, sizeof path);
    if (fat16_open(path, &file) != 0 || file.size == 0)
        return 0;
    uint8_t *buffer = kmalloc(file.size);
    if (!buffer) {
        kprintf("module %s: no memory for the disk copy (%u bytes)\n", name, file.size);
        return 0;
    }
    int read = fat16_read(&file, buffer, file.size);
    if (read != (int)file.size) {
        kprintf("module %s: reading %s failed (%d)\n", name, path, read);
        kfree(buffer);
        return 0;
    }
    if (bf_module_validate_tier(buffer, file.size, name, cpu_tag, entry->tier ? entry->tier : "",
                                slot, why, sizeof why) != BF_MODULE_OK) {
        kprintf("module %s: disk copy %s refused: %s\n", name, path, why);
        kfree(buffer);
        return 0;
    }
    *size = file.size;
    return buffer;
}

int bf_runner_call(bf_module_entry_fn fn, int profile_id, struct bf_module_result *result,
                   uint64_t *cycles)
{
    memset(result, 0, sizeof *result);
    /* Interrupts off while timed: under -icount the count is then the module's own
     * instructions, the same on every run, whatever the timer did around it. Except in a
     * sampling kernel, whose ticks must see the module (its counts include the sampler). */
    uint32_t flags = bf_sampler_active() ? 0 : cpu_irq_save();
    uint64_t start = rdtsc();
    int rc = fn(&bf_runner_api, bf_registry_work, result);
    *cycles = rdtsc() - start;
    cpu_irq_restore(flags);
    bf_profile_record(profile_id, *cycles);
    result->text[BF_MODULE_RESULT_MAX - 1] = '\0';
    return rc;
}

/* Calls a loaded module `calls` times; 0 when every call succeeded with the same result. */
static int run_module(const struct bf_registry_entry *entry, const struct bf_module_header *h,
                      const char *source)
{
    bf_module_entry_fn fn = bf_module_load((const uint8_t *)h);
    bf_sampler_module_loaded(entry->name, h->cpu_tag);
    int id = bf_profile_register(entry->name, h->load_address, h->payload_size, h->opt_level,
                                 h->cpu_tag, source);
    struct bf_module_result first, result;
    for (uint32_t call = 0; call < entry->calls; call++) {
        uint64_t cycles;
        int rc = bf_runner_call(fn, id, &result, &cycles);
        if (rc != 0) {
            kprintf("module %s: call %u returned %d\n", entry->name, call, rc);
            return -1;
        }
        if (call == 0)
            first = result;
        else if (strcmp(first.text, result.text) != 0) {
            kprintf("module %s: call %u gave '%s' after '%s'\n", entry->name, call, result.text,
                    first.text);
            return -1;
        }
    }
    kprintf("RESULT %s source=%s opt=%s cpu=%s | %s\n", entry->name, source, bf_runner_opt_name(h->opt_level),
            h->cpu_tag, first.text);
    if (h->flags & BF_MODULE_FLAG_PROFILE_COUNTERS)
        bf_module_dump(entry->name, (const void *)(uintptr_t)BF_MODULE_SLOT, h->payload_size);
    return 0;
}

static uint32_t popcount(uint32_t x)
{
    uint32_t n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/*
 * Among the `count` variants of one module (consecutive registry entries), the one with the most
 * features that this CPU can use; -1 when it can run none. Says what it chose and skipped.
 */
static int choose_variant(const struct bf_registry_entry *variants, uint32_t count)
{
    uint32_t usable = cpu_features_usable();
    int best = -1;
    uint32_t best_features = 0;
    for (uint32_t i = 0; i < count; i++) {
        int unknown;
        uint32_t needs = cpu_feature_mask(variants[i].features, &unknown);
        uint32_t missing = needs & ~usable;
        if (missing || unknown) {
            char names[128];
            cpu_feature_names(missing, names, sizeof names);
            kprintf("module %s: variant %s skipped, the cpu lacks %s\n", variants[i].name,
                    variants[i].cpu_tag, unknown ? "features this kernel does not know" : names);
            continue;
        }
        if (best < 0 || popcount(needs) >= best_features) {
            best = (int)i;
            best_features = popcount(needs);
        }
    }
    if (count > 1 && best >= 0)
        kprintf("module %s: variant %s chosen of %u\n", variants[best].name, variants[best].cpu_tag,
                count);
    return best;
}

void bf_run_registry(struct bf_run_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    if (bf_registry_profile[0])
        kprintf("registry: module levels from profile %s\n", bf_registry_profile);
    int have_disk = have_data_disk();
    uint32_t first = 0;
    while (first < bf_registry_count) {
        uint32_t count = 1;
        while (first + count < bf_registry_count &&
               strcmp(bf_registry[first + count].name, bf_registry[first].name) == 0)
            count++;
        const struct bf_registry_entry *variants = &bf_registry[first];
        first += count;
        if (variants[0].tier && variants[0].tier[0]) { /* a tiered module: every tier at once */
            bf_run_tiered(variants, count, have_disk, summary);
            continue;
        }
        int chosen = choose_variant(variants, count);
        if (chosen < 0) {
            kprintf("module %s: refused: no variant this cpu can run\n", variants[0].name);
            summary->refused++;
            continue;
        }
        const struct bf_registry_entry *entry = &variants[chosen];
        uint32_t size = 0;
        uint8_t *disk_copy = have_disk ? bf_runner_load_from_disk(entry, BF_MODULE_SLOT, &size) : 0;
        const uint8_t *blob = disk_copy;
        const char *source = "disk";
        if (!blob) {
            char why[128];
            if (bf_module_validate(entry->blob, entry->size, entry->name, entry->cpu_tag, why,
                                   sizeof why) != BF_MODULE_OK) {
                kprintf("module %s: refused (embedded): %s\n", entry->name, why);
                summary->refused++;
                continue;
            }
            blob = entry->blob;
            source = "embedded";
        }
        if (run_module(entry, (const struct bf_module_header *)blob, source) == 0) {
            summary->ran++;
            summary->from_disk += disk_copy != 0;
        } else {
            summary->failed++;
        }
        if (disk_copy)
            kfree(disk_copy);
    }
    kprintf("modules: %u ran (%u from the data disk, %u embedded), %u refused, %u failed\n",
            summary->ran, summary->from_disk, summary->ran - summary->from_disk, summary->refused,
            summary->failed);
}
