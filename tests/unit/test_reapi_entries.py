"""Action cache entries in REAPI v2's format: ActionResults checked as strictly as any input from
outside the build, and action keys that are Action digests built as REAPI defines them (a
Command, a Merkle tree of the inputs), readable by another REAPI implementation (BuildGrid's)."""
import hashlib
import os

import pytest
from buildgrid._protos.build.bazel.remote.execution.v2 import remote_execution_pb2 as bg

from bfbuild.engine.cache_entries import (MAX_ENTRY_BYTES, BadEntry, action_entry, blobs_named,
                                          manifest_entry, parse_action_entry, parse_manifest)
from bfbuild.engine.reapi import keys, regenerate
from bfbuild.engine.reapi.protos import ActionResult

SHA = "ab" * 32
OUTPUTS = ["out/a.o", "out/a.d"]


def _entry():
    files = [{"path": p, "sha256": SHA, "size": 7, "executable": False} for p in OUTPUTS]
    return ActionResult.FromString(action_entry(files))


def _raw(result):
    return result.SerializeToString()


def test_an_entry_round_trips_and_names_its_blobs():
    raw = action_entry([{"path": "out/a.o", "sha256": SHA, "size": 7, "executable": True},
                        {"path": "out/a.d", "sha256": "cd" * 32, "size": 0, "executable": False}])
    parsed = parse_action_entry(raw, OUTPUTS, "local")
    assert [(e["path"], e["size"], e["executable"]) for e in parsed] == [
        ("out/a.o", 7, True), ("out/a.d", 0, False)]
    assert blobs_named(raw) == [SHA, "cd" * 32]
    decoded = bg.ActionResult.FromString(raw)  # another implementation reads it
    assert decoded.output_files[0].digest.hash == SHA and decoded.exit_code == 0


def _breakers():
    def missing(r):
        del r.output_files[1]

    def extra(r):
        r.output_files.add(path="out/other.o").digest.hash = SHA

    def twice(r):
        r.output_files[1].path = OUTPUTS[0]

    def failed(r):
        r.exit_code = 1

    def symlink(r):
        r.output_symlinks.add(path=OUTPUTS[0], target="/etc/passwd")

    def folder(r):
        r.output_directories.add(path="out")

    def short_hash(r):
        r.output_files[0].digest.hash = "ABC"

    def negative(r):
        r.output_files[0].digest.size_bytes = -1

    def too_big(r):
        r.output_files[0].digest.size_bytes = (1 << 30) + 1

    def huge(r):
        r.stderr_raw = b" " * MAX_ENTRY_BYTES

    return {"missing": (missing, "does not name output out/a.d"),
            "extra": (extra, "not an output of the action"), "twice": (twice, "twice"),
            "failed": (failed, "exit code 1"), "symlink": (symlink, "regular files only"),
            "folder": (folder, "regular files only"), "short hash": (short_hash, "no valid sha256"),
            "negative": (negative, "no valid size"), "too big": (too_big, "no valid size"),
            "huge": (huge, "larger than")}


@pytest.mark.parametrize("case", sorted(_breakers()))
def test_a_wrong_entry_is_refused_with_its_reason(case):
    change, reason = _breakers()[case]
    result = _entry()
    change(result)
    with pytest.raises(BadEntry, match=reason):
        parse_action_entry(_raw(result), OUTPUTS, "remote")


def test_bytes_that_are_no_action_result_are_refused():
    with pytest.raises(BadEntry, match="not a REAPI ActionResult"):
        parse_action_entry(b"\xff\xfe not an ActionResult \x00", OUTPUTS, "local")


def test_manifests_name_only_headers_inside_the_workspace():
    assert parse_manifest(manifest_entry(["kernel/include/a.h", "b.h"]), "local") == [
        "kernel/include/a.h", "b.h"]
    assert parse_manifest(manifest_entry([]), "local") == []
    for bad in ("/dev/zero", "../../etc/passwd", "a/../../b.h", "new\x1bline.h"):
        with pytest.raises(BadEntry, match="not a relative path inside the workspace"):
            parse_manifest(manifest_entry(["ok.h", bad]), "remote")
    with pytest.raises(BadEntry, match="lists output files"):
        parse_manifest(_raw(_entry()), "remote")


# -- keys ---------------------------------------------------------------------------------------

@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path, text in (("src/main.c", "int main;"), ("src/lib/util.h", "#pragma once"),
                       ("BUILD.yaml", "x: 1")):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    return {"inputs": ["src/main.c", "BUILD.yaml"], "outputs": ["out/main.o", "out/main.d"],
            "argv": ["clang", "-c", "src/main.c"], "env": {"TZ": "UTC", "LC_ALL": "C"},
            "key": "k" * 64, "mnemonic": "CC", "owner": "//t:x"}


def test_the_action_is_built_as_reapi_defines_it(spec):
    digest, messages = keys.action_messages(spec, ["src/lib/util.h"])
    assert digest == (hashlib.sha256(messages[digest]).hexdigest(), len(messages[digest]))
    action = bg.Action.FromString(messages[digest])
    command = bg.Command.FromString(messages[(action.command_digest.hash,
                                              action.command_digest.size_bytes)])
    assert list(command.arguments) == spec["argv"]
    assert [(v.name, v.value) for v in command.environment_variables] == [("LC_ALL", "C"), ("TZ", "UTC")]
    assert list(command.output_paths) == ["out/main.d", "out/main.o"]  # sorted, as REAPI asks
    assert [(p.name, p.value) for p in action.platform.properties] == [(keys.KEY_PROPERTY, "k" * 64)]
    # The input root: BUILD.yaml and src/, src/ holding lib/ and main.c, lib/ holding util.h.
    root, directories = keys.input_root(["src/main.c", "BUILD.yaml", "src/lib/util.h"])
    assert root == (action.input_root_digest.hash, action.input_root_digest.size_bytes)
    top = bg.Directory.FromString(directories[root])
    assert [f.name for f in top.files] == ["BUILD.yaml"] and [d.name for d in top.directories] == ["src"]
    src = bg.Directory.FromString(directories[(top.directories[0].digest.hash,
                                               top.directories[0].digest.size_bytes)])
    assert [f.name for f in src.files] == ["main.c"] and [d.name for d in src.directories] == ["lib"]
    assert src.files[0].digest.hash == hashlib.sha256(b"int main;").hexdigest()


def test_everything_the_action_depends_on_changes_its_digest(spec):
    base = keys.action_digest(spec)
    assert keys.action_digest({**spec, "inputs": spec["inputs"][::-1]}) == base  # a set of files
    changed = [keys.action_digest({**spec, "argv": ["clang", "-O2"]}),
               keys.action_digest({**spec, "env": {"TZ": "CET"}}),
               keys.action_digest({**spec, "outputs": ["out/main.o"]}),
               keys.action_digest({**spec, "key": "j" * 64}),
               keys.action_digest(spec, ["src/lib/util.h"]),
               keys.action_digest(spec, salt=keys.MANIFEST_SALT)]
    with open("src/main.c", "a") as handle:
        handle.write(" ")
    changed.append(keys.action_digest(spec))
    os.chmod("src/main.c", 0o755)
    changed.append(keys.action_digest(spec))
    assert len({base, *changed}) == len(changed) + 1


def test_a_missing_or_special_input_has_no_key(spec):
    with pytest.raises(OSError):
        keys.action_digest(spec, ["src/lib"])  # a folder
    with pytest.raises(OSError):
        keys.action_digest(spec, ["src/gone.h"])


def test_the_committed_descriptors_are_the_ones_buildgrid_ships():
    assert regenerate.main(["--check"]) == 0, "run python -m bfbuild.engine.reapi.regenerate"
