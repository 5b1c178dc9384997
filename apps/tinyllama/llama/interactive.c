/* The interactive prompt: read a line, stream the answer, say how fast, again. */
#include <bf/console.h>
#include <bf/fw_cfg.h>
#include <bf/string.h>
#include "interactive.h"
#include "line_input.h"
#include "run_config.h"

#define INTERACTIVE_FWCFG_FILE "opt/bareflow/interactive"

int llama_interactive_requested(void)
{
    char value[4];
    return fw_cfg_read_file(INTERACTIVE_FWCFG_FILE, value, sizeof value) > 0 &&
           strcmp(value, "1") == 0;
}

/* Pieces go to the console as they are: the terminal shows the text, not escapes. */
static void stream_piece(const char *piece)
{
    kputs(piece);
}

static int is_exit(const char *line)
{
    return line[0] == '\0' || strcmp(line, "exit") == 0;
}

int llama_interactive(struct llama_model *model, const struct llama_tokenizer *tok,
                      struct llama_sampler *sampler, int steps, const struct llama_clock *clock)
{
    char prompt[LLAMA_PROMPT_MAX];
    kputs("llama: interactive: type the start of a story and Enter; the model continues it. "
          "An empty line or 'exit' ends.\n");
    for (;;) {
        kputs("> ");
        int n = llama_read_line(prompt, sizeof prompt);
        if (n < 0 || is_exit(prompt))
            break;
        /* The answer continues the prompt's line: a completion, as the model was trained. */
        struct llama_generation g;
        int rc = llama_generate(model, tok, sampler, prompt, steps, &g, stream_piece, 1);
        kputs("\n");
        if (rc != 0)
            return llama_generation_report(rc, &g);
        kputs("[");
        if (!llama_clock_print_speed(clock, g.n_sampled, g.sampled_cycles))
            kprintf("%d tokens", g.n_sampled);
        kprintf(", %d positions]\n", g.positions);
        llama_generation_free(&g);
    }
    kputs("\nllama: interactive session ended\n");
    return 0;
}
