"""`bfbuild pgo` says how the recorded profiles differ from the checked-in ones and writes them to
bfout/pgo/profiles/; profiles/ changes only with --update-profiles."""
import json
from types import SimpleNamespace

import pytest

from bfbuild_unikernel.pgo import report


class _Config(dict):
    def with_values(self, **values):
        return _Config(self, **values)


class _Image:
    name = "tinyllama"

    def __str__(self):
        return "//images:tinyllama"


class _Stop(Exception):
    """Raised by the fake build at step 2: these tests look at step 1 only."""


def _setup(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    recorded = root / "bfout/i686-instrument-clang/images/profile"
    (recorded / "ir").mkdir(parents=True)
    (recorded / "tinyllama_profile.json").write_text(json.dumps({"modules": [{"name": "sum", "calls": 31}]}, indent=1))
    (recorded / "ir/sum.profdata").write_bytes(b"new sum counts")
    (recorded / "ir/mine.profdata").write_bytes(b"a user's own module")
    profiles = root / "profiles"
    (profiles / "tinyllama-i686").mkdir(parents=True)
    (profiles / "tinyllama-i686.json").write_text(json.dumps({"modules": [{"name": "sum", "calls": 30}]}, indent=1))
    (profiles / "tinyllama-i686/sum.profdata").write_bytes(b"old sum counts")
    (profiles / "tinyllama-i686/gone.profdata").write_bytes(b"a removed module")
    files = [str(p.relative_to(root)) for p in (recorded / "tinyllama_profile.json",
                                                recorded / "ir/sum.profdata", recorded / "ir/mine.profdata")]
    calls = []

    def build(labels, configs):
        calls.append(labels)
        if len(calls) > 1:
            raise _Stop
        return SimpleNamespace(top=[SimpleNamespace(files=lambda: files)])

    monkeypatch.setattr(report, "profile_target", lambda session, image: "//images:tinyllama_profile")
    session = SimpleNamespace(root=root)
    image = _Image()
    return root, session, image, build


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_by_default_profiles_are_left_alone_and_the_change_is_shown(tmp_path, monkeypatch, capsys):
    root, session, image, build = _setup(tmp_path, monkeypatch)
    before = _snapshot(root / "profiles")
    with pytest.raises(_Stop):
        report.run(session, image, _Config(cpu="i686"), build)
    out = capsys.readouterr().out
    assert _snapshot(root / "profiles") == before  # nothing tracked or untracked written
    written = root / "bfout/pgo/profiles"
    assert json.loads((written / "tinyllama-i686.json").read_text())["modules"][0]["calls"] == 31
    assert (written / "tinyllama-i686/mine.profdata").read_bytes() == b"a user's own module"
    assert "the recorded profile differs from profiles/tinyllama-i686.json:" in out
    lines = out.splitlines()
    assert '-   "calls": 30' in lines and '+   "calls": 31' in lines, out
    assert "changed: profiles/tinyllama-i686/sum.profdata (14 -> 14 bytes)" in out
    assert "new: profiles/tinyllama-i686/mine.profdata (not in profiles/ yet)" in out
    assert "profiles/tinyllama-i686/gone.profdata is no longer recorded (kept)" in out
    assert ("profiles bfout/pgo/profiles/tinyllama-i686.json and "
            "bfout/pgo/profiles/tinyllama-i686/ refreshed") in out
    assert "'bfbuild pgo //images:tinyllama --update-profiles' writes" in out


def test_a_chosen_folder_receives_the_recorded_profiles(tmp_path, monkeypatch, capsys):
    root, session, image, build = _setup(tmp_path, monkeypatch)
    with pytest.raises(_Stop):
        report.run(session, image, _Config(cpu="i686"), build, profiles_out=str(tmp_path / "mine"))
    assert (tmp_path / "mine/tinyllama-i686/sum.profdata").read_bytes() == b"new sum counts"
    assert not (root / "bfout/pgo/profiles").exists()


def test_update_profiles_writes_into_profiles_and_names_each_file(tmp_path, monkeypatch, capsys):
    root, session, image, build = _setup(tmp_path, monkeypatch)
    with pytest.raises(_Stop):
        report.run(session, image, _Config(cpu="i686"), build, update_profiles=True)
    out = capsys.readouterr().out
    profiles = root / "profiles"
    assert (profiles / "tinyllama-i686/sum.profdata").read_bytes() == b"new sum counts"
    assert (profiles / "tinyllama-i686/mine.profdata").exists()
    assert (profiles / "tinyllama-i686/gone.profdata").exists()  # never removed
    assert "new: profiles/tinyllama-i686/mine.profdata" in out
    assert "profiles profiles/tinyllama-i686.json and profiles/tinyllama-i686/ refreshed" in out
    assert not (root / "bfout/pgo/profiles").exists()
