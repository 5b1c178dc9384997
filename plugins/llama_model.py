"""llama-model: the files the tinyllama kernel's Llama-2 inference reads from its data disk:
model.bin (a llama2.c checkpoint), tokenizer.bin (a llama2.c tokenizer) and llama.cfg (the run
parameters, docs/llama.md).

Either the model is generated, deterministically, from the shape attributes and `seed` (random
weights, a small BPE tokenizer trained on a fixed text), or `checkpoint` and `tokenizer` name
existing files, which are validated and copied. List the target in a fat-disk's `files` to put
MODEL.BIN, TOKENIZE.BIN and LLAMA.CFG in the root of the disk.
"""
import hashlib
import os

from bfbuild import hookimpl
from bfbuild.engine.steps import StepError
from bfbuild.providers import DefaultInfo
from bfbuild.rules import Rule
from bfbuild.schema import Attr

from . import llama_tokenizer, llama_weights

MATMUL_VARIANTS = ["auto", "scalar", "sse2", "avx2"]

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
    "prompt": Attr("string", default="", doc="the prompt (one line)"),
    "steps": Attr("int", default=24, doc="positions to run, prompt included (as run.c's -n); "
                                         "capped at seq_len"),
    "temperature": Attr("string", default="0.0", doc="sampling temperature; 0 is greedy"),
    "topp": Attr("string", default="0.9", doc="nucleus sampling threshold; <= 0 or >= 1: plain "
                                              "multinomial sampling"),
    "rng_seed": Attr("int", default=42, doc="sampler xorshift seed (> 0)"),
    "matmul": Attr("string", default="auto", values=MATMUL_VARIANTS,
                   doc="matmul variant; auto picks the best the CPU can run"),
}

SOURCES = [os.path.join(os.path.dirname(__file__), name)
           for name in ("llama_weights.py", "llama_tokenizer.py")]


def _sources_digest() -> str:
    """Part of the generating step's parameters: editing the generator regenerates the model."""
    digest = hashlib.sha256()
    for path in SOURCES:
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def generate_model(inputs, outputs, params):
    """Python step: random weights and the trained tokenizer -> model.bin, tokenizer.bin."""
    config = llama_weights.Config(**params["config"])
    try:
        model = llama_weights.generate_checkpoint(config, params["seed"])
        tokenizer = llama_tokenizer.tokenizer_bytes(llama_tokenizer.generate_vocab(config.vocab_size))
    except ValueError as exc:
        raise StepError(str(exc)) from None
    for path, data in zip(outputs, (model, tokenizer)):
        with open(path, "wb") as handle:
            handle.write(data)
    return f"llama model: {config.n_layers} layers, dim {config.dim}, vocab {config.vocab_size}, {len(model)} bytes"


def copy_model(inputs, outputs, params):
    """Python step: check a user's checkpoint and tokenizer, then copy them."""
    blobs = []
    for path in inputs:
        with open(path, "rb") as handle:
            blobs.append(handle.read())
    try:
        config = llama_weights.validate_checkpoint(blobs[0])
        llama_tokenizer.parse_tokenizer(blobs[1], config.vocab_size)
    except ValueError as exc:
        raise StepError(f"{inputs[0]} / {inputs[1]}: {exc}") from None
    for path, data in zip(outputs, blobs):
        with open(path, "wb") as handle:
            handle.write(data)
    return f"llama model: {inputs[0]} ({config.n_layers} layers, dim {config.dim}, vocab {config.vocab_size})"


def config_text(params) -> str:
    lines = ["# Run parameters of the tinyllama kernel's inference (docs/llama.md).",
             f"prompt={params['prompt']}",
             f"steps={params['steps']}",
             f"temperature={params['temperature']}",
             f"topp={params['topp']}",
             f"seed={params['rng_seed']}",
             f"matmul={params['matmul']}"]
    return "\n".join(lines) + "\n"


def write_config(inputs, outputs, params):
    """Python step: llama.cfg."""
    with open(outputs[0], "w", encoding="utf-8", newline="\n") as handle:
        handle.write(config_text(params))


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


def analyse(ctx):
    prompt = ctx.attr["prompt"]
    if any(ord(c) < 32 or ord(c) == 127 for c in prompt):
        raise ctx.fail("'prompt' must be one line without control characters")
    if len(prompt.encode("utf-8")) > 200:
        raise ctx.fail("'prompt' is at most 200 bytes")
    if ctx.attr["steps"] < 1:
        raise ctx.fail("'steps' must be at least 1")
    if not 0 < ctx.attr["rng_seed"] < 2 ** 64:
        raise ctx.fail("'rng_seed' must be between 1 and 2^64 - 1 (xorshift stays at 0 from 0)")
    run = {"prompt": prompt, "steps": ctx.attr["steps"],
           "temperature": _decimal(ctx, "temperature", 0.0, 100.0),
           "topp": _decimal(ctx, "topp", 0.0, 1.0),
           "rng_seed": ctx.attr["rng_seed"], "matmul": ctx.attr["matmul"]}

    model, tokenizer = ctx.output("model.bin"), ctx.output("tokenizer.bin")
    given = [ctx.attr["checkpoint"] is not None, ctx.attr["tokenizer"] is not None]
    if any(given):
        if not all(given):
            raise ctx.fail("'checkpoint' and 'tokenizer' go together")
        sources = ctx.files("checkpoint") + ctx.files("tokenizer")
        if len(sources) != 2:
            raise ctx.fail("'checkpoint' and 'tokenizer' must each name one file")
        ctx.python_action("LLAMACOPY", "bfbuild_plugins.llama_model:copy_model", {},
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
        ctx.python_action("LLAMAGEN", "bfbuild_plugins.llama_model:generate_model",
                          {"config": shape, "seed": ctx.attr["seed"],
                           "generator_sha256": _sources_digest()},
                          inputs=[], outputs=[model, tokenizer])
    cfg = ctx.output("llama.cfg")
    ctx.python_action("LLAMACFG", "bfbuild_plugins.llama_model:write_config", run,
                      inputs=[], outputs=[cfg])
    return [DefaultInfo((model, tokenizer, cfg))]


@hookimpl
def bfbuild_register_rules():
    return [Rule("llama-model", ATTRS, analyse, doc=__doc__)]
