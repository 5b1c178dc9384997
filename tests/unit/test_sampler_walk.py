"""The kernel's frame-pointer walk (kernel/runtime/sampler_walk.c), compiled for the host (-m32)
and run on hand-made stacks: good chains, and chains a bad frame pointer breaks. The walk must
stop at the bad frame, never read outside the stack, and never loop."""
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <bf/sampler.h>

static uint32_t stack[64] __attribute__((aligned(16)));
#define AT(i) ((uint32_t)(uintptr_t)&stack[i])

static void show(const char *name, uint32_t ebp)
{
    uint32_t out[8];
    uint32_t n = bf_sampler_walk(0x1000, ebp, AT(0), AT(64), out, 8);
    printf("%s", name);
    for (uint32_t i = 0; i < n; i++)
        printf(" %x", out[i]);
    printf("\n");
}

static void link(int at, uint32_t next_ebp, uint32_t ret)
{
    stack[at] = next_ebp;
    stack[at + 1] = ret;
}

int main(void)
{
    link(10, AT(20), 0x2001); link(20, AT(30), 0x2002); link(30, 0, 0x2003);
    show("good", AT(10));
    link(30, AT(10), 0x2003);                      /* a loop back down */
    show("loop", AT(10));
    link(30, AT(30), 0x2003);                      /* points at itself */
    show("self", AT(10));
    link(30, AT(31) + 2, 0x2003);                  /* misaligned */
    show("misaligned", AT(10));
    link(30, 0xFFFFFFF0u, 0x2003);                 /* wild, near the top of memory */
    show("wild", AT(10));
    link(30, AT(63), 0x2003);                      /* its frame would end past the stack */
    show("past_top", AT(10));
    show("below", AT(0) - 64);                     /* EBP below the stack: EIP only */
    show("garbage", 0x12345678);
    for (int i = 0; i < 60; i += 2)                /* deeper than the output: cut at max */
        link(i, AT(i + 2), 0x3000 + i);
    show("deep", AT(0));
    uint32_t none[1];
    printf("max0 %u\n", bf_sampler_walk(1, AT(0), AT(0), AT(64), none, 0));
    return 0;
}
"""


@pytest.fixture(scope="module")
def walk_output(tmp_path_factory):
    cc = shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.fail("no host C compiler (gcc or clang)")
    folder = tmp_path_factory.mktemp("walk")
    (folder / "harness.c").write_text(HARNESS)
    exe = folder / "walk"
    proc = subprocess.run([cc, "-m32", "-O2", "-Wall", "-Werror", f"-I{REPO / 'kernel/include'}",
                           str(folder / "harness.c"), str(REPO / "kernel/runtime/sampler_walk.c"),
                           "-o", str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=10)
    assert run.returncode == 0, run.stderr
    return dict(line.split(" ", 1) if " " in line else (line, "")
                for line in run.stdout.splitlines())


def test_a_good_chain_is_walked_to_its_end(walk_output):
    assert walk_output["good"] == "1000 2001 2002 2003"


@pytest.mark.parametrize("case", ["loop", "self", "misaligned", "wild", "past_top"])
def test_a_bad_frame_pointer_ends_the_walk_there(walk_output, case):
    assert walk_output[case] == "1000 2001 2002 2003"


def test_a_frame_pointer_outside_the_stack_gives_the_eip_alone(walk_output):
    assert walk_output["below"] == "1000"
    assert walk_output["garbage"] == "1000"


def test_the_walk_stops_at_the_output_size(walk_output):
    assert walk_output["deep"].split() == ["1000", "3000", "3002", "3004", "3006", "3008",
                                           "300a", "300c"]
    assert walk_output["max0"] == "0"
