"""Test result files: written by a test action only when the test passed, naming the digest of
every input it passed on. `bfbuild test` reports a result as current only while those inputs
still have those contents (a build that failed before reaching a test leaves an older result)."""
from __future__ import annotations

import json
import os
from typing import Dict, Sequence

from bfbuild.digest import file_sha256


def input_digests(paths: Sequence[str]) -> Dict[str, str]:
    return {path: file_sha256(path) for path in paths}


def write_test_result(path: str, inputs: Sequence[str], **facts) -> None:
    """The pass record of a test: its facts, and the digests of the inputs it passed on."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({**facts, "inputs": input_digests(inputs)}, handle)


def test_result_is_current(result_file: str, root: str = ".") -> bool:
    """True when the result file exists and its inputs still have the recorded contents."""
    try:
        with open(os.path.join(root, result_file), encoding="utf-8") as handle:
            recorded = json.load(handle).get("inputs")
    except (OSError, ValueError):
        return False
    if not recorded or not isinstance(recorded, dict):
        return False
    try:
        return all(file_sha256(os.path.join(root, path)) == digest
                   for path, digest in recorded.items())
    except OSError:
        return False
