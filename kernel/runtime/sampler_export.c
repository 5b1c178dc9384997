/*
 * The sampling profiler's export: at exit, each processor's buffer as lowercase hex lines on
 * the serial port, between "--- BEGIN SAMPLES ---" and "--- END SAMPLES ---", its byte count
 * and CRC-32 on the closing line (docs/profiling.md).
 */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/sampler.h>
#include <bf/sampler_buffer.h>
#include <bf/serial.h>
#include <bf/string.h>
#include <bf/timer.h>

#define BYTES_PER_LINE 64

struct encoder {
    uint8_t line[BYTES_PER_LINE];
    uint32_t fill, bytes, crc;
};

static void put_line(const char *text)
{
    serial_write(text, strlen(text));
}

static void flush(struct encoder *e)
{
    static const char digits[] = "0123456789abcdef";
    char text[2 * BYTES_PER_LINE + 2];
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->fill; i++) {
        text[n++] = digits[e->line[i] >> 4];
        text[n++] = digits[e->line[i] & 15];
    }
    text[n++] = '\n';
    text[n] = '\0';
    if (e->fill)
        put_line(text);
    e->fill = 0;
}

static void put_byte(struct encoder *e, uint8_t byte)
{
    e->crc ^= byte; /* CRC-32 (IEEE), as zlib.crc32 */
    for (int bit = 0; bit < 8; bit++)
        e->crc = (e->crc >> 1) ^ (0xEDB88320u & (0u - (e->crc & 1u)));
    e->line[e->fill++] = byte;
    e->bytes++;
    if (e->fill == BYTES_PER_LINE)
        flush(e);
}

/* Unsigned LEB128: 7 bits a byte, low bits first, the top bit set on all but the last. */
static void put_varint(struct encoder *e, uint32_t value)
{
    while (value >= 0x80) {
        put_byte(e, (uint8_t)(value | 0x80));
        value >>= 7;
    }
    put_byte(e, (uint8_t)value);
}

static void put_text(struct encoder *e, const char *text)
{
    uint32_t n = (uint32_t)strlen(text);
    put_varint(e, n);
    for (uint32_t i = 0; i < n; i++)
        put_byte(e, (uint8_t)text[i]);
}

static void export_load(struct encoder *e, uint32_t index)
{
    put_varint(e, 0);
    put_varint(e, index);
    const struct bf_sample_load *load = index < BF_SAMPLER_MAX_LOADS ? &bf_sample_loads[index] : 0;
    put_text(e, load ? load->name : "");
    put_text(e, load ? load->cpu_tag : "");
}

/* A sample: its address count, how many root-side addresses it shares with the sample before,
 * then the others, leaf first. Successive samples mostly differ near the leaf only. */
static void export_sample(struct encoder *e, const uint32_t *addrs, uint32_t n,
                          const uint32_t *prev, uint32_t prev_n)
{
    uint32_t shared = 0;
    while (shared < n && shared < prev_n && addrs[n - 1 - shared] == prev[prev_n - 1 - shared])
        shared++;
    put_varint(e, n);
    put_varint(e, shared);
    for (uint32_t i = 0; i < n - shared; i++)
        put_varint(e, addrs[i]);
}

static uint32_t count_samples(const struct bf_sample_buffer *b)
{
    uint32_t samples = 0;
    for (uint32_t at = 0; at < b->used; at += (b->words[at] & BF_SAMPLE_LOAD_MARKER) ? 1 : 1 + b->words[at])
        samples += !(b->words[at] & BF_SAMPLE_LOAD_MARKER);
    return samples;
}

static void export_cpu(uint32_t cpu)
{
    const struct bf_sample_buffer *b = &bf_sample_buffers[cpu];
    uint32_t samples = count_samples(b);
    char text[128];
    ksnprintf(text, sizeof text, "BFS%u cpu=%u hz=%u samples=%u dropped=%u\n",
              BF_SAMPLER_FORMAT_VERSION, cpu, timer_hz(), samples, b->dropped);
    put_line(text);
    struct encoder e = {.crc = 0xFFFFFFFFu};
    const uint32_t *prev = 0;
    uint32_t prev_n = 0;
    for (uint32_t at = 0; at < b->used;) {
        uint32_t word = b->words[at];
        if (word & BF_SAMPLE_LOAD_MARKER) {
            export_load(&e, word & ~BF_SAMPLE_LOAD_MARKER);
            at++;
            continue;
        }
        export_sample(&e, b->words + at + 1, word, prev, prev_n);
        prev = b->words + at + 1;
        prev_n = word;
        at += 1 + word;
    }
    flush(&e);
    ksnprintf(text, sizeof text, "BFS%u end bytes=%u crc32=%08x\n", BF_SAMPLER_FORMAT_VERSION,
              e.bytes, ~e.crc);
    put_line(text);
}

void bf_sampler_finish(void)
{
    if (!bf_sampler_active())
        return;
    cpu_cli();
    bf_sampler_stop();
    for (uint32_t cpu = 0; cpu < BF_SAMPLER_MAX_CPUS; cpu++)
        kprintf("sampler: cpu %u: %u samples at %u Hz, %u dropped (buffer full), %u module loads\n",
                cpu, count_samples(&bf_sample_buffers[cpu]), timer_hz(),
                bf_sample_buffers[cpu].dropped, bf_sample_load_count);
    put_line("--- BEGIN SAMPLES ---\n");
    for (uint32_t cpu = 0; cpu < BF_SAMPLER_MAX_CPUS; cpu++)
        export_cpu(cpu);
    put_line("--- END SAMPLES ---\n");
}
