"""Caches and build records: the local action cache across clones, early cutoff, explain, traces,
shards."""
import json

import pytest

from tests.integration.conftest import copy_workspace

pytestmark = pytest.mark.slow

IMAGE = "bfout/i686-off-clang/images/tinyllama/tinyllama.img"


def _ran(workspace, mnemonic=None):
    return [r for r in workspace.executed() if not r.get("cache")
            and (mnemonic is None or r["mnemonic"] == mnemonic)]


def test_a_clean_clone_with_a_warm_local_cache_invokes_no_compiler(tmp_path):
    cache = tmp_path / "shared-cache"
    first = copy_workspace(tmp_path / "first")
    first.bfbuild("build", "//images:tinyllama", "--cache-dir", str(cache), check=0)
    assert len(_ran(first, "CC")) > 20
    second = copy_workspace(tmp_path / "elsewhere" / "second")
    second.bfbuild("build", "//images:tinyllama", "--cache-dir", str(cache), check=0)
    assert _ran(second) == []
    assert {r["cache"] for r in second.executed()} == {"local"}
    assert second.path(IMAGE).read_bytes() == first.path(IMAGE).read_bytes()
    # Header dependencies came back with the objects: a header edit recompiles its includers only.
    second.append("kernel/include/bf/vga.h", "\n#define BF_VGA_PROBE 1\n")
    second.bfbuild("build", "//images:tinyllama", "--cache-dir", str(cache), check=0)
    compiled = sorted(r["outputs"][0].rsplit("/", 1)[-1] for r in _ran(second, "CC"))
    assert "vga.o" in compiled and "string.o" not in compiled


def test_a_comment_edit_stops_at_the_unchanged_object(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    source = workspace.path("kernel/runtime/vga.c")
    first_line = source.read_text().splitlines()[0]
    assert first_line.startswith("/*"), first_line
    workspace.edit("kernel/runtime/vga.c", first_line, first_line.replace("/*", "/* (edited)", 1))
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert [r["mnemonic"] for r in _ran(workspace)] == ["CC"]  # the archive is not rebuilt


def test_explain_names_the_input_and_the_flag_that_changed(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    workspace.append("modules/sum/sum.c", "\nint bf_explain_probe(void);\nint bf_explain_probe(void) { return 1; }\n")
    workspace.edit("modules/sum/BUILD.yaml", "  opt: O1", "  opt: O3")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    proc = workspace.bfbuild("explain", "//modules/sum", check=0)
    assert "CC modules/sum/sum.c (i686-any-clang): ran, because" in proc.stdout
    assert "command line: removed -O1; added -O3" in proc.stdout
    assert "input changed: modules/sum/sum.c" in proc.stdout
    untouched = workspace.bfbuild("explain", "//kernel:stage1", check=0)
    assert "none of its actions ran in the last build" in untouched.stdout


def test_profile_writes_a_chrome_trace(workspace, tmp_path):
    trace = tmp_path / "trace.json"
    workspace.bfbuild("build", "//images:tinyllama", "--profile", str(trace), check=0)
    events = json.loads(trace.read_text())["traceEvents"]
    phases = [e["name"] for e in events if e.get("cat") == "phase"]
    assert phases == ["loading", "analysis", "execution"]
    actions = [e for e in events if e.get("ph") == "X" and e.get("cat") != "phase"]
    assert len(actions) == len(workspace.executed())
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in actions)
    assert any(e["name"].startswith("CC //kernel:runtime_c kernel/runtime/vga.c") for e in actions)


def test_shards_split_a_matrix_between_jobs(workspace):
    configs = set()
    for shard in ("1/2", "2/2"):
        proc = workspace.bfbuild("build", "//images:tinyllama", "--cpu", "i686,haswell",
                                 "--shard", shard, check=0)
        assert f"(shard {shard}: 1 pairs)" in proc.stdout
        configs |= {r["config"] for r in workspace.executed() if r["mnemonic"] == "IMAGE"}
    assert configs == {"i686-off-clang", "haswell-off-clang"}
    bad = workspace.bfbuild("build", "//images:tinyllama", "--shard", "3/2", check=2)
    assert "I must be between 1 and N" in bad.stderr
