"""A plugin entry point that cannot be imported, seen from a Python other than the checkout's
.venv (a system `python3 -m pytest` finding an old bfbuild's entry points), is reported as the
virtual environment not being active, with the command to use instead."""
import sys
from pathlib import Path

import pytest

import bfbuild
from bfbuild.errors import BfError
from bfbuild.plugins import make_plugin_manager

VENV = Path(bfbuild.__file__).resolve().parents[1] / ".venv"


@pytest.fixture
def old_installation(tmp_path, monkeypatch):
    """An installed distribution whose bfbuild.plugins entry point names a module that is gone."""
    info = tmp_path / "site" / "oldbfbuild-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: oldbfbuild\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[bfbuild.plugins]\nrules = bfbuild.rules_gone_zz\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


def failure() -> BfError:
    with pytest.raises(BfError) as info:
        make_plugin_manager()
    return info.value


def test_outside_the_venv_the_hint_says_so(old_installation, monkeypatch):
    monkeypatch.setattr("bfbuild.plugins._checkout_venv", lambda: VENV)
    monkeypatch.setattr(sys, "prefix", "/usr")
    error = failure()
    assert "No module named 'bfbuild.rules_gone_zz'" in error.message
    assert "entry point 'rules = bfbuild.rules_gone_zz' of the installed package oldbfbuild 0.1" \
        in error.message
    assert "virtual environment is not active" in error.hint
    assert "bfw pytest" in error.hint and ".venv/bin/python -m pytest" in error.hint
    assert "pip list" not in error.hint


def test_inside_the_venv_the_package_is_named(old_installation, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(VENV))
    monkeypatch.setattr("bfbuild.plugins._checkout_venv", lambda: VENV)
    error = failure()
    assert error.hint == "reinstall oldbfbuild, or uninstall it (pip uninstall oldbfbuild)"


def test_without_a_venv_the_hint_says_how_to_make_one(old_installation, monkeypatch):
    monkeypatch.setattr("bfbuild.plugins._checkout_venv", lambda: None)
    monkeypatch.setattr(sys, "prefix", "/usr")
    error = failure()
    assert ".venv does not exist yet" in error.hint and "bfw pytest" in error.hint
