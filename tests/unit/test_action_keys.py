"""bfbuild.analysis.actions: an action's key changes exactly when what it would do changes."""
import dataclasses
import json
import sys

import pytest

from bfbuild.analysis.actions import Action, python_step_digest
from bfbuild.analysis.tools import Tool

CC = Tool("cc", "/usr/bin/clang", "clang version 16.0.6")


def command(**changes) -> Action:
    base = Action(mnemonic="CC", owner="//k:core", config="i686-off-clang",
                  outputs=("bfout/i686-off-clang/k/core/main.o",), inputs=("k/main.c",),
                  argv=("/usr/bin/clang", "-O2", "-c", "k/main.c", "-o",
                        "bfout/i686-off-clang/k/core/main.o"),
                  env=(("LANG", "C"),), tools=(CC.identity,), depfile="x.d")
    return dataclasses.replace(base, **changes)


def step(**changes) -> Action:
    base = Action(mnemonic="IMAGE", owner="//img:x", config="any-any-any",
                  outputs=("bfout/any-any-any/img/x/x.img",), inputs=("a.bin", "b.bin", "k.bin"),
                  function="bfbuild_unikernel.rules.image:assemble_image",
                  params=json.dumps({"pad": 512}, sort_keys=True))
    return dataclasses.replace(base, **changes)


def test_key_is_a_sha256_hex_digest():
    key = command().key
    assert len(key) == 64 and int(key, 16) >= 0


def test_equal_actions_have_equal_keys():
    assert command() == command()
    assert command().key == command().key
    assert step().key == step().key


def test_key_is_stable_across_runs():
    # Built from fixed fields only: no id(), time or dict ordering leaks into it.
    a = command()
    b = Action(**{f.name: getattr(a, f.name) for f in dataclasses.fields(a)})
    assert a.key == b.key


@pytest.mark.parametrize("change", [
    {"argv": ("/usr/bin/clang", "-O3", "-c", "k/main.c", "-o", "bfout/i686-off-clang/k/core/main.o")},
    {"argv": ("/usr/bin/clang", "-c", "k/main.c", "-O2", "-o", "bfout/i686-off-clang/k/core/main.o")},
    {"env": (("LANG", "C.UTF-8"),)},
    {"env": ()},
    {"outputs": ("bfout/i686-off-clang/k/core/other.o",)},
    {"tools": (Tool("cc", "/usr/bin/clang", "clang version 17.0.1").identity,)},
    {"tools": (Tool("cc", "/opt/llvm/bin/clang", "clang version 16.0.6").identity,)},
    {"tools": ()},
    {"depfile": "y.d"},
])
def test_command_key_changes_with(change):
    assert command(**change).key != command().key


@pytest.mark.parametrize("change", [
    {"params": json.dumps({"pad": 1024}, sort_keys=True)},
    {"function": "bfbuild_unikernel.rules.link:render_template"},
    {"outputs": ("bfout/any-any-any/img/x/y.img",)},
])
def test_python_step_key_changes_with(change):
    assert step(**change).key != step().key


def test_command_and_step_keys_differ():
    assert step().key != command().key


@pytest.mark.parametrize("change", [
    {"mnemonic": "CXX"}, {"progress": "k/main.c"}, {"owner": "//k:other"},
])
def test_key_ignores_presentation_fields(change):
    # Input contents are signed by SCons; these fields do not change what the action does.
    assert command(**change).key == command().key


def test_to_json_carries_the_key():
    data = command().to_json()
    assert data["key"] == command().key
    assert data["argv"][1] == "-O2"
    assert data["env"] == {"LANG": "C"}
    assert step().to_json()["argv"] is None


# -- the Python step digest -------------------------------------------------------------------

@pytest.fixture
def step_module(tmp_path, monkeypatch):
    folder = tmp_path / "mods"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    path = folder / "bf_digest_probe_step.py"
    path.write_text("def run(inputs, outputs, params):\n    return 'one'\n")
    python_step_digest.cache_clear()
    yield path
    python_step_digest.cache_clear()
    sys.modules.pop("bf_digest_probe_step", None)


def test_python_step_digest_changes_with_the_module_source(step_module):
    before = python_step_digest("bf_digest_probe_step:run")
    assert len(before) == 64
    assert python_step_digest("bf_digest_probe_step:other") == before  # per module, not function
    step_module.write_text("def run(inputs, outputs, params):\n    return 'two'\n")
    assert python_step_digest("bf_digest_probe_step:run") == before  # cached in this process
    python_step_digest.cache_clear()
    after = python_step_digest("bf_digest_probe_step:run")
    assert after != before


def test_python_step_digest_is_the_sha256_of_the_source(step_module):
    import hashlib
    expected = hashlib.sha256(step_module.read_bytes()).hexdigest()
    assert python_step_digest("bf_digest_probe_step:run") == expected


def test_python_step_digest_of_a_missing_module():
    python_step_digest.cache_clear()
    with pytest.raises(ValueError, match="not found"):
        python_step_digest("bf_no_such_module_zz:run")


def test_step_key_includes_the_module_digest(step_module):
    action = step(function="bf_digest_probe_step:run")
    before = action.key
    step_module.write_text("def run(inputs, outputs, params):\n    return 'three'\n")
    python_step_digest.cache_clear()
    # Keys are memoised per Action value in this process; a field outside the key (progress)
    # makes a distinct value, as a new bfbuild process would see it.
    fresh = step(function="bf_digest_probe_step:run", progress="new")
    assert fresh.key != before
