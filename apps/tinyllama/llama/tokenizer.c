/* Loading, encoding and decoding with a llama2.c tokenizer. */
#include <bf/heap.h>
#include <bf/string.h>
#include "tokenizer.h"

static int32_t read_i32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static float read_f32(const uint8_t *p)
{
    union { uint32_t u; float f; } v = { .u = (uint32_t)read_i32(p) };
    return v.f;
}

/* Piece order, then id, so that lookups of duplicated pieces are well defined. */
static int piece_before(const struct llama_tokenizer *t, int a, int b)
{
    int c = strcmp(t->pieces[a], t->pieces[b]);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(const struct llama_tokenizer *t, int *v, int root, int n)
{
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && piece_before(t, v[child], v[child + 1]))
            child++;
        if (!piece_before(t, v[root], v[child]))
            return;
        int tmp = v[root];
        v[root] = v[child];
        v[child] = tmp;
        root = child;
    }
}

static void sort_pieces(const struct llama_tokenizer *t, int *v, int n)
{
    for (int i = n / 2 - 1; i >= 0; i--)
        sift_down(t, v, i, n);
    for (int end = n - 1; end > 0; end--) {
        int tmp = v[0];
        v[0] = v[end];
        v[end] = tmp;
        sift_down(t, v, 0, end);
    }
}

int llama_tokenizer_load(struct llama_tokenizer *t, const uint8_t *data, uint32_t size,
                         int vocab_size, const char **why)
{
    memset(t, 0, sizeof *t);
    if (size < 4) {
        *why = "shorter than its header";
        return -1;
    }
    if (vocab_size < 259) { /* the encoder's byte fallback needs ids 3..258 */
        *why = "fewer than 259 entries (no byte-fallback pieces)";
        return -1;
    }
    t->vocab_size = vocab_size;
    t->max_token_length = read_i32(data);
    if (t->max_token_length <= 0 || t->max_token_length > 4096) {
        *why = "max_token_length out of range";
        return -1;
    }
    /* First pass: check every entry and count the bytes of the pieces. */
    uint32_t at = 4, bytes = 0;
    for (int i = 0; i < vocab_size; i++) {
        if (size - at < 8) {
            *why = "fewer entries than the model's vocabulary";
            return -1;
        }
        int32_t len = read_i32(data + at + 4);
        if (len < 0 || len > t->max_token_length || (uint32_t)len > size - at - 8) {
            *why = "an entry has a bad length";
            return -1;
        }
        at += 8 + (uint32_t)len;
        bytes += (uint32_t)len + 1;
    }
    t->pieces = kcalloc((uint32_t)vocab_size, sizeof *t->pieces);
    t->scores = kcalloc((uint32_t)vocab_size, sizeof *t->scores);
    t->sorted = kcalloc((uint32_t)vocab_size, sizeof *t->sorted);
    t->arena = kmalloc(bytes);
    t->scratch = kmalloc((uint32_t)t->max_token_length * 2 + 3);
    if (!t->pieces || !t->scores || !t->sorted || !t->arena || !t->scratch) {
        llama_tokenizer_free(t);
        *why = "not enough memory";
        return -1;
    }
    char *out = t->arena;
    at = 4;
    for (int i = 0; i < vocab_size; i++) {
        uint32_t len = (uint32_t)read_i32(data + at + 4);
        t->scores[i] = read_f32(data + at);
        memcpy(out, data + at + 8, len);
        out[len] = '\0';
        t->pieces[i] = out;
        out += len + 1;
        at += 8 + len;
        t->sorted[i] = i;
    }
    sort_pieces(t, t->sorted, vocab_size);
    for (int b = 0; b < 256; b++) {
        t->byte_pieces[b][0] = (char)b;
        t->byte_pieces[b][1] = '\0';
    }
    return 0;
}

void llama_tokenizer_free(struct llama_tokenizer *t)
{
    kfree(t->pieces);
    kfree(t->scores);
    kfree(t->sorted);
    kfree(t->arena);
    kfree(t->scratch);
    memset(t, 0, sizeof *t);
}

int llama_lookup(const struct llama_tokenizer *t, const char *piece)
{
    /* The first sorted position whose piece is not below `piece`. */
    int low = 0, high = t->vocab_size;
    while (low < high) {
        int mid = low + (high - low) / 2;
        if (strcmp(t->pieces[t->sorted[mid]], piece) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    if (low < t->vocab_size && strcmp(t->pieces[t->sorted[low]], piece) == 0)
        return t->sorted[low];
    return -1;
}

static int is_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

int llama_encode(const struct llama_tokenizer *t, const char *text, int *tokens)
{
    char *buf = t->scratch;
    int n = 0;
    tokens[n++] = LLAMA_BOS;
    /* SentencePiece's add_dummy_prefix: the text is encoded as if it began with a space. */
    if (text[0] != '\0') {
        int space = llama_lookup(t, " ");
        if (space != -1) /* run.c would store -1; a vocabulary without " " gets no prefix */
            tokens[n++] = space;
    }

    /* One piece per UTF-8 character (at most 4 bytes), or its bytes as byte-fallback tokens. */
    uint32_t len = 0;
    for (const char *c = text; *c; c++) {
        if (!is_continuation(*c))
            len = 0;
        buf[len++] = *c;
        buf[len] = '\0';
        if (is_continuation(c[1]) && len < 4)
            continue;
        int id = llama_lookup(t, buf);
        if (id != -1) {
            tokens[n++] = id;
        } else {
            for (uint32_t i = 0; i < len; i++)
                tokens[n++] = (unsigned char)buf[i] + 3;
        }
        len = 0;
    }

    /* Merge the best-scoring adjacent pair until no pair forms a piece. */
    for (;;) {
        float best_score = -1e10f;
        int best_id = -1, best_at = -1;
        for (int i = 0; i + 1 < n; i++) {
            const char *a = t->pieces[tokens[i]], *b = t->pieces[tokens[i + 1]];
            uint32_t la = strlen(a), lb = strlen(b);
            if (la + lb > (uint32_t)t->max_token_length)
                continue; /* cannot be a piece */
            memcpy(buf, a, la);
            memcpy(buf + la, b, lb + 1);
            int id = llama_lookup(t, buf);
            if (id != -1 && t->scores[id] > best_score) {
                best_score = t->scores[id];
                best_id = id;
                best_at = i;
            }
        }
        if (best_at == -1)
            break;
        tokens[best_at] = best_id;
        for (int i = best_at + 1; i + 1 < n; i++)
            tokens[i] = tokens[i + 1];
        n--;
    }
    return n;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

const char *llama_decode(const struct llama_tokenizer *t, int prev, int token)
{
    const char *piece = t->pieces[token];
    /* After BOS, SentencePiece's decoder drops the dummy prefix. */
    if (prev == LLAMA_BOS && piece[0] == ' ')
        piece++;
    if (piece[0] == '<' && piece[1] == '0' && piece[2] == 'x') {
        int hi = hex_digit(piece[3]), lo = hex_digit(piece[4]);
        if (hi >= 0 && lo >= 0 && piece[5] == '>')
            return t->byte_pieces[hi * 16 + lo];
    }
    return piece;
}
