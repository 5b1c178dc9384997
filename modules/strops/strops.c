/*
 * strops: string operations on a built-in text. Each unit of work runs 4 rounds; round t uses
 * pattern PATS[t % 4] and replacement REPS[t % 4] and does, on a copy of the text:
 *   count the non-overlapping occurrences of the pattern (as Python's str.count),
 *   replace them all (str.replace), reverse the result, count its words (runs of non-blanks),
 *   swap the case of the letters at positions i with (i + t) % 3 == 0,
 *   find the first "eht" (str.find, -1 when absent) and hash the result (FNV-1a, 32-bit).
 * Result: "count=<sum> len=<sum> words=<sum> find=<sum of index+1> hash=<hex, over all rounds>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

static const char TEXT[] =
    "The quick brown fox jumps over the lazy dog while the farmer is sleeping in the barn.\n"
    "Nothing interesting happens in the village, but the evening brings rain, and the rain\n"
    "keeps falling on the roofs, the fields and the winding road leading into the hills.\n"
    "In the morning the children are running, singing and laughing; the teacher is waiting\n"
    "at the gate, counting them one by one, then opening the door of the old building.\n"
    "Everything seems ordinary, yet something is changing: the river is rising, the wind is\n"
    "turning, and the people are gathering in the square to hear the news of the day.\n";

static const char *const PATS[4] = {"the", "in", "ing ", "e"};
static const char *const REPS[4] = {"THE", "inside", "", "ee"};

#define TEXT_LEN (sizeof TEXT - 1)
static char work_buf[TEXT_LEN + 1];
static char out_buf[4 * TEXT_LEN + 1];

static uint32_t str_len(const char *s)
{
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Index of the first occurrence of pat (length m >= 1) in s[from, n), or -1. */
static int32_t find_from(const char *s, uint32_t n, const char *pat, uint32_t m, uint32_t from)
{
    uint32_t i, j;
    if (m > n)
        return -1;
    for (i = from; i + m <= n; i++) {
        for (j = 0; j < m && s[i + j] == pat[j]; j++)
            ;
        if (j == m)
            return (int32_t)i;
    }
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\n';
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t count = 0, len = 0, words = 0, find = 0, hash = 2166136261u;
    uint32_t rounds = 4 * work, t, i;

    for (t = 0; t < rounds; t++) {
        const char *pat = PATS[t % 4], *rep = REPS[t % 4];
        uint32_t m = str_len(pat), r = str_len(rep), n, out = 0, pos = 0;
        int32_t hit;
        int in_word = 0;

        memcpy(work_buf, TEXT, sizeof TEXT);
        n = str_len(work_buf);

        /* count + replace in one left-to-right scan */
        while ((hit = find_from(work_buf, n, pat, m, pos)) >= 0) {
            memcpy(out_buf + out, work_buf + pos, (uint32_t)hit - pos);
            out += (uint32_t)hit - pos;
            memcpy(out_buf + out, rep, r);
            out += r;
            pos = (uint32_t)hit + m;
            count++;
        }
        memcpy(out_buf + out, work_buf + pos, n - pos);
        out += n - pos;
        out_buf[out] = 0;
        len += out;

        for (i = 0; i < out / 2; i++) {
            char c = out_buf[i];
            out_buf[i] = out_buf[out - 1 - i];
            out_buf[out - 1 - i] = c;
        }

        for (i = 0; i < out; i++) {
            if (is_blank(out_buf[i])) {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                words++;
            }
        }

        for (i = 0; i < out; i++) {
            char c = out_buf[i];
            if ((i + t) % 3 != 0)
                continue;
            if (c >= 'a' && c <= 'z')
                out_buf[i] = (char)(c - 'a' + 'A');
            else if (c >= 'A' && c <= 'Z')
                out_buf[i] = (char)(c - 'A' + 'a');
        }

        find += (uint32_t)(find_from(out_buf, out, "eht", 3, 0) + 1);

        for (i = 0; i < out; i++)
            hash = (hash ^ (uint8_t)out_buf[i]) * 16777619u;
    }
    api->format(result->text, sizeof result->text, "count=%u len=%u words=%u find=%u hash=0x%08x",
                count, len, words, find, hash);
    return 0;
}
