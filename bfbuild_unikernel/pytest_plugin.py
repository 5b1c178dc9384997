"""The pytest plugin of bfbuild (entry point `pytest11`): the `bfbuild_boot` fixture.

    def test_boots(bfbuild_boot):
        result = bfbuild_boot("//images:tinyllama", timeout=60)
        assert result.success, result.describe()
        assert "tinyllama: ok" in result.lines

It builds the label with the bfbuild command line (so locking, caching and the no-op path behave
as they do for a person), then boots the image with the same QEMU command line `bfbuild run`
uses. The workspace is the one around the current directory, or `root=`. Nothing is imported
until a test asks for the fixture: pytest loads this module in every run.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

import pytest


@dataclass
class BootOutcome:
    """What one boot gave: the serial lines, QEMU's exit status, and whether that is success."""

    label: str
    argv: List[str]
    lines: List[str] = field(default_factory=list)
    status: Optional[int] = None
    timed_out: bool = False
    seconds: float = 0.0
    success: bool = False
    description: str = ""

    def describe(self) -> str:
        return f"{self.label}: {self.description}"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _build(root: Path, label: str, options: Sequence[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", label, *options], cwd=root,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        pytest.fail(f"bfbuild build {label} failed (exit {proc.returncode}):\n{tail}", pytrace=False)


def boot_label(label: str, cpu: Optional[str] = None, timeout: Optional[float] = 60,
               qemu_args: Sequence[str] = (), root: Optional[os.PathLike] = None,
               data_disk: bool = True, toolchain: Optional[str] = None) -> BootOutcome:
    """Build `label` (an image target) and boot it; see the module docstring."""
    from bfbuild_unikernel.qemu.launch import boot_plan
    from bfbuild_unikernel.qemu.boot import boot
    from bfbuild.api import Session
    from bfbuild.api import find_root

    workspace_root = find_root(Path(root) if root else None)
    options = [*(["--cpu", cpu] if cpu else []), *(["--toolchain", toolchain] if toolchain else [])]
    _build(workspace_root, label, options)
    session = Session(start=workspace_root)
    labels = session.labels([label])
    configs = session.configurations(cpu=cpu, toolchain=toolchain)
    if len(labels) != 1 or len(configs) != 1:
        raise pytest.UsageError(f"bfbuild_boot takes one image target and one configuration, "
                                f"not {label!r} (cpu={cpu!r})")
    configured = session.analyse(labels, configs).top[0]
    plan = boot_plan(session, configured, configs[0], extra=qemu_args, data_disk=data_disk)
    result = boot(plan.argv, timeout)
    return BootOutcome(label=str(labels[0]), argv=plan.argv, lines=result.lines,
                       status=result.status, timed_out=result.timed_out, seconds=result.seconds,
                       success=result.success, description=result.describe())


@pytest.fixture
def bfbuild_boot():
    """bfbuild_boot(label, cpu=None, timeout=60, qemu_args=(), root=None, data_disk=True,
    toolchain=None) -> BootOutcome with .lines, .status, .success, .describe()."""
    return boot_label
