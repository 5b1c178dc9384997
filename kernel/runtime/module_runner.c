/* The module runner: choose each module's blob, validate it, run it under the profiler. */
#include <bf/ata.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/fat16.h>
#include <bf/heap.h>
#include <bf/module_loader.h>
#include <bf/module_runner.h>
#include <bf/profile.h>
#include <bf/registry.h>
#include <bf/string.h>

static const struct bf_module_api module_api = {
    .version = BF_MODULE_API_VERSION,
    .print = kprintf,
    .format = ksnprintf,
    .alloc = kmalloc,
    .release = kfree,
};

static const char *opt_name(uint8_t level)
{
    static const char *const names[] = {"O0", "O1", "O2", "O3", "Os", "Oz"};
    return level < 6 ? names[level] : "O?";
}

/* The data disk holds /MODULES/<first 8 characters of the name, upper case>.MOD. */
static void disk_path(const char *name, char *path, uint32_t size)
{
    char shortname[9];
    uint32_t i;
    for (i = 0; i < 8 && name[i]; i++)
        shortname[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32) : name[i];
    shortname[i] = '\0';
    ksnprintf(path, size, "/MODULES/%s.MOD", shortname);
}

static int mount_data_disk(void)
{
    if (ata_init() <= 0 || !ata_present(ATA_DATA_DISK)) {
        kprintf("data disk: none, using the embedded modules\n");
        return 0;
    }
    int rc = fat16_mount(ATA_DATA_DISK);
    if (rc != 0) {
        kprintf("data disk: present but not FAT16 (error %d), using the embedded modules\n", rc);
        return 0;
    }
    kprintf("data disk: FAT16 volume '%s' mounted\n", fat16_label());
    return 1;
}

/* A valid copy of module `name` from the data disk, in a heap buffer, or 0. */
static uint8_t *load_from_disk(const char *name, const char *cpu_tag, uint32_t *size)
{
    char path[32], why[128];
    struct fat16_file file;
    disk_path(name, path, sizeof path);
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
    if (bf_module_validate(buffer, file.size, name, cpu_tag, why, sizeof why) != BF_MODULE_OK) {
        kprintf("module %s: disk copy %s refused: %s\n", name, path, why);
        kfree(buffer);
        return 0;
    }
    *size = file.size;
    return buffer;
}

/* Calls a loaded module `calls` times; 0 when every call succeeded with the same result. */
static int run_module(const struct bf_registry_entry *entry, const struct bf_module_header *h,
                      const char *source)
{
    bf_module_entry_fn fn = bf_module_load((const uint8_t *)h);
    int id = bf_profile_register(entry->name, h->load_address, h->payload_size, h->opt_level,
                                 h->cpu_tag, source);
    struct bf_module_result first, result;
    for (uint32_t call = 0; call < entry->calls; call++) {
        memset(&result, 0, sizeof result);
        uint64_t start = rdtsc();
        int rc = fn(&module_api, bf_registry_work, &result);
        uint64_t cycles = rdtsc() - start;
        bf_profile_record(id, cycles);
        result.text[BF_MODULE_RESULT_MAX - 1] = '\0';
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
    kprintf("RESULT %s source=%s opt=%s cpu=%s | %s\n", entry->name, source, opt_name(h->opt_level),
            h->cpu_tag, first.text);
    return 0;
}

void bf_run_registry(const char *cpu_tag, struct bf_run_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    int have_disk = mount_data_disk();
    for (uint32_t i = 0; i < bf_registry_count; i++) {
        const struct bf_registry_entry *entry = &bf_registry[i];
        uint32_t size = 0;
        uint8_t *disk_copy = have_disk ? load_from_disk(entry->name, cpu_tag, &size) : 0;
        const uint8_t *blob = disk_copy;
        const char *source = "disk";
        if (!blob) {
            char why[128];
            if (bf_module_validate(entry->blob, entry->size, entry->name, cpu_tag, why,
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
