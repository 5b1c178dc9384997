"""How long the server waits for a command before it exits.

$BFBUILD_SERVER_IDLE (seconds) in the environment of the command that starts the server, else
`server: {idle_seconds: N}` in the workspace's BUILD.yaml (checked by the loader like every root
key: bfbuild.commands.shutdown), else three hours, as Bazel's server waits.
"""
from __future__ import annotations

import os

from bfbuild.commands.shutdown import IDLE_KEY, SERVER_KEY

DEFAULT_IDLE_SECONDS = 3 * 3600.0


def idle_seconds(root: str) -> float:
    given = os.environ.get("BFBUILD_SERVER_IDLE", "").strip()
    if given:
        try:
            return max(float(given), 0.0)
        except ValueError:
            pass
    try:
        import yaml

        with open(os.path.join(root, "BUILD.yaml"), encoding="utf-8") as handle:
            settings = yaml.safe_load(handle)
        value = settings[SERVER_KEY][IDLE_KEY]
    except Exception:  # absent or invalid: the loader names the problem on the next command
        return DEFAULT_IDLE_SECONDS
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return DEFAULT_IDLE_SECONDS
