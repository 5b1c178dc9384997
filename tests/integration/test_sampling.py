"""`bfbuild profile`: the sampling build of tinyllama booted under icount, for real.

Two runs give the same folded stacks byte for byte; the samples say something true about the
run (the inference's matmul holds most samples of the inference; the modules' samples are named
from the module loaded at the time); every C function of the sampling kernel and of the modules
keeps its frame pointer, which the walk needs; --hz changes the rate at boot, without a rebuild.
"""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from bfbuild_unikernel.sampling import outputs

pytestmark = pytest.mark.slow

PROLOGUE = b"\x55\x89\xe5"  # push %ebp; mov %esp,%ebp


def read_folded(path: Path):
    folded = {}
    for line in path.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        folded[tuple(stack.split(";"))] = int(count)
    return folded


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    from tests.integration.conftest import copy_workspace

    ws = copy_workspace(tmp_path_factory.mktemp("sampling") / "ws")
    runs = [ws.bfbuild("profile", "//images:tinyllama", "-o", f"out{i}", check=0) for i in (1, 2)]
    return ws, runs


def test_two_icount_runs_give_identical_folded_stacks(profiled):
    ws, runs = profiled
    first, second = (ws.path(f"out{i}/tinyllama.folded").read_bytes() for i in (1, 2))
    assert first and first == second
    assert re.search(r"^function +self +self% +total +total%$", runs[0].stdout, re.M)


def test_the_inference_phase_is_mostly_matmul(profiled):
    ws, _ = profiled
    folded = read_folded(ws.path("out1/tinyllama.folded"))
    matmul, inference = outputs.share_under(folded, "llama_generate", "llama_matmul")
    assert inference > 500, "too few samples in the inference to judge"
    assert matmul > inference / 2, f"matmul holds {matmul} of {inference} inference samples"
    # Every stack was walked from the interrupted code down to _start.
    assert all(stack[0] == "_start" for stack in folded), [s for s in folded if s[0] != "_start"][:3]


def test_module_samples_are_named_from_the_module_loaded(profiled):
    ws, runs = profiled
    folded = read_folded(ws.path("out1/tinyllama.folded"))
    frames = {frame for stack in folded for frame in stack}
    assert "fibonacci[i686]:fib_rec" in frames and "sha256[i686]:sha256_block" in frames
    assert not any(re.match(r".*\[i686\]:0x", frame) for frame in frames)
    assert ", 0 dropped" in runs[0].stdout
    doc = json.loads(ws.path("out1/tinyllama.speedscope.json").read_text())
    assert len(doc["profiles"][0]["samples"]) == sum(folded.values())
    ET.fromstring(ws.path("out1/tinyllama.svg").read_text())


def test_every_c_function_keeps_its_frame_pointer(profiled):
    ws, _ = profiled
    elfs = list(ws.root.glob("bfout/i686-off-clang/images/tinyllama_sampling_kernel/*.elf"))
    elfs += list(ws.root.glob("bfout/i686-any-clang/modules/*/*/*.elf"))
    assert len(elfs) > 10
    for path in elfs:
        with open(path, "rb") as handle:
            elf = ELFFile(handle)
            code = [s for s in elf.iter_sections() if s["sh_flags"] & 0x4 and s["sh_size"]]
            for symbol in elf.get_section_by_name(".symtab").iter_symbols():
                if symbol["st_info"]["type"] != "STT_FUNC" or not symbol["st_size"]:
                    continue
                section = next(s for s in code
                               if s["sh_addr"] <= symbol["st_value"] < s["sh_addr"] + s["sh_size"])
                at = symbol["st_value"] - section["sh_addr"]
                assert section.data()[at:at + 3] == PROLOGUE, f"{path.name}: {symbol.name}"


def test_the_rate_is_set_at_boot(profiled):
    ws, _ = profiled
    run = ws.bfbuild("profile", "//images:tinyllama", "--hz", "20000", "-o", "slow", check=0)
    assert re.search(r"samples at 19\d\d\d Hz", run.stdout), run.stdout
    assert "0 action(s) run" in run.stdout  # the same build: the rate goes in through fw_cfg
    fast = sum(read_folded(ws.path("out1/tinyllama.folded")).values())
    slow = sum(read_folded(ws.path("slow/tinyllama.folded")).values())
    assert 0.15 < slow / fast < 0.25
