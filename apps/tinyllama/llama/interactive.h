/*
 * The interactive prompt (bfbuild run --interactive, docs/llama.md): asks for a prompt on the
 * console, streams the model's text as it is made, prints the speed, and asks again, until an
 * empty line, "exit", or the end of input. Each prompt starts a fresh sequence.
 */
#ifndef LLAMA_INTERACTIVE_H
#define LLAMA_INTERACTIVE_H

#include "clock.h"
#include "generate.h"

/* Whether QEMU was asked for a session: the fw_cfg file opt/bareflow/interactive is "1". */
int llama_interactive_requested(void);

/*
 * The session; steps as in LLAMA.CFG. Returns 0 when the user ended it, -1 when a generation
 * failed (reported on a LLAMA: line, as in the batch run).
 */
int llama_interactive(struct llama_model *model, const struct llama_tokenizer *tok,
                      struct llama_sampler *sampler, int steps, const struct llama_clock *clock);

#endif
