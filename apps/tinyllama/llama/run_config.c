/* The LLAMA.CFG parser. */
#include <bf/console.h>
#include <bf/string.h>
#include "run_config.h"

void llama_run_config_defaults(struct llama_run_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->steps = 256;
    cfg->temperature = 1.0f;
    cfg->topp = 0.9f;
    cfg->seed = 42;
    strcpy(cfg->matmul, "auto");
}

/* value into field (size bytes) when it is one of `allowed` (NULL-terminated; NULL: any text
 * that fits); 0 when stored. */
static int set_word(char *field, uint32_t size, const char *value, const char *const *allowed)
{
    if (strlen(value) >= size)
        return -1;
    for (; allowed && *allowed && strcmp(*allowed, value) != 0; allowed++)
        ;
    if (allowed && !*allowed)
        return -1;
    strcpy(field, value);
    return 0;
}

int llama_parse_decimal(const char *s, float *out)
{
    int negative = *s == '-';
    if (negative)
        s++;
    uint32_t mantissa = 0;
    int digits = 0, decimals = 0, seen_point = 0;
    for (; *s; s++) {
        if (*s == '.' && !seen_point) {
            seen_point = 1;
        } else if (*s >= '0' && *s <= '9') {
            if (++digits > 9)
                return -1;
            mantissa = mantissa * 10 + (uint32_t)(*s - '0');
            decimals += seen_point;
        } else {
            return -1;
        }
    }
    if (digits == 0)
        return -1;
    /* Both operands are exact; one division, rounded once more when stored as a float. */
    double scale = 1.0;
    for (int i = 0; i < decimals; i++)
        scale *= 10.0;
    double value = (double)mantissa / scale;
    *out = (float)(negative ? -value : value);
    return 0;
}

static int parse_int(const char *s, int *out)
{
    int value = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || value > 100000000)
            return -1;
        value = value * 10 + (*s - '0');
    }
    *out = value;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t value = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || value > 1844674407370955160ull)
            return -1;
        uint64_t next = value * 10 + (uint64_t)(*s - '0');
        if (next < value)
            return -1;
        value = next;
    }
    *out = value;
    return 0;
}

/* One "key=value" line (NUL-terminated, no line end); 0 when applied. */
static int apply(struct llama_run_config *cfg, char *line)
{
    char *value = line;
    while (*value && *value != '=')
        value++;
    if (!*value)
        return -1;
    *value++ = '\0';
    if (strcmp(line, "prompt") == 0) {
        if (strlen(value) >= LLAMA_PROMPT_MAX)
            return -1;
        strcpy(cfg->prompt, value);
        return 0;
    }
    if (strcmp(line, "steps") == 0)
        return parse_int(value, &cfg->steps);
    if (strcmp(line, "temperature") == 0) {
        float t;
        if (llama_parse_decimal(value, &t) != 0 || t < 0.0f)
            return -1;
        cfg->temperature = t;
        return 0;
    }
    if (strcmp(line, "topp") == 0)
        return llama_parse_decimal(value, &cfg->topp);
    if (strcmp(line, "seed") == 0) {
        if (parse_u64(value, &cfg->seed) != 0)
            return -1;
        if (cfg->seed == 0)
            cfg->seed = 42;
        return 0;
    }
    static const char *const matmuls[] = {"auto", "scalar", "sse2", "avx2", 0};
    static const char *const weights[] = {"trained", "random", 0};
    if (strcmp(line, "matmul") == 0)
        return set_word(cfg->matmul, sizeof cfg->matmul, value, matmuls);
    if (strcmp(line, "name") == 0)
        return set_word(cfg->name, sizeof cfg->name, value, 0);
    if (strcmp(line, "weights") == 0)
        return set_word(cfg->weights, sizeof cfg->weights, value, weights);
    return -1;
}

int llama_run_config_parse(struct llama_run_config *cfg, const char *text, uint32_t len)
{
    char line[LLAMA_PROMPT_MAX + 16];
    int ignored = 0, number = 0;
    uint32_t at = 0;
    while (at < len) {
        uint32_t end = at;
        while (end < len && text[end] != '\n')
            end++;
        uint32_t stop = end;
        if (stop > at && text[stop - 1] == '\r')
            stop--;
        number++;
        uint32_t n = stop - at;
        if (n > 0 && text[at] != '#') {
            if (n >= sizeof line) {
                kprintf("LLAMA: LLAMA.CFG line %d is too long, ignored\n", number);
                ignored++;
            } else {
                memcpy(line, text + at, n);
                line[n] = '\0';
                if (apply(cfg, line) != 0) {
                    kprintf("LLAMA: LLAMA.CFG line %d not understood, ignored\n", number);
                    ignored++;
                }
            }
        }
        at = end + 1;
    }
    return ignored;
}
