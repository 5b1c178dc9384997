/*
 * regex_dfa: a hand-built DFA for the regex (ab|cd)+[0-9]*(x|yz), run over generated text.
 * Each unit of work generates about 4 KiB of text from tokens that often half-match the regex
 * ("ab", "cd", "a", digits, "x", "yz", "y", stray letters, blanks) and scans it:
 *   matches/chars: non-overlapping leftmost matches (as Python's re.finditer) and their length,
 *   starts: the positions at which a match begins (overlapping, as a lookahead would count).
 * The accepting state has no way out, so each start has at most one match.
 * Result: "matches=<n> chars=<n> starts=<n> len=<text bytes>", summed over the rounds.
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define RX_SEED 0x52454758u
#define TEXT_MAX 4096u

enum { S_START, S_A, S_C, S_PAIR, S_DIGITS, S_Y, S_ACCEPT, S_DEAD };

static char text[TEXT_MAX];

static uint32_t step(uint32_t state, char c)
{
    switch (state) {
    case S_START:
        if (c == 'a')
            return S_A;
        if (c == 'c')
            return S_C;
        return S_DEAD;
    case S_A:
        return c == 'b' ? S_PAIR : S_DEAD;
    case S_C:
        return c == 'd' ? S_PAIR : S_DEAD;
    case S_PAIR:
        if (c == 'a')
            return S_A;
        if (c == 'c')
            return S_C;
        /* fall through: after a pair, the same as after digits */
    case S_DIGITS:
        if (c >= '0' && c <= '9')
            return S_DIGITS;
        if (c == 'x')
            return S_ACCEPT;
        if (c == 'y')
            return S_Y;
        return S_DEAD;
    case S_Y:
        return c == 'z' ? S_ACCEPT : S_DEAD;
    default:
        return S_DEAD;
    }
}

/* Length of the match starting at `start`, or 0 when none. */
static uint32_t match_at(const char *s, uint32_t n, uint32_t start)
{
    uint32_t state = S_START, i;
    for (i = start; i < n; i++) {
        state = step(state, s[i]);
        if (state == S_ACCEPT)
            return i + 1 - start;
        if (state == S_DEAD)
            return 0;
    }
    return 0;
}

static uint32_t generate(uint32_t *rng)
{
    uint32_t n = 0;
    while (n < TEXT_MAX - 2) {
        switch (bf_rand_below(rng, 10)) {
        case 0:
        case 1:
            text[n++] = 'a';
            text[n++] = 'b';
            break;
        case 2:
            text[n++] = 'c';
            text[n++] = 'd';
            break;
        case 3:
            text[n++] = 'a';
            break;
        case 4:
            text[n++] = (char)('0' + bf_rand_below(rng, 10));
            break;
        case 5:
            text[n++] = 'x';
            break;
        case 6:
            text[n++] = 'y';
            text[n++] = 'z';
            break;
        case 7:
            text[n++] = 'y';
            break;
        case 8:
            text[n++] = "bcdz"[bf_rand_below(rng, 4)];
            break;
        default:
            text[n++] = ' ';
            break;
        }
    }
    return n;
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t matches = 0, chars = 0, starts = 0, total = 0, round, i;

    for (round = 0; round < work; round++) {
        uint32_t rng = bf_rand_seed(RX_SEED, round);
        uint32_t n = generate(&rng);
        total += n;
        for (i = 0; i < n;) {
            uint32_t m = match_at(text, n, i);
            if (m) {
                matches++;
                chars += m;
                i += m;
            } else {
                i++;
            }
        }
        for (i = 0; i < n; i++)
            starts += match_at(text, n, i) != 0;
    }
    api->format(result->text, sizeof result->text, "matches=%u chars=%u starts=%u len=%u", matches,
                chars, starts, total);
    return 0;
}
