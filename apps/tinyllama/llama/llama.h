/*
 * Llama-2 inference on the tinyllama kernel: reads /MODEL.BIN (a llama2.c checkpoint),
 * /TOKENIZE.BIN (its tokenizer) and /LLAMA.CFG (run parameters, docs/llama.md) from the mounted
 * FAT16 data disk, generates, and prints the LLAMA lines. Does nothing but say so when the disk
 * has no model; a model that cannot run is a failure (llama_main returns -1).
 */
#ifndef LLAMA_LLAMA_H
#define LLAMA_LLAMA_H

/*
 * Call after the data disk was mounted (bf_run_registry mounts it). Returns 0 when the model ran,
 * or when there is no MODEL.BIN (nothing to run); -1 when MODEL.BIN is there but the model could
 * not run: unreadable or rejected files, too little memory, or NaN/infinite logits. The reason is
 * on a `LLAMA: ` line; the application then exits with BF_EXIT_MODEL_FAILED.
 */
int llama_main(void);

#endif
