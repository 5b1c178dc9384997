"""llama-model: the files the tinyllama kernel's Llama-2 inference reads from its data disk:
model.bin (a llama2.c checkpoint), tokenizer.bin (a llama2.c tokenizer) and llama.cfg (the run
parameters, docs/llama.md).

Either the model is generated, deterministically, from the shape attributes and `seed` (random
weights, a small BPE tokenizer trained on a fixed text), or `checkpoint` and `tokenizer` name
existing files, which are validated and copied. List the target in a fat-disk's `files` to put
MODEL.BIN, TOKENIZE.BIN and LLAMA.CFG in the root of the disk.
"""
from bfbuild.api import Attr, DefaultInfo, Rule, hookimpl
from bfbuild_unikernel.llama import tokenizer as llama_tokenizer
from bfbuild_unikernel.llama import weights as llama_weights
from bfbuild_unikernel.llama.steps import sources_digest

STEPS = "bfbuild_unikernel.llama.steps"

MATMUL_VARIANTS = ["auto", "scalar", "sse2", "avx2"]
# What the kernel's LLAMA.CFG parser accepts (apps/tinyllama/llama/run_config.c): a prompt
# shorter than LLAMA_PROMPT_MAX (256) bytes, and steps of at most 9 digits, 0 meaning seq_len.
PROMPT_MAX_BYTES = 255
NAME_MAX_BYTES = 63  # LLAMA_NAME_MAX - 1
STEPS_MAX = 100_000_000

ATTRS = {
    "checkpoint": Attr("source", doc="an existing llama2.c checkpoint (then 'tokenizer' too); "
                                     "the shape attributes and 'seed' are then ignored"),
    "tokenizer": Attr("source", doc="the llama2.c tokenizer.bin of 'checkpoint'"),
    "dim": Attr("int", default=64, doc="generated model: embedding width"),
    "hidden_dim": Attr("int", default=172, doc="generated model: feed-forward width"),
    "n_layers": Attr("int", default=3, doc="generated model: transformer layers"),
    "n_heads": Attr("int", default=4, doc="generated model: query heads"),
    "n_kv_heads": Attr("int", default=2, doc="generated model: key/value heads (grouped-query "
                                             "attention when fewer than n_heads)"),
    "vocab_size": Attr("int", default=512, doc="generated model: tokenizer entries (> 354)"),
    "seq_len": Attr("int", default=64, doc="generated model: longest sequence"),
    "seed": Attr("int", default=2, doc="generated model: NumPy RandomState seed of the weights"),
    # Random weights with a shared classifier mostly repeat the input token, hence False.
    "shared_classifier": Attr("bool", default=False, doc="generated model: logits use the token "
                                                         "embedding (else a separate classifier, "
                                                         "stored last; vocab_size < 0 in the header)"),
    "prompt": Attr("string", default="", doc=f"the prompt (one line, at most {PROMPT_MAX_BYTES} "
                                             f"bytes of UTF-8)"),
    "steps": Attr("int", default=24, doc="positions to run, prompt included (as run.c's -n); "
                                         "0 or above seq_len means seq_len"),
    "temperature": Attr("string", default="0.0", doc="sampling temperature; 0 is greedy"),
    "topp": Attr("string", default="0.9", doc="nucleus sampling threshold; <= 0 or >= 1: plain "
                                              "multinomial sampling"),
    "rng_seed": Attr("int", default=42, doc="sampler xorshift seed (> 0)"),
    "matmul": Attr("string", default="auto", values=MATMUL_VARIANTS,
                   doc="matmul variant; auto picks the best the CPU can run"),
    "model_name": Attr("string", default="", doc=f"the name the kernel prints (at most "
                                                 f"{NAME_MAX_BYTES} bytes); default: the label"),
    "quant": Attr("string", default="f32", values=["f32", "q8"],
                  doc="weights on the disk: f32 as the checkpoint, or q8: int8 groups with a "
                      "float scale each, quantised at build time (bfbuild_unikernel/llama/quant.py)"),
}

def _decimal(ctx, name: str, low: float, high: float) -> str:
    text = ctx.attr[name].strip()
    try:
        value = float(text)
    except ValueError:
        raise ctx.fail(f"'{name}' must be a decimal number such as 0.8, not '{text}'") from None
    # The kernel's parser reads digits, one '.', digits: keep to what it understands.
    digits = text.replace(".", "", 1)
    if not digits.isdigit() or len(digits) > 9:
        raise ctx.fail(f"'{name}' must be plain decimal digits with at most one '.' and 9 digits, "
                       f"not '{text}'")
    if not low <= value <= high:
        raise ctx.fail(f"'{name}' must be between {low} and {high}, not {text}")
    return text


def _one_line(ctx, name: str, text: str, limit: int) -> str:
    """text, refused when it holds a control character or exceeds the kernel's LLAMA.CFG limit."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ctx.fail(f"'{name}' must be one line without control characters")
    size = len(text.encode("utf-8"))
    if size > limit:
        raise ctx.fail(f"'{name}' is at most {limit} bytes (the kernel's LLAMA.CFG limit), not {size}")
    return text


def analyse(ctx):
    prompt = _one_line(ctx, "prompt", ctx.attr["prompt"], PROMPT_MAX_BYTES)
    if not 0 <= ctx.attr["steps"] <= STEPS_MAX:
        raise ctx.fail(f"'steps' must be between 0 (the model's seq_len) and {STEPS_MAX}, "
                       f"not {ctx.attr['steps']}")
    if not 0 < ctx.attr["rng_seed"] < 2 ** 64:
        raise ctx.fail("'rng_seed' must be between 1 and 2^64 - 1 (xorshift stays at 0 from 0)")
    run = {"prompt": prompt, "steps": ctx.attr["steps"],
           "temperature": _decimal(ctx, "temperature", 0.0, 100.0),
           "topp": _decimal(ctx, "topp", 0.0, 1.0),
           "rng_seed": ctx.attr["rng_seed"], "matmul": ctx.attr["matmul"]}
    # What the kernel says about the model: its name (the label unless given), trained or random.
    run["name"] = _one_line(ctx, "model_name", ctx.attr["model_name"] or str(ctx.label),
                            NAME_MAX_BYTES)
    run["weights"] = "trained" if ctx.attr["checkpoint"] is not None else "random"

    model, tokenizer = ctx.output("model.bin"), ctx.output("tokenizer.bin")
    q8 = ctx.attr["quant"] == "q8"
    if q8:  # the float32 file first, then its quantised copy as model.bin
        model, q8_model = ctx.output("model_f32.bin"), model
    given = [ctx.attr["checkpoint"] is not None, ctx.attr["tokenizer"] is not None]
    if any(given):
        if not all(given):
            raise ctx.fail("'checkpoint' and 'tokenizer' go together")
        checkpoint, tokenizer_file = ctx.files("checkpoint"), ctx.files("tokenizer")
        if len(checkpoint) != 1 or len(tokenizer_file) != 1:
            raise ctx.fail("'checkpoint' and 'tokenizer' must each name one file")
        if checkpoint == tokenizer_file:
            raise ctx.fail(f"'checkpoint' and 'tokenizer' name the same file, {checkpoint[0]}",
                           hint="the checkpoint (model.bin) and the tokenizer (tokenizer.bin) "
                                "are two files of llama2.c's")
        sources = checkpoint + tokenizer_file
        ctx.python_action("LLAMACOPY", f"{STEPS}:copy_model", {},
                          inputs=sources, outputs=[model, tokenizer])
    else:
        shape = {name: ctx.attr[name] for name in ("dim", "hidden_dim", "n_layers", "n_heads",
                                                   "n_kv_heads", "vocab_size", "seq_len",
                                                   "shared_classifier")}
        problems = llama_weights.Config(**shape).problems()
        fixed = len(llama_tokenizer.SPECIAL) + len(llama_tokenizer.BYTE_PIECES) + len(llama_tokenizer.CHARACTERS)
        if shape["vocab_size"] <= fixed:
            problems.append(f"vocab_size must be above {fixed} for the generated tokenizer")
        if problems:
            raise ctx.fail("; ".join(problems))
        ctx.python_action("LLAMAGEN", f"{STEPS}:generate_model",
                          {"config": shape, "seed": ctx.attr["seed"],
                           "generator_sha256": sources_digest()},
                          inputs=[], outputs=[model, tokenizer])
    if q8:
        ctx.python_action("LLAMAQ8", f"{STEPS}:quantize_model", {}, inputs=[model],
                          outputs=[q8_model])
        model = q8_model
    cfg = ctx.output("llama.cfg")
    ctx.python_action("LLAMACFG", f"{STEPS}:write_config", run,
                      inputs=[], outputs=[cfg])
    return [DefaultInfo((model, tokenizer, cfg))]


@hookimpl
def bfbuild_register_rules():
    return [Rule("llama-model", ATTRS, analyse, doc=__doc__)]
