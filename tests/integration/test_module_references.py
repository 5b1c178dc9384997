"""The module references and blobs as built: modules/common/modlib.py is an input of the
REFERENCE action alone, and the BLOB lines of one build never repeat."""
import re
from collections import Counter

import pytest

pytestmark = pytest.mark.slow

EXPECTED = "bfout/i686-off-clang/apps/tinyllama/registry/expected.json"


def test_editing_modlib_py_reruns_exactly_the_reference_action(workspace):
    workspace.bfbuild("build", "//images:tinyllama_boot_test", check=0)
    before = workspace.path(EXPECTED).read_bytes()
    workspace.append("modules/common/modlib.py", "\n\ndef edit_probe():\n    return 1\n")
    workspace.bfbuild("build", "//images:tinyllama_boot_test", check=0)
    ran = [(r["mnemonic"], r["owner"]) for r in workspace.executed()]
    # The results are the same bytes, so the boot test is not run again either.
    assert ran == [("REFERENCE", "//apps/tinyllama:registry")]
    assert workspace.path(EXPECTED).read_bytes() == before
    workspace.bfbuild("build", "//images:tinyllama_boot_test", check=0)
    assert workspace.executed() == []


def test_a_matrix_fat_and_pgo_build_prints_each_blob_line_once(workspace):
    proc = workspace.bfbuild("build", "//apps/tinyllama:registry", "//apps/tinyllama:fat_registry",
                             "--toolchain", "clang,zig", "--pgo", "off,on", check=0)
    blobs = [r for r in workspace.executed() if r["mnemonic"] == "BLOB"]
    lines = [line for line in proc.stdout.splitlines() if re.match(r"module \w+ \(", line)]
    assert len(lines) == len(blobs) > 12 * 4 * 2  # fat: 4 CPUs, 2 toolchains; pgo=on levels
    assert [line for line, count in Counter(lines).items() if count > 1] == []
    for name in ("sum", "fft_1d"):
        mine = [line for line in lines if line.startswith(f"module {name} (")]
        assert any("(haswell-any-zig, O1)" in line for line in mine), mine
        assert any("(core2-any-clang, O1)" in line for line in mine), mine
