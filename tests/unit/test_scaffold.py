"""`bfbuild new module` and `bfbuild new rule`: the files they write, the registrations they edit,
and the names they refuse (leaving the workspace untouched)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bfbuild.labels import Label
from bfbuild.session import Session
from tests.integration.conftest import REPO, copy_workspace

MODULE_H = REPO / "kernel/include/bf/module.h"


@pytest.fixture
def ws(tmp_path):
    """A copy of this repository's workspace (sources and YAML; nothing is built)."""
    return copy_workspace(tmp_path / "ws").root


def snapshot(root: Path):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and "bfout" not in p.parts}


def registry_modules(root: Path, name="registry"):
    return [str(l) for l in Session(start=root).targets[Label("apps/tinyllama", name)].attrs["modules"]]


# -- new module -------------------------------------------------------------------------------

def test_new_module_writes_the_three_files_and_registers_the_module(ws, run_cli):
    before = (ws / "apps/tinyllama/BUILD.yaml").read_text()
    rc, out, err = run_cli(ws, "new", "module", "blake")
    assert rc == 0, err
    assert "created modules/blake/blake.c" in out and "//apps/tinyllama:registry" in out
    assert sorted(p.name for p in (ws / "modules/blake").iterdir()) == ["BUILD.yaml", "blake.c",
                                                                      "reference.py"]
    after = (ws / "apps/tinyllama/BUILD.yaml").read_text()
    # One line added after the last module, comments and the &modules anchor kept.
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - //modules/blake"]
    assert "modules: &modules" in after and after.count("#") == before.count("#")
    for registry in ("registry", "bench_registry", "fat_registry"):  # *modules reuses the list
        assert registry_modules(ws, registry)[-1] == "//modules/blake:blake"


def test_the_new_module_follows_the_conventions_of_modules_sum(ws, run_cli):
    run_cli(ws, "new", "module", "blake")
    target = Session(start=ws).targets[Label("modules/blake", "blake")]
    sum_target = Session(start=ws).targets[Label("modules/sum", "sum")]
    assert target.rule.name == "embed-module"
    assert {k: v for k, v in target.attrs.items() if k not in ("srcs", "reference")} == \
        {k: v for k, v in sum_target.attrs.items() if k not in ("srcs", "reference")}
    source = (ws / "modules/blake/blake.c").read_text()
    typedef = re.search(r"typedef int \(\*bf_module_entry_fn\)\((.*?)\);", MODULE_H.read_text(), re.S)[1]
    params = " ".join(typedef.split())
    assert f"int module_main({params})" in " ".join(source.split())
    assert '#include "bf/module.h"' in source and '#include "modlib.h"' in source


def test_the_reference_prints_the_json_the_registry_expects(ws, run_cli):
    run_cli(ws, "new", "module", "blake")
    results = []
    for work in (1, 2):
        proc = subprocess.run([sys.executable, str(ws / "modules/blake/reference.py"), "--work",
                               str(work)], capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert [r["module"] for r in results] == ["blake", "blake"]
    assert all(r["tolerance"] == 0 for r in results)
    assert results[0]["expect"] != results[1]["expect"] and "n=2048" in results[1]["expect"]


def test_two_modules_get_different_seeds(ws, run_cli):
    run_cli(ws, "new", "module", "blake")
    run_cli(ws, "new", "module", "crc_mix")
    seeds = {re.search(r"_SEED (0x[0-9A-F]+)u", (ws / f"modules/{n}/{n}.c").read_text())[1]
             for n in ("blake", "crc_mix")}
    assert len(seeds) == 2
    assert registry_modules(ws)[-2:] == ["//modules/blake:blake", "//modules/crc_mix:crc_mix"]


@pytest.mark.parametrize("name, message", [
    ("Blake", "'Blake' is not a valid module name"),
    ("2fast", "'2fast' is not a valid module name"),
    ("a_name_that_is_too_long", "is not a valid module name"),
    ("sum", "modules/sum already exists"),
    ("common", "modules/common already exists"),
    ("physics_x", "would share the data disk name PHYSICS_.MOD with module 'physics_step'"),
])
def test_new_module_refuses_bad_and_taken_names_and_changes_nothing(ws, run_cli, name, message):
    before = snapshot(ws)
    rc, out, err = run_cli(ws, "new", "module", name)
    assert rc == 2 and message in err and "hint: " in err, err
    assert "Traceback" not in err
    assert snapshot(ws) == before


def test_new_module_refuses_a_registry_that_is_not_one(ws, run_cli):
    rc, _, err = run_cli(ws, "new", "module", "blake", "--registry", "//apps/tinyllama:main")
    assert rc == 2 and "is a 'clang' target, not a module-registry" in err
    assert "apps/tinyllama/BUILD.yaml:" in err
    rc, _, err = run_cli(ws, "new", "module", "blake", "--registry", "//apps/tinyllama:nope")
    assert rc == 2 and "no registry target //apps/tinyllama:nope" in err
    assert not (ws / "modules/blake").exists()


# -- new rule ---------------------------------------------------------------------------------

def test_new_rule_writes_the_plugin_and_its_test_and_lists_the_plugin(ws, run_cli):
    rc, out, err = run_cli(ws, "new", "rule", "concat")
    assert rc == 0, err
    assert (ws / "rules/concat.py").is_file() and (ws / "tests/rules/test_concat.py").is_file()
    build = (ws / "BUILD.yaml").read_text()
    assert "plugins: [rules/concat.py]" in build
    assert "# Workspace-local plugins" in build  # comments kept
    session = Session(start=ws)
    assert session.rules["concat"].axes == frozenset()
    assert set(session.rules["concat"].attrs) == {"srcs", "out"}


def test_a_target_of_the_new_rule_declares_one_action(ws, run_cli):
    run_cli(ws, "new", "rule", "gen-table")
    (ws / "notes").mkdir()
    (ws / "notes/a.txt").write_text("a\n")
    (ws / "notes/BUILD.yaml").write_text("t:\n  rule: gen-table\n  srcs: [a.txt]\n  out: t.csv\n")
    session = Session(start=ws)
    analysis = session.analyse(session.labels(["//notes:t"]), session.configurations())
    (action,) = analysis.graph.actions
    assert action.mnemonic == "GEN_TABLE" and action.inputs == ("notes/a.txt",)
    assert action.outputs == ("bfout/any-any-any/notes/t/t.csv",)
    assert (ws / "rules/gen_table.py").is_file()


@pytest.mark.parametrize("name, message", [
    ("Concat", "'Concat' is not a valid rule name"),
    ("a--b", "'a--b' is not a valid rule name"),
    ("clang", "a rule named 'clang' already exists"),
    ("embed-module", "a rule named 'embed-module' already exists"),
])
def test_new_rule_refuses_bad_and_taken_names(ws, run_cli, name, message):
    before = snapshot(ws)
    rc, _, err = run_cli(ws, "new", "rule", name)
    assert rc == 2 and message in err and "hint: " in err, err
    assert snapshot(ws) == before


def test_new_rule_refuses_an_existing_file(ws, run_cli):
    (ws / "rules").mkdir()
    (ws / "rules/concat.py").write_text("# mine\n")
    rc, _, err = run_cli(ws, "new", "rule", "concat")
    assert rc == 2 and "rules/concat.py already exists" in err
    assert (ws / "rules/concat.py").read_text() == "# mine\n"


def test_a_second_rule_is_appended_to_the_plugins_list(ws, run_cli):
    run_cli(ws, "new", "rule", "concat")
    rc, _, err = run_cli(ws, "new", "rule", "stamp")
    assert rc == 0, err
    assert "plugins: [rules/concat.py, rules/stamp.py]" in (ws / "BUILD.yaml").read_text()
    assert {"concat", "stamp"} <= set(Session(start=ws).rules)
