/*
 * xout[d] = W[d][n] x[n], the hot loop of inference, in three variants. Each sums the same
 * products in its own fixed order, so a variant gives the same bits on every run; variants
 * differ from each other in the last bits only.
 */
#ifndef LLAMA_MATMUL_H
#define LLAMA_MATMUL_H

typedef void (*llama_matmul_fn)(float *xout, const float *x, const float *w, int n, int d);

void llama_matmul_scalar(float *xout, const float *x, const float *w, int n, int d);
/* Only when cpu_features_usable() has SSE2. */
void llama_matmul_sse2(float *xout, const float *x, const float *w, int n, int d);
/* Only when cpu_features_usable() has AVX2 and FMA. */
void llama_matmul_avx2(float *xout, const float *x, const float *w, int n, int d);

/*
 * Chooses the variant once: `wanted` is "auto" (the best this CPU can run), "scalar", "sse2" or
 * "avx2" (falls back to auto when the CPU cannot run it). Returns the chosen variant's name.
 */
const char *llama_matmul_select(const char *wanted);
/* The chosen variant's name and code, for the profile. */
const char *llama_matmul_name(void);
llama_matmul_fn llama_matmul_code(void);

/* Puts `fn` in the chosen variant's place (the tiered matmul of llama/tiers.c), under `name`. */
void llama_matmul_use(llama_matmul_fn fn, const char *name);

/* The chosen variant, timed for the profile. */
void llama_matmul(float *xout, const float *x, const float *w, int n, int d);

#endif
