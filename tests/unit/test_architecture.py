"""The shape of the code, checked: import contracts (import-linter, configured in pyproject.toml),
and the size budgets of the core's modules and of the rules."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path):
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def lint_available():
    if not LINT.exists():
        pytest.fail("lint-imports is missing: ./bfw installs the 'dev' extra (import-linter)")


def test_the_import_contracts_are_kept(lint_available):
    proc = _lint(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("bfbuild/analysis/configuration.py", "import bfbuild_unikernel.axes",
     "The core knows nothing of the unikernel wing"),
    ("bfbuild_unikernel/axes.py", "from bfbuild.session import Session",
     "The wing uses only what a third-party plugin may use"),
    ("bfbuild/loading/targets.py", "from bfbuild.engine import runner",
     "Phases of the core"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, lint_available, module, line, contract):
    for package in ("bfbuild", "bfbuild_unikernel"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / module, "a") as handle:
        handle.write(f"\n{line}  # a deliberate violation\n")
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    assert f"{contract}" in proc.stdout and "BROKEN" in proc.stdout, proc.stdout


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_no_module_of_the_core_is_over_300_lines():
    long = {str(p.relative_to(REPO)): _lines(p) for p in (REPO / "bfbuild").rglob("*.py")
            if _lines(p) > 300}
    assert long == {}


def test_no_rule_is_over_150_lines():
    long = {str(p.relative_to(REPO)): _lines(p)
            for p in (REPO / "bfbuild_unikernel" / "rules").glob("*.py") if _lines(p) > 150}
    assert long == {}


def test_every_path_in_the_architecture_page_exists():
    """docs/architecture.md names files and folders; each must exist, so the page stays true."""
    import re

    text = (REPO / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:bfbuild|bfbuild_unikernel)/[\w/.]*)`", text))
    assert named, "the page names no paths"
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert missing == []
