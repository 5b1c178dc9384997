"""Integration tests: copies of this repository's workspace, built with the real toolchain and
booted in QEMU. Each test works in its own copy so that edits never touch the checkout."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKSPACE_ITEMS = ("BUILD.yaml", "targets", "kernel", "apps", "modules", "toolchains", "profiles")


def registry_modules():
    """The module names of //apps/tinyllama:registry, in order: tests count them rather than
    assume twelve, since `bfbuild new module` adds one."""
    import yaml

    data = yaml.safe_load((REPO / "apps/tinyllama/BUILD.yaml").read_text())
    return [label.rsplit("/", 1)[-1].split(":")[-1] for label in data["registry"]["modules"]]


class Workspace:
    def __init__(self, root: Path):
        self.root = root

    def bfbuild(self, *args, check=None, timeout=600):
        """Run the bfbuild CLI in this workspace; returns the CompletedProcess (text)."""
        # Each workspace gets its own local action cache, so that no test is served by another's.
        env = {**os.environ, "BFBUILD_CACHE_DIR": str(self.root.parent / f"{self.root.name}-cache")}
        env.pop("BFBUILD_REMOTE_CACHE", None)
        proc = subprocess.run([sys.executable, "-m", "bfbuild", *args], cwd=self.root,
                              capture_output=True, text=True, timeout=timeout, env=env)
        if check is not None:
            assert proc.returncode == check, (
                f"bfbuild {' '.join(args)} exited {proc.returncode}, expected {check}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
        return proc

    def executed(self):
        """Records of the actions the last build ran."""
        record = self.root / "bfout/.bfbuild/last_build.jsonl"
        if not record.exists():
            return []
        return [json.loads(line) for line in record.read_text().splitlines() if line]

    def add_app(self, name: str, main_c: str, extra_srcs=(), extra_targets: str = "") -> None:
        """A test application apps/<name> (main.c linked with the runtime) and its image
        //<name>:image, for tests that boot a small program of their own."""
        srcs = "".join(f"    - {src}\n" for src in ("main.c", *extra_srcs))
        (self.root / "apps" / name).mkdir()
        (self.root / "apps" / name / "main.c").write_text(main_c)
        (self.root / "apps" / name / "BUILD.yaml").write_text(
            f"{extra_targets}\nmain:\n  rule: clang\n  srcs:\n{srcs}  deps: [//kernel:runtime]\n\n"
            "kernel:\n  rule: link\n  deps:\n    - //kernel:entry\n    - :main\n"
            "    - //kernel:build_config\n    - //kernel:runtime\n"
            "  linker_script: //kernel:kernel_ld\n  script_vars: {load_address: \"0x10000\"}\n")
        (self.root / "targets" / f"{name}.yaml").write_text(
            "image:\n  rule: image\n  stage1: //kernel:stage1\n  stage2: //kernel:stage2\n"
            f"  kernel: //apps/{name}:kernel\n")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path(relative)
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1))

    def append(self, relative: str, text: str) -> None:
        with open(self.path(relative), "a") as handle:
            handle.write(text)


def copy_workspace(destination: Path) -> Workspace:
    destination.mkdir(parents=True, exist_ok=True)
    for item in WORKSPACE_ITEMS:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, destination / item,
                            ignore=shutil.ignore_patterns("bfout", "__pycache__"))
        else:
            shutil.copy2(source, destination / item)
    return Workspace(destination)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return copy_workspace(tmp_path / "ws")
