/* Argmax, multinomial and top-p sampling (run.c's procedures). */
#include <bf/heap.h>
#include "ops.h"
#include "profile.h"
#include "sampler.h"

int llama_sampler_init(struct llama_sampler *s, int vocab_size, float temperature, float topp,
                       uint64_t seed)
{
    s->vocab_size = vocab_size;
    s->temperature = temperature;
    s->topp = topp;
    s->rng_state = seed;
    s->candidates = kmalloc((uint32_t)vocab_size * sizeof *s->candidates);
    return s->candidates ? 0 : -1;
}

void llama_sampler_free(struct llama_sampler *s)
{
    kfree(s->candidates);
    s->candidates = 0;
}

uint32_t llama_random_u32(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float llama_random_f32(uint64_t *state)
{
    return (llama_random_u32(state) >> 8) / 16777216.0f;
}

/* The first index of the largest value. */
static int sample_argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

static int sample_mult(const float *p, int n, float coin)
{
    float cdf = 0.0f;
    for (int i = 0; i < n; i++) {
        cdf += p[i];
        if (coin < cdf)
            return i;
    }
    return n - 1; /* rounding left the total just under coin */
}

/* Descending probability; equal probabilities by ascending index (qsort leaves that open). */
static int before(const struct llama_prob_index *a, const struct llama_prob_index *b)
{
    return a->prob > b->prob || (a->prob == b->prob && a->index < b->index);
}

static void sift_down(struct llama_prob_index *v, int root, int n)
{
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n)
            return;
        /* A heap whose root comes last in the order, so sorting leaves the order ascending. */
        if (child + 1 < n && before(&v[child], &v[child + 1]))
            child++;
        if (!before(&v[root], &v[child]))
            return;
        struct llama_prob_index t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void sort_candidates(struct llama_prob_index *v, int n)
{
    for (int i = n / 2 - 1; i >= 0; i--)
        sift_down(v, i, n);
    for (int end = n - 1; end > 0; end--) {
        struct llama_prob_index t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/*
 * Top-p: the smallest set of most likely tokens whose probability exceeds topp, sampled in
 * proportion. Tokens below (1 - topp) / (n - 1) cannot be in that set and are dropped before
 * sorting, as run.c does.
 */
static int sample_topp(const float *p, int n, float topp, struct llama_prob_index *candidates,
                       float coin)
{
    int count = 0;
    const float cutoff = (1.0f - topp) / (n - 1);
    for (int i = 0; i < n; i++) {
        if (p[i] >= cutoff) {
            candidates[count].index = i;
            candidates[count].prob = p[i];
            count++;
        }
    }
    sort_candidates(candidates, count);
    float cumulative = 0.0f;
    int last = count - 1;
    for (int i = 0; i < count; i++) {
        cumulative += candidates[i].prob;
        if (cumulative > topp) {
            last = i;
            break;
        }
    }
    float r = coin * cumulative;
    float cdf = 0.0f;
    for (int i = 0; i <= last; i++) {
        cdf += candidates[i].prob;
        if (r < cdf)
            return candidates[i].index;
    }
    return candidates[last].index;
}

int llama_sample(struct llama_sampler *s, float *logits)
{
    uint64_t start = llama_prof_start();
    int next;
    if (s->temperature == 0.0f) {
        next = sample_argmax(logits, s->vocab_size);
    } else {
        for (int i = 0; i < s->vocab_size; i++)
            logits[i] /= s->temperature;
        llama_softmax(logits, s->vocab_size);
        float coin = llama_random_f32(&s->rng_state);
        if (s->topp <= 0.0f || s->topp >= 1.0f)
            next = sample_mult(logits, s->vocab_size, coin);
        else
            next = sample_topp(logits, s->vocab_size, s->topp, s->candidates, coin);
    }
    llama_prof_stop(LLAMA_PROF_SAMPLE, start);
    return next;
}
