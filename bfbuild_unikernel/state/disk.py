"""The writable state disk of an image: bfout/state/<configuration>/<package>/<image>.img, a copy
of the image's built data disk made on first use, which the guest writes (QEMU gets it without
snapshot=on). The built data disk, a content-addressed output, is never written. Beside the
state disk, <state disk>.json records the sha256 of the data disk it was copied from: a data disk
rebuilt with other contents replaces the state disk, with a message.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from bfbuild.api import OUTPUT_DIR, BfError, file_sha256

STATE_ROOT = f"{OUTPUT_DIR}/state"
RESET_HINT = "--reset-state starts it again from the data disk"


def state_disk_path(image: str) -> str:
    """bfout/<configuration>/<package>/<target>/<file>.img -> bfout/state/<configuration>/<package>/<target>.img"""
    parts = image.split("/")
    if parts[0] != OUTPUT_DIR or len(parts) < 4:
        raise BfError(f"{image} is not an output of the build", hint="name an image target")
    return "/".join([STATE_ROOT, parts[1], *parts[2:-2], parts[-2] + ".img"])


def _source_file(state: Path) -> Path:
    return state.with_name(state.name + ".json")


def _write_atomically(path: Path, copy_from: Optional[Path] = None, text: str = "") -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    if copy_from is not None:
        shutil.copyfile(copy_from, tmp)
    else:
        tmp.write_text(text)
    os.replace(tmp, path)


def _recorded(state: Path) -> dict:
    try:
        data = json.loads(_source_file(state).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def source_digest(state: Path) -> Optional[str]:
    """The sha256 of the data disk the state disk was copied from, if recorded."""
    return _recorded(state).get("data_disk_sha256")


def prepare(root: Path, data_disk: str, state: str, reset: Optional[str] = None) -> str:
    """Makes, keeps, resets or replaces the state disk; returns the line that says which.
    `reset` names the command that asks for a reset: each command resets a disk once, however
    many of its boots use it."""
    source, target = Path(root) / data_disk, Path(root) / state
    digest = file_sha256(str(source))
    recorded = source_digest(target) if target.exists() else None
    reset = reset if reset and _recorded(target).get("reset_by") != reset else None
    if target.exists() and not reset and recorded == digest:
        return f"bfbuild: state disk {state} (kept from earlier boots; {RESET_HINT})"
    if reset and target.exists():
        what = "reset: a fresh copy of"
    elif target.exists() and recorded:
        what = (f"replaced: the data disk was rebuilt with other contents (sha256 {recorded[:12]} -> "
                f"{digest[:12]}); what the kernel saved on the old one is gone; now a copy of")
    elif target.exists():
        what = "replaced (its data disk was not recorded): now a copy of"
    else:
        what = "made from"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, copy_from=source)
    _write_atomically(_source_file(target), text=json.dumps(
        {"data_disk": data_disk, "data_disk_sha256": digest, "reset_by": reset}, indent=1) + "\n")
    return f"bfbuild: state disk {state} {what} the data disk {data_disk} (sha256 {digest[:12]})"


def with_state_disk(argv: Sequence[str], state: str) -> List[str]:
    """A QEMU command line with its data disk (IDE index 1) replaced by the writable state disk."""
    argv = list(argv)
    for at, word in enumerate(argv[:-1]):
        if word == "-drive" and "index=1" in argv[at + 1].split(","):
            argv[at + 1] = f"file={state},format=raw,if=ide,index=1"
            return argv
    raise BfError("the boot has no data disk to replace with the state disk",
                  hint="--state needs an image with a data disk, booted with it")


@contextlib.contextmanager
def locked(root: Path, state: str) -> Iterator[None]:
    """One boot at a time on a state disk (boot tests of one image may run in parallel)."""
    path = Path(root) / (state + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def for_boot(state: Optional[dict], root: Path = Path(".")) -> Iterator[str]:
    """Around one boot test's boot (state: options.for_boot_test's parameters, or None): the
    state disk locked and ready, and the line that says which; "" without a state disk."""
    if not state:
        yield ""
        return
    with locked(root, state["disk"]):
        yield prepare(root, state["data_disk"], state["disk"], state["reset"])
