/* Prompt, forward passes, sampling and decoding, position by position. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/heap.h>
#include <bf/sampler.h>
#include <bf/string.h>
#include "generate.h"

/* run.c's safe_printf: a lone byte that is neither printable nor white space is dropped. */
static int printable_piece(const char *piece)
{
    if (piece[0] == '\0')
        return 0;
    if (piece[1] == '\0') {
        unsigned char c = (unsigned char)piece[0];
        return (c >= 0x20 && c < 0x7f) || c == ' ' || (c >= '\t' && c <= '\r');
    }
    return 1;
}

/* "NaN", "+inf" or "-inf" for a float that is not finite, else 0. Read from the bits, so that
 * no compiler assumption about floating-point compares can hide one. */
static const char *non_finite(float value)
{
    union {
        float f;
        uint32_t u;
    } bits = {value};
    if ((bits.u & 0x7f800000u) != 0x7f800000u)
        return 0;
    if (bits.u & 0x007fffffu)
        return "NaN";
    return bits.u & 0x80000000u ? "-inf" : "+inf";
}

/* The index of the first logit that is not finite, or -1. */
static int first_non_finite(const float *logits, int n)
{
    for (int i = 0; i < n; i++)
        if (non_finite(logits[i]))
            return i;
    return -1;
}

int llama_generate(struct llama_model *model, const struct llama_tokenizer *tok,
                   struct llama_sampler *sampler, const char *prompt, int steps,
                   struct llama_generation *out, llama_piece_fn on_piece, int skip_prompt)
{
    memset(out, 0, sizeof *out);
    if (steps <= 0 || steps > model->config.seq_len)
        steps = model->config.seq_len;
    int *prompt_tokens = kmalloc((strlen(prompt) + 2) * sizeof(int));
    out->sampled = kmalloc((uint32_t)steps * sizeof(int));
    out->text = kmalloc((uint32_t)steps * ((uint32_t)tok->max_token_length + 1) + 1);
    if (!prompt_tokens || !out->sampled || !out->text) {
        kfree(prompt_tokens);
        llama_generation_free(out);
        return LLAMA_GEN_NO_MEMORY;
    }
    int n_prompt = llama_encode(tok, prompt, prompt_tokens);

    /* Interrupts off while generating: under -icount every count (per token, per hot function)
     * is then the inference's own instructions, the same on every run. Except in a sampling
     * kernel, whose timer samples must see the inference (its counts then include them). */
    uint32_t flags = bf_sampler_active() ? 0 : cpu_irq_save();
    uint64_t start = rdtsc(), sampling_start = start;
    int token = prompt_tokens[0];
    int pos = 0;
    int rc = 0;
    while (pos < steps) {
        if (pos == n_prompt - 1)
            sampling_start = rdtsc();
        float *logits = llama_forward(model, token, pos);
        int bad = first_non_finite(logits, model->config.vocab_size);
        if (bad >= 0) {
            out->bad_kind = non_finite(logits[bad]);
            out->bad_index = bad;
            out->bad_pos = pos;
            out->bad_token = token;
            rc = LLAMA_GEN_NOT_FINITE;
            break;
        }
        int next;
        if (pos < n_prompt - 1) {
            next = prompt_tokens[pos + 1];
        } else {
            next = llama_sample(sampler, logits);
            out->sampled[out->n_sampled++] = next;
        }
        pos++;
        if (next == LLAMA_BOS)
            break; /* BOS starts a new sequence: the text is complete */
        const char *piece = llama_decode(tok, token, next);
        if (printable_piece(piece)) {
            uint32_t len = strlen(piece);
            memcpy(out->text + out->text_len, piece, len);
            out->text_len += len;
            if (on_piece && !(skip_prompt && pos < n_prompt))
                on_piece(piece);
        }
        token = next;
    }
    uint64_t end = rdtsc();
    out->cycles = end - start;
    out->sampled_cycles = end - sampling_start;
    cpu_irq_restore(flags);
    out->positions = pos;
    out->text[out->text_len] = '\0';
    kfree(prompt_tokens);
    return rc;
}

void llama_generation_free(struct llama_generation *g)
{
    kfree(g->sampled);
    kfree(g->text);
    memset(g, 0, sizeof *g);
}

int llama_generation_report(int rc, struct llama_generation *g)
{
    if (rc == LLAMA_GEN_NOT_FINITE)
        kprintf("LLAMA: logits not finite at position %d (token %d): logit %d is %s\n", g->bad_pos,
                g->bad_token, g->bad_index, g->bad_kind);
    else if (rc == LLAMA_GEN_NO_MEMORY)
        kprintf("LLAMA: not enough memory for the generation\n");
    if (rc != LLAMA_GEN_NO_MEMORY)
        llama_generation_free(g);
    return rc == 0 ? 0 : -1;
}
