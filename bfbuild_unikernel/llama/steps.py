"""The Python steps of the llama-model rule: generate a deterministic model, or check and copy a
user's checkpoint, and write the run parameters (llama.cfg, docs/llama.md)."""
import os

from bfbuild.api import StepError, bytes_sha256, file_sha256
from bfbuild_unikernel.llama import quant as llama_quant
from bfbuild_unikernel.llama import tokenizer as llama_tokenizer
from bfbuild_unikernel.llama import weights as llama_weights

SOURCES = [os.path.join(os.path.dirname(__file__), name)
           for name in ("weights.py", "tokenizer.py", "quant.py")]


def sources_digest() -> str:
    """Part of the generating step's parameters: editing the generator regenerates the model."""
    return bytes_sha256(" ".join(file_sha256(path) for path in SOURCES).encode())


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
        if blobs[0][:4] == llama_quant.MAGIC.to_bytes(4, "little"):
            config = llama_quant.parse_q8_header(blobs[0])[0]
        else:
            config = llama_weights.validate_checkpoint(blobs[0])
        llama_tokenizer.parse_tokenizer(blobs[1], config.vocab_size)
    except ValueError as exc:
        raise StepError(f"{inputs[0]} / {inputs[1]}: {exc}") from None
    for path, data in zip(outputs, blobs):
        with open(path, "wb") as handle:
            handle.write(data)
    return f"llama model: {inputs[0]} ({config.n_layers} layers, dim {config.dim}, vocab {config.vocab_size})"


def quantize_model(inputs, outputs, params):
    """Python step: model_f32.bin -> model.bin in the q8 format (a q8 file is copied)."""
    with open(inputs[0], "rb") as handle:
        data = handle.read()
    try:
        if data[:4] == llama_quant.MAGIC.to_bytes(4, "little"):
            config, group = llama_quant.parse_q8_header(data)
            quantised = data
        else:
            quantised = llama_quant.quantize_checkpoint(data)
            config, group = llama_quant.parse_q8_header(quantised)
    except ValueError as exc:
        raise StepError(f"{inputs[0]}: {exc}") from None
    with open(outputs[0], "wb") as handle:
        handle.write(quantised)
    return f"llama model: q8, groups of {group}, {len(quantised)} bytes (float32: {len(data)})"


def config_text(params) -> str:
    lines = ["# Run parameters of the tinyllama kernel's inference (docs/llama.md).",
             f"prompt={params['prompt']}",
             f"steps={params['steps']}",
             f"temperature={params['temperature']}",
             f"topp={params['topp']}",
             f"seed={params['rng_seed']}",
             f"matmul={params['matmul']}"]
    # What the kernel says about the model (docs/llama.md); files from before they existed lack them.
    lines += [f"{key}={params[key]}" for key in ("name", "weights") if key in params]
    return "\n".join(lines) + "\n"


def write_config(inputs, outputs, params):
    """Python step: llama.cfg."""
    with open(outputs[0], "w", encoding="utf-8", newline="\n") as handle:
        handle.write(config_text(params))
