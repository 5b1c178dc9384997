"""--state and --reset-state: the boots of `bfbuild run` and `bfbuild test` that use the writable
state disk (state/disk.py) instead of a read-only view of the built data disk."""
from __future__ import annotations

import os
from typing import Optional

from bfbuild.api import BfError
from bfbuild_unikernel.state.disk import prepare, state_disk_path, with_state_disk

# What the command line asked for; set for every command by the configure hook, read when boot
# tests are analysed.
_REQUEST = {"state": False, "reset": None}


def add_arguments(parser) -> None:
    parser.add_argument("--state", action="store_true",
                        help="boot with the image's writable state disk (bfout/state/...), a copy "
                             "of its data disk made on first use and kept across boots")
    parser.add_argument("--reset-state", action="store_true",
                        help="start the state disk again from the data disk (implies --state)")


def configure(options) -> None:
    reset = bool(getattr(options, "reset_state", False))
    _REQUEST["state"] = reset or bool(getattr(options, "state", False))
    _REQUEST["reset"] = f"{os.getpid()}@{getattr(options, 'started', 0)}" if reset else None


def for_boot_test(image) -> Optional[dict]:
    """The state-disk parameters of a boot test of `image` (None: it boots the data disk)."""
    if not _REQUEST["state"] or not image.data_disk:
        return None
    return {"disk": state_disk_path(image.image), "data_disk": image.data_disk,
            "reset": _REQUEST["reset"]}


def use_state_disk(root, image, argv, options):
    """`bfbuild run`: the command line with the state disk when asked, after saying which."""
    configure(options)
    if not _REQUEST["state"]:
        return argv
    if not image.data_disk or options.no_data_disk:
        raise BfError(f"{image.image} is booted without a data disk: there is no state disk to use",
                      hint="drop --no-data-disk, or give the image a data_disk")
    state = state_disk_path(image.image)
    print(prepare(root, image.data_disk, state, _REQUEST["reset"]), flush=True)
    return with_state_disk(argv, str(root / state))
