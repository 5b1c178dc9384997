/* The cycle-profile table (bf/profile.h) and its JSON export. */
#include <stdint.h>
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/profile.h>
#include <bf/sampler.h>

static struct bf_profile_entry entries[BF_PROFILE_MAX_ENTRIES];
static int count;

/* Copies at most size - 1 bytes and always terminates; NULL becomes "". */
static void copy_text(char *dst, unsigned size, const char *src)
{
    unsigned i = 0;
    if (src) {
        for (; i + 1 < size && src[i]; i++)
            dst[i] = src[i];
    }
    dst[i] = '\0';
}

int bf_profile_register(const char *name, uint32_t code_address, uint32_t code_size,
                        int opt_level, const char *cpu_tag, const char *source)
{
    if (count >= BF_PROFILE_MAX_ENTRIES)
        return -1;
    struct bf_profile_entry *e = &entries[count];
    copy_text(e->name, sizeof(e->name), name);
    copy_text(e->cpu_tag, sizeof(e->cpu_tag), cpu_tag);
    e->source = source ? source : "kernel";
    e->calls = 0;
    e->total_cycles = 0;
    e->min_cycles = 0;
    e->max_cycles = 0;
    e->code_address = code_address;
    e->code_size = code_size;
    e->opt_level = (opt_level >= 0 && opt_level <= 5) ? opt_level : -1;
    return count++;
}

void bf_profile_record(int id, uint64_t cycles)
{
    if (id < 0 || id >= count)
        return;
    struct bf_profile_entry *e = &entries[id];
    /* The first call sets min, so min is never a sentinel (and stays 0 with no calls). */
    if (e->calls == 0 || cycles < e->min_cycles)
        e->min_cycles = cycles;
    if (cycles > e->max_cycles)
        e->max_cycles = cycles;
    e->total_cycles += cycles;
    e->calls++;
}

const struct bf_profile_entry *bf_profile_get(int id)
{
    if (id < 0 || id >= count)
        return 0;
    return &entries[id];
}

int bf_profile_count(void)
{
    return count;
}

/*
 * A JSON string: quotes and backslashes escaped, and every byte outside printable ASCII as
 * \u00XX, so the output stays valid JSON and valid UTF-8 whatever the bytes are.
 */
static void put_json_string(const char *s)
{
    kputc('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            kputc('\\');
            kputc((char)c);
        } else if (c < 0x20 || c >= 0x7F) {
            kprintf("\\u%04x", c);
        } else {
            kputc((char)c);
        }
    }
    kputc('"');
}

static void export_json(void)
{
    uint64_t total_calls = 0;
    for (int i = 0; i < count; i++)
        total_calls += entries[i].calls;

    kputs("--- BEGIN JSON ---\n");
    kprintf("{\"format_version\": %d, \"timestamp_cycles\": %llu, \"total_calls\": %llu, "
            "\"num_modules\": %d, \"modules\": [\n",
            BF_PROFILE_FORMAT_VERSION, (unsigned long long)rdtsc(),
            (unsigned long long)total_calls, count);
    for (int i = 0; i < count; i++) {
        const struct bf_profile_entry *e = &entries[i];
        kputs("{\"name\": ");
        put_json_string(e->name);
        kprintf(", \"calls\": %u, \"total_cycles\": %llu, \"min_cycles\": %llu, "
                "\"max_cycles\": %llu, \"code_address\": %u, \"code_size\": %u, "
                "\"opt_level\": %d, \"cpu_tag\": ",
                (unsigned)e->calls, (unsigned long long)e->total_cycles,
                (unsigned long long)e->min_cycles, (unsigned long long)e->max_cycles,
                (unsigned)e->code_address, (unsigned)e->code_size, e->opt_level);
        put_json_string(e->cpu_tag);
        kputs(", \"source\": ");
        put_json_string(e->source);
        /* Code at address 0 was never placed in memory (registered, but not loaded). */
        kprintf(", \"loaded\": %s}%s\n", e->code_address ? "true" : "false",
                i + 1 < count ? "," : "");
    }
    kputs("]}\n");
    kputs("--- END JSON ---\n");
}

void bf_profile_export_json(void)
{
    /* timestamp_cycles counts the host's disk waits too: formatting it takes a host-dependent
     * number of instructions, which the sampling profiler does not sample (bf/sampler.h). */
    bf_sampler_pause();
    export_json();
    bf_sampler_resume();
}
