/*
 * Llama-2 inference on the tinyllama kernel: reads /MODEL.BIN (a llama2.c checkpoint),
 * /TOKENIZE.BIN (its tokenizer) and /LLAMA.CFG (run parameters, docs/llama.md) from the mounted
 * FAT16 data disk, generates, and prints the LLAMA lines. Does nothing but say so when the disk
 * has no model.
 */
#ifndef LLAMA_LLAMA_H
#define LLAMA_LLAMA_H

/* Call after the data disk was mounted (bf_run_registry mounts it). */
void llama_main(void);

#endif
