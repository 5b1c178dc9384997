"""The llama-model rule's checks agree with the kernel's LLAMA.CFG parser (run_config.c) and
docs/llama.md: steps 0 means seq_len, a prompt holds at most 255 bytes, and one file cannot be
both the checkpoint and the tokenizer (refused at analysis, with the target's file:line)."""
import json
import re
from pathlib import Path

import pytest

from bfbuild.api import Session
from bfbuild.errors import BfError

REPO = Path(__file__).resolve().parents[2]


def analyse(make_workspace, body: str, files=None):
    root = make_workspace({"BUILD.yaml": "workspace: t\ndefaults: {toolchain: clang, cpu: i686, pgo: \"off\"}\n",
                           "llm/BUILD.yaml": "model:\n  rule: llama-model\n" + body,
                           **(files or {})})
    session = Session(start=root)
    return session.analyse(session.labels(["//llm:model"]), session.configurations())


def config_params(analysis):
    (cfg,) = [a for a in analysis.graph.actions if a.mnemonic == "LLAMACFG"]
    return json.loads(cfg.params)


def test_the_same_file_for_checkpoint_and_tokenizer_is_refused(make_workspace):
    with pytest.raises(BfError) as info:
        analyse(make_workspace, "  checkpoint: model.bin\n  tokenizer: model.bin\n",
                {"llm/model.bin": "x"})
    assert info.value.file == "llm/BUILD.yaml" and info.value.line == 1
    assert "'checkpoint' and 'tokenizer' name the same file, llm/model.bin" in info.value.message


def test_steps_zero_means_seq_len(make_workspace):
    assert config_params(analyse(make_workspace, "  steps: 0\n"))["steps"] == 0


def test_negative_steps_are_refused(make_workspace):
    with pytest.raises(BfError, match="'steps' must be between 0"):
        analyse(make_workspace, "  steps: -1\n")


def test_the_prompt_limit_is_the_kernels(make_workspace):
    header = (REPO / "apps/tinyllama/llama/run_config.h").read_text()
    kernel_max = int(re.search(r"#define LLAMA_PROMPT_MAX (\d+)", header)[1]) - 1  # NUL
    docs = (REPO / "docs/llama.md").read_text()
    assert f"at most {kernel_max} bytes" in docs
    prompt = "é" * (kernel_max // 2) + "a" * (kernel_max % 2)
    assert len(prompt.encode()) == kernel_max
    assert config_params(analyse(make_workspace, f"  prompt: {prompt}\n"))["prompt"] == prompt
    with pytest.raises(BfError, match=f"at most {kernel_max} bytes"):
        analyse(make_workspace, f"  prompt: {prompt}a\n")
