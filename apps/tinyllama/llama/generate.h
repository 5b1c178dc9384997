/* The generation loop of llama2.c's run.c, with what the LLAMA lines report. */
#ifndef LLAMA_GENERATE_H
#define LLAMA_GENERATE_H

#include <stdint.h>
#include "sampler.h"
#include "tokenizer.h"
#include "transformer.h"

struct llama_generation {
    int *sampled;     /* the sampled token ids (prompt tokens are not sampled) */
    int n_sampled;
    int positions;    /* forward passes run */
    char *text;       /* what run.c prints: the decoded pieces after BOS, NUL-terminated */
    uint32_t text_len;
    uint64_t cycles;  /* rdtsc over the whole loop */
    uint64_t sampled_cycles; /* rdtsc over the positions that sampled a token (not the prompt's) */
    /* When llama_generate returned LLAMA_GEN_NOT_FINITE: the first logit that was not finite
     * ("NaN", "+inf" or "-inf"), its index, the position and the token run there. */
    const char *bad_kind;
    int bad_index, bad_pos, bad_token;
};

/* Called with each piece of text as soon as it is decoded (streaming), or NULL. */
typedef void (*llama_piece_fn)(const char *piece);

#define LLAMA_GEN_NO_MEMORY (-1)
#define LLAMA_GEN_NOT_FINITE (-2)

/*
 * Encodes the prompt, then for each position up to `steps` (capped at seq_len) runs the model,
 * forcing the prompt's tokens and sampling the rest, until a sampled BOS. Every position's logits
 * are checked: a NaN or infinite one (a damaged model) stops the generation. Returns 0,
 * LLAMA_GEN_NO_MEMORY when the heap is too small (nothing kept), or LLAMA_GEN_NOT_FINITE (the
 * bad_* fields say where); after 0 or LLAMA_GEN_NOT_FINITE free the result with
 * llama_generation_free. on_piece (may be NULL) gets each piece of `text` as it is made,
 * the prompt's own pieces first unless skip_prompt.
 */
int llama_generate(struct llama_model *model, const struct llama_tokenizer *tok,
                   struct llama_sampler *sampler, const char *prompt, int steps,
                   struct llama_generation *out, llama_piece_fn on_piece, int skip_prompt);
void llama_generation_free(struct llama_generation *g);
/* After llama_generate returned rc: reports a failure on a LLAMA: line, frees what was kept;
 * returns 0 when rc is 0, else -1. */
int llama_generation_report(int rc, struct llama_generation *g);

#endif
