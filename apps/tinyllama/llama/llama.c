/* llama_main: the files from the data disk, the model, the run, the LLAMA lines. */
#include <bf/build_config.h>
#include <bf/console.h>
#include <bf/fat16.h>
#include <bf/heap.h>
#include <bf/string.h>
#include "attention.h"
#include "checkpoint.h"
#include "clock.h"
#include "disk.h"
#include "generate.h"
#include "interactive.h"
#include "llama.h"
#include "matmul.h"
#include "ops.h"
#include "profile.h"
#include "run_config.h"
#include "sampler.h"
#include "tiers.h"
#include "tokenizer.h"
#include "transformer.h"

/* An image without //apps/tinyllama:llama_tiers keeps one build of the matmul. */
__attribute__((weak)) void llama_tiers_install(void)
{
}

/*
 * Prints text on one line, as ASCII: backslash, \n, \r and \t escaped, every other byte outside
 * 0x20..0x7e as \xNN (docs/llama.md), so a reader gets the exact bytes back.
 */
static void put_escaped(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\\')
            kputs("\\\\");
        else if (*p == '\n')
            kputs("\\n");
        else if (*p == '\r')
            kputs("\\r");
        else if (*p == '\t')
            kputs("\\t");
        else if (*p < 0x20 || *p >= 0x7f)
            kprintf("\\x%02x", *p);
        else
            kputc((char)*p);
    }
}

static void print_results(const struct llama_run_config *cfg, const struct llama_generation *g,
                          const struct llama_clock *clock)
{
    kputs("LLAMA prompt: ");
    put_escaped(cfg->prompt);
    kputs("\nLLAMA tokens:");
    for (int i = 0; i < g->n_sampled; i++)
        kprintf(" %d", g->sampled[i]);
    kputs("\nLLAMA text: ");
    put_escaped(g->text);
    uint64_t per_position = g->positions ? g->cycles / (uint64_t)g->positions : 0;
    /* The unit says what rdtsc counted (clock.h): instructions only under -icount shift=0. */
    kprintf("\nLLAMA stats: %d positions (%d prompt, %d generated), %llu %s/position, matmul=%s\n",
            g->positions, g->positions - g->n_sampled, g->n_sampled,
            (unsigned long long)per_position, clock->unit, llama_matmul_name());
    kputs("LLAMA speed: ");
    if (!llama_clock_print_speed(clock, g->n_sampled, g->sampled_cycles))
        kputs("unknown: QEMU did not say which clock rdtsc follows (opt/bareflow/clock)");
    kputs("\n");
}

/* Weights of the checkpoint (run.c's, without its two unused RoPE tables). */
static uint32_t parameter_count(const struct llama_config *c)
{
    uint32_t kv_dim = (uint32_t)(c->dim / c->n_heads * c->n_kv_heads);
    uint32_t dim = (uint32_t)c->dim, hidden = (uint32_t)c->hidden_dim;
    uint32_t layer = 2 * dim + 2 * dim * dim + 2 * kv_dim * dim + 3 * dim * hidden;
    uint32_t embeddings = (uint32_t)c->vocab_size * dim * (c->shared_classifier ? 1 : 2);
    return embeddings + (uint32_t)c->n_layers * layer + dim;
}

/* Which model runs: its name, size and where its weights come from (LLAMA.CFG), their format
 * (the checkpoint's). */
static void print_identity(const struct llama_run_config *cfg, const struct llama_config *c,
                           const char *quant)
{
    const char *weights = strcmp(cfg->weights, "trained") == 0  ? "trained weights"
                          : strcmp(cfg->weights, "random") == 0 ? "random weights"
                                                                : "weights of unknown origin";
    kprintf("llama: running %s: %u parameters, %s, %s\n", cfg->name[0] ? cfg->name : "MODEL.BIN",
            parameter_count(c), weights, quant);
    if (strcmp(cfg->weights, "random") == 0)
        kputs("llama: NOTICE: this model's weights are random (generated, never trained): "
              "its text is noise, not language\n");
}

/* The timed functions, in the profile's order. Call after llama_matmul_select. */
static void register_profile(void)
{
    const char *cpu = bf_build_config.cpu_tag;
    const char *variant = llama_matmul_name();
    /* The matmul's tag names the instruction set it runs with when that is not the build's. */
    llama_prof_register(LLAMA_PROF_MATMUL, "llama_matmul", (const void *)llama_matmul_code(),
                        strcmp(variant, "scalar") == 0 ? cpu : variant);
    llama_prof_register(LLAMA_PROF_RMSNORM, "llama_rmsnorm", (const void *)llama_rmsnorm, cpu);
    llama_prof_register(LLAMA_PROF_SOFTMAX, "llama_softmax", (const void *)llama_softmax, cpu);
    llama_prof_register(LLAMA_PROF_ROPE, "llama_rope", (const void *)llama_rope, cpu);
    llama_prof_register(LLAMA_PROF_ATTENTION, "llama_attention", (const void *)llama_attention, cpu);
    llama_prof_register(LLAMA_PROF_SWIGLU, "llama_swiglu", (const void *)llama_swiglu, cpu);
    llama_prof_register(LLAMA_PROF_FORWARD, "llama_forward", (const void *)llama_forward, cpu);
    llama_prof_register(LLAMA_PROF_SAMPLE, "llama_sample", (const void *)llama_sample, cpu);
}

/* The run parameters: LLAMA.CFG when the disk has one, else the defaults. */
static void load_run_config(struct llama_run_config *cfg)
{
    uint8_t *text;
    uint32_t size;
    llama_run_config_defaults(cfg);
    if (llama_read_file("/LLAMA.CFG", &text, &size) != 0) {
        kprintf("llama: no LLAMA.CFG, default run parameters\n");
        return;
    }
    llama_run_config_parse(cfg, (const char *)text, size);
    kfree(text);
}

/* Runs the generation; 0, or -1 when the model could not run (reported on a LLAMA: line). */
static int run(struct llama_model *model, const struct llama_tokenizer *tok,
               const struct llama_run_config *cfg)
{
    const struct llama_config *c = &model->config;
    struct llama_sampler sampler;
    struct llama_generation g;
    kprintf("llama: matmul %s\n", llama_matmul_select(cfg->matmul));
    llama_tiers_install();
    register_profile();
    if (llama_state_alloc(model) != 0) {
        kprintf("LLAMA: not enough memory for the activations\n");
        return -1;
    }
    if (llama_sampler_init(&sampler, c->vocab_size, cfg->temperature, cfg->topp, cfg->seed) != 0) {
        kprintf("LLAMA: not enough memory for the sampler\n");
        llama_state_free(model);
        return -1;
    }
    struct llama_clock clock;
    llama_clock_init(&clock);
    int rc;
    if (llama_interactive_requested()) {
        rc = llama_interactive(model, tok, &sampler, cfg->steps, &clock);
    } else {
        rc = llama_generate(model, tok, &sampler, cfg->prompt, cfg->steps, &g, 0, 0);
        if (rc == 0)
            print_results(cfg, &g, &clock);
        rc = llama_generation_report(rc, &g);
    }
    llama_sampler_free(&sampler);
    llama_state_free(model);
    return rc;
}

int llama_main(void)
{
    uint8_t *weights = 0, *vocab = 0;
    uint32_t weights_size, vocab_size;
    const char *why = "";
    struct llama_model model;
    struct llama_tokenizer tok;
    struct llama_run_config cfg;

    int rc = llama_read_file("/MODEL.BIN", &weights, &weights_size);
    if (rc == FAT16_ERR_NOT_FOUND || rc == FAT16_ERR_NOT_MOUNTED || rc == FAT16_ERR_NO_DRIVE) {
        kprintf("LLAMA: no model on the data disk, skipped\n");
        return 0;
    }
    /* From here on the disk holds a model: anything that keeps it from running is a failure. */
    if (rc != 0) {
        kprintf("LLAMA: cannot read MODEL.BIN (%d)\n", rc);
        return -1;
    }
    if (llama_checkpoint_map(weights, weights_size, &model.config, &model.weights, &why) != 0) {
        kprintf("LLAMA: MODEL.BIN rejected: %s (%u bytes)\n", why, weights_size);
        kfree(weights);
        return -1;
    }
    const struct llama_config *c = &model.config;
    kprintf("llama: model dim %d, hidden %d, %d layers, %d heads (%d kv), vocab %d, seq_len %d, "
            "%u bytes\n", c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
            c->vocab_size, c->seq_len, weights_size);
    if (model.weights.q8.group_size)
        kprintf("llama: weights q8 (int8, groups of %d), %u bytes in memory\n",
                model.weights.q8.group_size, weights_size);
    else
        kprintf("llama: weights f32, %u bytes in memory\n", weights_size);
    rc = llama_read_file("/TOKENIZE.BIN", &vocab, &vocab_size);
    if (rc != 0) {
        kprintf("LLAMA: no readable TOKENIZE.BIN (%d)\n", rc);
        kfree(weights);
        return -1;
    }
    rc = llama_tokenizer_load(&tok, vocab, vocab_size, c->vocab_size, &why);
    kfree(vocab);
    if (rc != 0) {
        kprintf("LLAMA: TOKENIZE.BIN rejected: %s\n", why);
        kfree(weights);
        return -1;
    }
    load_run_config(&cfg);
    print_identity(&cfg, c, model.weights.q8.group_size ? "q8" : "f32");
    rc = run(&model, &tok, &cfg);
    llama_tokenizer_free(&tok);
    kfree(weights);
    return rc;
}
