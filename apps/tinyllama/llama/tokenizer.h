/*
 * The llama2.c tokenizer (tokenizer.bin): int32 max_token_length, then per token a float32 score,
 * an int32 length and that many bytes. Encoding is run.c's BPE: BOS, a dummy-prefix " " when the
 * text is not empty, one piece per UTF-8 character (else its bytes as <0xXX> pieces, id byte + 3),
 * then repeatedly the adjacent pair whose concatenation is the best-scoring piece is merged.
 */
#ifndef LLAMA_TOKENIZER_H
#define LLAMA_TOKENIZER_H

#include <stdint.h>

#define LLAMA_BOS 1

struct llama_tokenizer {
    int vocab_size;
    int max_token_length;
    char **pieces;          /* NUL-terminated */
    float *scores;
    int *sorted;            /* ids in (piece, id) order, for lookups */
    char *arena;            /* every piece's bytes */
    char *scratch;          /* 2 * max_token_length + 3 bytes for merge candidates */
    char byte_pieces[256][2];
};

/* Copies what it needs from data; 0, or -1 with *why set. */
int llama_tokenizer_load(struct llama_tokenizer *t, const uint8_t *data, uint32_t size,
                         int vocab_size, const char **why);
void llama_tokenizer_free(struct llama_tokenizer *t);

/* The id of a piece; with duplicate pieces the lowest id; -1 when absent. */
int llama_lookup(const struct llama_tokenizer *t, const char *piece);

/* tokens needs strlen(text) + 2 entries; returns how many were written. */
int llama_encode(const struct llama_tokenizer *t, const char *text, int *tokens);

/*
 * The text of `token` following `prev`: a leading space is dropped after BOS, and a <0xXX>
 * piece is that raw byte.
 */
const char *llama_decode(const struct llama_tokenizer *t, int prev, int token);

#endif
