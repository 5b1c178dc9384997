"""The local action cache's size limit: where it comes from, and sizes as people write them.

The limit is, in order: $BFBUILD_CACHE_MAX_SIZE; the folder's own setting, written by
`bfbuild cache limit SIZE` (like `ccache -M`), so every build that uses the folder, from any
workspace, keeps to it; 2 GiB. The engine reads it when it records a build (cache_local).
"""
from __future__ import annotations

import json
import os
from typing import Mapping, Tuple

DEFAULT_MAX_BYTES = 2 << 30
SETTINGS_FILE = "settings.json"
ENV = "BFBUILD_CACHE_MAX_SIZE"


def parse_size(text: str) -> int:
    """'2G', '500M', '1.5GiB', '4096': bytes (binary units: K = 1024). Raises ValueError."""
    value = str(text).strip().upper().replace(" ", "")
    for suffix in ("IB", "B"):
        if value.endswith(suffix) and len(value) > len(suffix):
            value = value[:-len(suffix)]
            break
    scale = 1
    if value and value[-1] in "KMGT":
        scale = 1024 ** ("KMGT".index(value[-1]) + 1)
        value = value[:-1]
    number = float(value)  # ValueError for anything else
    if number < 0 or number != number:
        raise ValueError(f"'{text}' is not a size")
    return int(number * scale)


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def configured_limit(root: str, environ: Mapping[str, str] = os.environ) -> Tuple[int, str]:
    """(bytes, where the value comes from). A bad value in the environment raises ValueError."""
    if environ.get(ENV):
        return parse_size(environ[ENV]), f"${ENV}"
    try:
        with open(os.path.join(root, SETTINGS_FILE), encoding="utf-8") as handle:
            value = json.load(handle).get("max_size")
        if type(value) is int and value >= 0:
            return value, f"{os.path.join(root, SETTINGS_FILE)} (bfbuild cache limit)"
    except (OSError, ValueError, AttributeError):
        pass
    return DEFAULT_MAX_BYTES, "the default"


def set_limit(root: str, max_bytes: int) -> None:
    os.makedirs(root, exist_ok=True)
    tmp = os.path.join(root, f".{SETTINGS_FILE}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"max_size": max_bytes}, handle)
    os.replace(tmp, os.path.join(root, SETTINGS_FILE))
