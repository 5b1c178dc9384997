/*
 * sha256: SHA-256 (FIPS 180-4) of work * 4096 pseudo-random bytes (the xorshift32 stream from
 * one seed, each output stored little-endian), hashed 4 KiB at a time through a streaming update.
 * Result: "sha256=<64 hex digits> len=<bytes>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define SHA_SEED 0x53484132u
#define CHUNK 4096u

struct sha256_ctx {
    uint32_t h[8];
    uint8_t block[64];
    uint32_t used;  /* bytes in block */
    uint64_t total; /* bytes hashed */
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint8_t message[CHUNK];

static uint32_t rotr(uint32_t x, uint32_t n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256_ctx *ctx, const uint8_t *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = ctx->h[0]; b = ctx->h[1]; c = ctx->h[2]; d = ctx->h[3];
    e = ctx->h[4]; f = ctx->h[5]; g = ctx->h[6]; h = ctx->h[7];
    for (i = 0; i < 64; i++) {
        t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    ctx->h[0] += a; ctx->h[1] += b; ctx->h[2] += c; ctx->h[3] += d;
    ctx->h[4] += e; ctx->h[5] += f; ctx->h[6] += g; ctx->h[7] += h;
}

static void sha256_init(struct sha256_ctx *ctx)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->h, iv, sizeof iv);
    ctx->used = 0;
    ctx->total = 0;
}

static void sha256_update(struct sha256_ctx *ctx, const uint8_t *p, uint32_t n)
{
    ctx->total += n;
    while (n) {
        uint32_t take = 64 - ctx->used;
        if (take > n)
            take = n;
        if (ctx->used == 0 && take == 64) {
            sha256_block(ctx, p); /* whole block straight from the input */
        } else {
            memcpy(ctx->block + ctx->used, p, take);
            ctx->used += take;
            if (ctx->used < 64)
                return;
            sha256_block(ctx, ctx->block);
        }
        ctx->used = 0;
        p += take;
        n -= take;
    }
}

static void sha256_final(struct sha256_ctx *ctx)
{
    uint64_t bits = ctx->total * 8;
    int i;
    ctx->block[ctx->used++] = 0x80;
    if (ctx->used > 56) {
        memset(ctx->block + ctx->used, 0, 64 - ctx->used);
        sha256_block(ctx, ctx->block);
        ctx->used = 0;
    }
    memset(ctx->block + ctx->used, 0, 56 - ctx->used);
    for (i = 0; i < 8; i++)
        ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_block(ctx, ctx->block);
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    struct sha256_ctx ctx;
    uint32_t state = bf_rand_seed(SHA_SEED, 0), round, i;

    sha256_init(&ctx);
    for (round = 0; round < work; round++) {
        for (i = 0; i < CHUNK; i += 4) {
            uint32_t v = bf_rand_next(&state);
            message[i] = (uint8_t)v;
            message[i + 1] = (uint8_t)(v >> 8);
            message[i + 2] = (uint8_t)(v >> 16);
            message[i + 3] = (uint8_t)(v >> 24);
        }
        /* two uneven pieces, so both the buffered and the direct path of update run */
        sha256_update(&ctx, message, 1000);
        sha256_update(&ctx, message + 1000, CHUNK - 1000);
    }
    sha256_final(&ctx);
    api->format(result->text, sizeof result->text,
                "sha256=%08x%08x%08x%08x%08x%08x%08x%08x len=%llu", ctx.h[0], ctx.h[1], ctx.h[2],
                ctx.h[3], ctx.h[4], ctx.h[5], ctx.h[6], ctx.h[7], (unsigned long long)ctx.total);
    return 0;
}
