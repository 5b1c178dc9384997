"""Clang instrumentation PGO end to end (docs/ir-pgo.md): a module compiled with
-fprofile-instr-generate runs in QEMU, the kernel dumps its memory over the serial port,
bfbuild_unikernel.pgo.llvm_profraw turns the dump into a .profraw, llvm-profdata into a .profdata whose counts
are the module's real ones, and clang builds the module again with -fprofile-instr-use.

The test builds its own small image in a copy of the workspace: a kernel whose kmain loads each
module of a one-module registry, calls it CALLS times and calls bf_module_dump(), so that it does
not depend on how the tinyllama runner is wired."""
import re
import shutil
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from bfbuild_unikernel.pgo import llvm_profraw

pytestmark = pytest.mark.slow

CALLS = 7
FIB_REC_CALLS = 21891  # calls of fib_rec(n) for fib(20): 2 F(21) - 1

REGISTRY = f"""\
registry:
  rule: module-registry
  modules: [//modules/fibonacci]
  work: 1
  default_calls: {CALLS}
"""

APP_MAIN = r"""
#include <bf/console.h>
#include <bf/exit.h>
#include <bf/heap.h>
#include <bf/idt.h>
#include <bf/module.h>
#include <bf/module_dump.h>
#include <bf/module_loader.h>
#include <bf/registry.h>
#include <bf/string.h>

void kmain(void);

static const struct bf_module_api api = {
    .version = BF_MODULE_API_VERSION,
    .print = kprintf,
    .format = ksnprintf,
    .alloc = kmalloc,
    .release = kfree,
};

void kmain(void)
{
    idt_init();
    heap_init();
    for (uint32_t i = 0; i < bf_registry_count; i++) {
        const struct bf_registry_entry *e = &bf_registry[i];
        char why[128];
        if (bf_module_validate(e->blob, e->size, e->name, e->cpu_tag, why, sizeof why) !=
            BF_MODULE_OK) {
            kprintf("pgotest: %s refused: %s\n", e->name, why);
            bf_exit(BF_EXIT_MODULES_FAILED);
        }
        const struct bf_module_header *h = (const struct bf_module_header *)e->blob;
        bf_module_entry_fn fn = bf_module_load(e->blob);
        struct bf_module_result result;
        for (uint32_t call = 0; call < e->calls; call++) {
            memset(&result, 0, sizeof result);
            if (fn(&api, bf_registry_work, &result) != 0)
                bf_exit(BF_EXIT_MODULES_FAILED);
        }
        result.text[BF_MODULE_RESULT_MAX - 1] = '\0';
        kprintf("RESULT %s calls=%u | %s\n", e->name, e->calls, result.text);
        bf_module_dump(e->name, (const void *)BF_MODULE_SLOT, h->payload_size);
    }
    kputs("pgotest: ok\n");
    bf_exit(BF_EXIT_SUCCESS);
}
"""

def _show(profdata):
    """{function: (function count, block counts)} from llvm-profdata show."""
    out = subprocess.run([llvm_profraw.find_llvm_profdata(), "show", "--all-functions", "--counts",
                          str(profdata)], capture_output=True, text=True, check=True).stdout
    functions = {}
    for match in re.finditer(r"^  (\S+):\n    Hash: \S+\n    Counters: \d+\n"
                             r"    Function count: (\d+)\n(?:    Block counts: \[([\d, ]*)\])?",
                             out, re.M):
        blocks = match.group(3) or ""
        functions[match.group(1)] = (int(match.group(2)),
                                     tuple(int(x) for x in blocks.split(",") if x.strip()))
    return functions


def _set_copts(workspace, copts):
    path = workspace.path("modules/fibonacci/BUILD.yaml")
    text = re.sub(r"\n  copts: .*", "", path.read_text())
    path.write_text(text.rstrip("\n") + f"\n  copts: {copts}\n")


def _module_elf(workspace):
    elfs = sorted(workspace.root.glob("bfout/*/modules/fibonacci/fibonacci/fibonacci.elf"))
    assert len(elfs) == 1, f"expected one fibonacci.elf, found {elfs}"
    return elfs[0]


def test_counters_from_qemu_become_a_profile_clang_uses(workspace, tmp_path):
    for tool in ("clang", "ld.lld", "qemu-system-i386"):
        if shutil.which(tool) is None:
            pytest.skip(f"no {tool} on this host")
    llvm_profraw.find_llvm_profdata()
    workspace.add_app("pgotest", APP_MAIN, extra_srcs=[":registry"], extra_targets=REGISTRY)
    _set_copts(workspace, '["-fprofile-instr-generate"]')
    # modlib too: its counters land in the module's sections like the module's own.
    modlib_instrumented = '  copts: [-fprofile-instr-generate]\n'  # it always has BF_PROFILE_INSTR
    workspace.append("modules/common/BUILD.yaml", modlib_instrumented)

    run = workspace.bfbuild("run", "//pgotest:image", "--timeout", "60", check=0)
    lines = run.stdout.splitlines()
    assert f"RESULT fibonacci calls={CALLS} | rec=6765 it=0xd824476d4a0819db fd=986892585" in lines
    assert "pgotest: ok" in lines
    dumps = llvm_profraw.extract_dumps(lines)
    assert list(dumps) == ["fibonacci"]
    start, memory = dumps["fibonacci"]
    assert start == 0x00200000

    elf = _module_elf(workspace)
    raw = tmp_path / "fibonacci.profraw"
    raw.write_bytes(llvm_profraw.profraw_for_module(elf, start, memory))
    profdata = llvm_profraw.merge([raw], tmp_path / "fibonacci.profdata")
    shown = _show(profdata)
    assert shown["module_main"] == (CALLS, ())
    # its one counter after the entry: the n < 2 leaves, F(21) = (calls + 1) / 2 of the calls
    assert shown["fibonacci.c:fib_rec"] == (CALLS * FIB_REC_CALLS, (CALLS * (FIB_REC_CALLS + 1) // 2,))
    assert shown["fibonacci.c:fib_iter"] == (CALLS, (CALLS * 10000,))
    count, (bits, ones) = shown["fibonacci.c:fib_fast"]
    assert (count, bits, ones) == (CALLS, CALLS * 32, CALLS * bin(1000003).count("1"))
    # modlib's 64-bit remainder: three per bit in fib_fast, one more per bit set
    assert shown["__umoddi3"][0] == CALLS * (32 * 3 + bin(1000003).count("1"))
    assert shown["memmove"][0] == 0

    # The profile back into clang (-Werror: a stale or unreadable profile would fail the build),
    # without instrumentation: same result, no counters left in the module.
    _set_copts(workspace, f'["-fprofile-instr-use={profdata}"]')
    workspace.edit("modules/common/BUILD.yaml", modlib_instrumented,
                   f'  copts: ["-fprofile-instr-use={profdata}"]\n')
    run = workspace.bfbuild("run", "//pgotest:image", "--timeout", "60", check=0)
    assert f"RESULT fibonacci calls={CALLS} | rec=6765 it=0xd824476d4a0819db fd=986892585" in \
        run.stdout.splitlines()
    with open(_module_elf(workspace), "rb") as handle:
        names = {section.name for section in ELFFile(handle).iter_sections()}
    assert not names & {llvm_profraw.CNTS, llvm_profraw.DATA, llvm_profraw.NAMES}
