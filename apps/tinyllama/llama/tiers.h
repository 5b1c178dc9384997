/*
 * The inference's tiered entry points (docs/tiers.md). An image that links //apps/tinyllama:
 * llama_tiers gets llama_tiers_install(), which puts the matmul behind a tier site (bf/tiers.h);
 * any other image keeps llama.c's empty weak one.
 */
#ifndef LLAMA_TIERS_H
#define LLAMA_TIERS_H

/* After llama_matmul_select(): the chosen variant's tiers take over the matmul. */
void llama_tiers_install(void);
/* Called by it: rmsnorm, softmax, rope, swiglu and attention behind their sites (ops_tiers.c). */
void llama_ops_tiers_install(void);

#endif
