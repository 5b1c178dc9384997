"""kernel-tiers: one C target of the kernel compiled once per tier, in one build, for code that the
kernel promotes from tier to tier while it runs (docs/tiers.md). Each tier's compile gets
-DLLAMA_TIER=<tier> (the source names its functions with it) and the tier's level:

    quick  -O1      O2  -O2 (the default a user would build)      O3  -O3
    model  -O3 and the model's dimensions as constants (LLAMA_DIM, LLAMA_HIDDEN, LLAMA_KV_DIM,
           LLAMA_VOCAB), read from the checkpoint's header during analysis, so that loops over
           the model's rows have known trip counts.
"""
import os
import struct
from dataclasses import dataclass
from typing import Tuple

from bfbuild.api import Attr, DefaultInfo, Rule, hookimpl
from bfbuild_unikernel.providers import CcInfo, ObjectsInfo

LEVELS = {"quick": "O1", "O2": "O2", "O3": "O3", "model": "O3"}
CHECKPOINT_HEADER = struct.Struct("<7i")  # llama2.c: dim, hidden, layers, heads, kv heads, vocab, seq

ATTRS = {
    "src": Attr("label", required=True, doc="the clang target to compile once per tier"),
    "tiers": Attr("string_list", required=True, doc="tiers, lowest first: quick, O2, O3, model"),
    "checkpoint": Attr("source", doc="a llama2.c checkpoint: the model tier's dimensions"),
    "defines": Attr("string_dict", doc="-D NAME=VALUE for every tier (the src's own are replaced)"),
}


@dataclass(frozen=True)
class KernelTiersInfo:
    """The objects of each tier, in the order of `tiers` (for bfbuild pgo's code hashes)."""

    tiers: Tuple[str, ...]
    objects: Tuple[Tuple[str, ...], ...]


class TierDefines(dict):
    """The defines of one tier's compile: hashable (an attribute override is a key of the
    analysis) and short in the output folder's name (`...@defines=LLAMA_TIER=O3`)."""

    def __hash__(self):
        return hash(tuple(sorted(self.items())))

    def __str__(self):
        return "+".join(f"{name}={value}" for name, value in sorted(self.items()))


def model_defines(ctx) -> dict:
    files = ctx.files("checkpoint")
    if not files:
        raise ctx.fail("the model tier needs 'checkpoint' (the llama2.c model it runs)")
    path = files[0]
    ctx.note_input(path)
    try:
        with open(os.path.join(ctx.workspace_root, path), "rb") as handle:
            header = handle.read(CHECKPOINT_HEADER.size)
    except OSError as exc:
        raise ctx.fail(f"cannot read the checkpoint {path}: {exc.strerror}") from None
    if len(header) < CHECKPOINT_HEADER.size:
        raise ctx.fail(f"{path} is shorter than a llama2.c header ({CHECKPOINT_HEADER.size} bytes)")
    dim, hidden, _, heads, kv_heads, vocab, _ = CHECKPOINT_HEADER.unpack(header)
    if min(dim, hidden, heads, kv_heads) <= 0 or dim % heads or heads % kv_heads:
        raise ctx.fail(f"{path} has no valid llama2.c header (dim {dim}, hidden {hidden}, "
                       f"heads {heads}/{kv_heads})")
    return {"LLAMA_DIM": str(dim), "LLAMA_HIDDEN": str(hidden),
            "LLAMA_KV_DIM": str(dim // heads * kv_heads), "LLAMA_VOCAB": str(abs(vocab))}


def analyse(ctx):
    tiers = ctx.attr["tiers"]
    unknown = [t for t in tiers if t not in LEVELS]
    if unknown or len(set(tiers)) != len(tiers) or len(tiers) < 2:
        raise ctx.fail(f"'tiers' takes 2 or more different tiers of {', '.join(LEVELS)}"
                       + (f"; '{unknown[0]}' is none" if unknown else ""))
    label = ctx.attr["src"]
    base = dict(ctx.attr["defines"])
    objects = []
    for tier in tiers:
        defines = TierDefines({**base, "LLAMA_TIER": tier,
                               **(model_defines(ctx) if tier == "model" else {})})
        configured = ctx.dep_in(label, overrides={"opt": LEVELS[tier], "defines": defines})
        info = configured.get(ObjectsInfo)
        if info is None:
            raise ctx.fail(f"{label} is not a clang target")
        objects.append(info.objects)
    every = tuple(o for group in objects for o in group)
    return [DefaultInfo(every), ObjectsInfo(every),
            ctx.dep(label).get(CcInfo) or CcInfo(), KernelTiersInfo(tuple(tiers), tuple(objects))]


@hookimpl
def bfbuild_register_rules():
    return [Rule("kernel-tiers", ATTRS, analyse, doc=__doc__)]
