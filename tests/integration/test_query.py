"""bfbuild query on this repository's workspace (no compiler needed)."""
from tests.integration.conftest import Workspace, REPO


def test_deps_of_the_image_lists_the_whole_chain():
    proc = Workspace(REPO).bfbuild("query", "deps(//images:tinyllama)", check=0)
    labels = proc.stdout.split()
    for expected in ("//images:tinyllama", "//kernel:stage1", "//kernel:stage2",
                     "//apps/tinyllama:kernel", "//apps/tinyllama:main", "//kernel:runtime",
                     "//kernel:runtime_c", "//kernel:entry"):
        assert expected in labels
    assert "//images:tinyllama_boot_test" not in labels


def test_somepath_prints_the_path_in_dependency_order():
    proc = Workspace(REPO).bfbuild("query", "somepath(//images:tinyllama, //kernel:runtime_c)", check=0)
    assert proc.stdout.split() == ["//images:tinyllama", "//apps/tinyllama:kernel",
                                   "//kernel:runtime", "//kernel:runtime_c"]


def test_rdeps_and_kind():
    ws = Workspace(REPO)
    rdeps = ws.bfbuild("query", "rdeps(//kernel:stage1)", check=0).stdout.split()
    assert rdeps[-1] == "//kernel:stage1" and rdeps == sorted(rdeps)
    assert {"//images:tinyllama", "//images:tinyllama_boot_test", "//images:bench",
            "//images:tinyllama_fat", "//images:fat_haswell_test"} <= set(rdeps)
    assert not any(label.startswith(("//modules/", "//apps/")) for label in rdeps)
    direct = ws.bfbuild("query", "rdeps(//images:tinyllama, //kernel:stage1, 1)", check=0).stdout.split()
    assert direct == ["//images:tinyllama", "//kernel:stage1"]
    kinds = ws.bfbuild("query", "kind(asm, //...)", check=0).stdout.split()
    assert kinds == ["//kernel:entry", "//kernel:isr", "//kernel:smp_trampoline",
                     "//kernel:stage1", "//kernel:stage2"]
