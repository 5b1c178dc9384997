"""The host side of the modules: the references share modules/common/modlib.py, which is an input
of the REFERENCE action and the only workspace file they can import there; and every BLOB line
of a matrix, fat or PGO build says which build of the module it is."""
import json
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from bfbuild.api import StepError
from bfbuild.labels import Label
from bfbuild.session import Session
from bfbuild_unikernel.providers import RegistryInfo
from bfbuild_unikernel.rules.module_registry_steps import run_references
from tests.integration.conftest import REPO

MODLIB = "modules/common/modlib.py"
MODLIB_PY = Label("modules/common", "modlib_py")


@pytest.fixture(scope="module")
def session():
    return Session(start=REPO)


def _registry(session, name="registry"):
    label = Label("apps/tinyllama", name)
    analysis = session.analyse([label], session.configurations())
    return analysis.top[0].get(RegistryInfo), analysis


def test_every_module_lists_modlib_py_and_the_reference_action_reads_it(session):
    registry, analysis = _registry(session)
    for module in registry.modules:
        assert module.reference_libs == (MODLIB,), module.name
        assert "from modlib import" in (REPO / module.reference).read_text()
    [reference] = [a for a in analysis.graph.actions if a.mnemonic == "REFERENCE"]
    assert MODLIB in reference.inputs  # so it is part of the action's key
    assert json.loads(reference.params)["scripts"] == [m.reference for m in registry.modules]


def test_the_modlib_py_target_is_a_filegroup_of_modlib_py(session):
    target = session.targets[MODLIB_PY]
    assert target.rule.name == "filegroup"
    modules = [t for t in session.targets.targets.values() if t.rule.name == "embed-module"]
    assert len(modules) >= 12
    for module in modules:
        assert module.attrs["reference_libs"] == [MODLIB_PY], module.label


def _staged_workspace(tmp_path, monkeypatch, module="sum"):
    """A workspace with one module's reference and modlib.py, the step's working folder."""
    for relative in (MODLIB, f"modules/{module}/reference.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, tmp_path / relative)
    monkeypatch.chdir(tmp_path)
    return f"modules/{module}/reference.py"


def test_the_step_runs_a_reference_with_its_declared_lib(tmp_path, monkeypatch):
    script = _staged_workspace(tmp_path, monkeypatch)
    out = tmp_path / "expected.json"
    run_references([script, MODLIB], [str(out)], {"names": ["sum"], "scripts": [script], "work": 2})
    direct = subprocess.run([sys.executable, str(REPO / script), "--work", "2"], cwd="/",
                            capture_output=True, text=True, check=True)
    expect = json.loads(direct.stdout)["expect"]
    assert json.loads(out.read_text()) == {"work": 2, "modules": {"sum": {"expect": expect,
                                                                          "tolerance": 0}}}


def test_the_step_refuses_a_reference_whose_import_is_not_an_input(tmp_path, monkeypatch):
    script = _staged_workspace(tmp_path, monkeypatch)  # modlib.py is in the folder, not an input
    with pytest.raises(StepError) as caught:
        run_references([script], [str(tmp_path / "expected.json")],
                       {"names": ["sum"], "scripts": [script], "work": 1})
    assert "ModuleNotFoundError" in str(caught.value) and "reference_libs" in str(caught.value)
    assert not (tmp_path / "expected.json").exists()


C_PROBE = r"""
#include <stdio.h>
#include "modlib.h"
int main(void)
{
    static const double xs[] = {2.5, -2.5, 0.49999, -7.5, 1e6 + 0.5};
    uint32_t bases[] = {0, 0x53554D31u, 0x9E3779B9u}, r, i, s;
    for (i = 0; i < 3; i++)
        for (r = 0; r < 3; r++) {
            s = bf_rand_seed(bases[i], r);
            printf("%u %u %u %u\n", s, bf_rand_next(&s), bf_rand_next(&s), bf_rand_below(&s, 2001));
        }
    for (i = 0; i < 5; i++)
        printf("%d\n", bf_round(xs[i]));
    return 0;
}
"""


def test_modlib_py_gives_the_numbers_of_modlib_h(tmp_path):
    """The generator and the rounding, compiled from modlib.h for the host and run."""
    compiler = shutil.which("clang") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no host C compiler")
    (tmp_path / "probe.c").write_text(C_PROBE)
    subprocess.run([compiler, "-O1", "-I", str(REPO / "modules/common"), "-o",
                    str(tmp_path / "probe"), str(tmp_path / "probe.c")], check=True)
    c_lines = subprocess.run([str(tmp_path / "probe")], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    sys.path.insert(0, str(REPO / "modules/common"))
    try:
        import modlib
    finally:
        sys.path.remove(str(REPO / "modules/common"))
    py_lines = []
    for base in (0, 0x53554D31, 0x9E3779B9):
        for rnd in range(3):
            rng = modlib.Rng(modlib.rand_seed(base, rnd))
            py_lines.append(f"{rng.state} {rng.next()} {rng.next()} {rng.below(2001)}")
    py_lines += [str(modlib.round_half_away(x)) for x in (2.5, -2.5, 0.49999, -7.5, 1e6 + 0.5)]
    assert c_lines == py_lines
    assert modlib.rand_seed(0, 0) == 0x6A09E667  # never 0
    assert modlib.fnv1a32(modlib.FNV_OFFSET, ord("a")) == 0xE40C292C  # FNV-1a of "a"


# -- the BLOB lines ----------------------------------------------------------------------------

@pytest.mark.parametrize("requested", [
    {"cpu": "i686,haswell", "toolchain": "clang,zig", "pgo": "off,on"},
    {"cpu": "i686,haswell", "pgo": "off,on,instrument,ir"},
])
def test_no_two_blob_lines_of_a_build_are_alike(session, requested):
    """Matrix, fat and PGO builds make several blobs of one module; each line names its build."""
    labels = session.labels(["//images:tinyllama", "//images:tinyllama_fat"])
    analysis = session.analyse(labels, session.configurations(**requested))
    blobs = [json.loads(a.params) for a in analysis.graph.actions if a.mnemonic == "BLOB"]
    lines = Counter((p["name"], p["variant"]) for p in blobs)
    assert [line for line, count in lines.items() if count > 1] == []
    variants = {p["variant"] for p in blobs if p["name"] == "sum"}
    assert {"i686-any-clang, O1", "haswell-any-clang, O1", "core2-any-clang, O1"} <= variants
    if "zig" in requested.get("toolchain", ""):
        assert "haswell-any-zig, O1" in variants
    else:
        assert {"i686-any-clang, O1, profile counters", "i686-any-clang, O1, clang profile"} <= variants
