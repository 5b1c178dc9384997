"""A repeated command line answered from its records, before any plugin is imported.

Under one hold of the workspace lock: when nothing the last identical command depended on has
changed, its report is printed (bfbuild.noop); otherwise a `build` whose analysis still holds runs
its recorded graph (bfbuild.analysis_cache), narrowed to the part the changes reach
(bfbuild.incremental). One hold, so that no other build can change a file between the look at
the records and the build they decide. Anything else is left to the full command.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional


REPLAYABLE = ("build", "test")  # commands a no-op record can answer
_handed = None  # (root, argv, the locked file, what the no-op record said), from the server


def replayable(argv: List[str]) -> bool:
    """Whether this command line may be answered from its records (`--rerun` asks for a run)."""
    return bool(argv) and argv[0] in REPLAYABLE and "--rerun" not in argv


def hand_over(root: Path, argv: List[str], locked_file, last) -> None:
    """For a command the build server forked: the server took the workspace lock and looked at
    the no-op record for it (bfbuild.server.noop_answer); the command goes on from there."""
    global _handed
    _handed = (root, list(argv), locked_file, last)


def _take_handed(root: Optional[Path], argv: List[str]):
    """(the adopted lock, the no-op record's (report, changes)) handed over for this command."""
    from bfbuild.lock import WorkspaceLock

    global _handed
    handed, _handed = _handed, None
    if handed is None:
        return None
    if handed[0] != root or handed[1] != argv:  # not what was looked at: let it go
        handed[2].close()
        return None
    return WorkspaceLock.adopted(root, argv, handed[2]), handed[3]


def replay(argv: List[str]) -> Optional[int]:
    """The exit status of the command answered from its records; None to run it in full."""
    from bfbuild import analysis_cache, noop
    from bfbuild.errors import BfError
    from bfbuild.layout import LOCK_FILE
    from bfbuild.lock import WorkspaceLock
    from bfbuild.loading.workspace import find_root

    started = time.time()
    try:
        root = find_root()
    except BfError:
        root = None
    handed = _take_handed(root, argv)  # first: a handed lock left held would block this process
    if root is None or not (root / LOCK_FILE).exists():
        return None  # never built: the lock (and bfout/) is not ours to create here
    # Records are looked for under the lock: the command before may still be writing them.
    with handed[0] if handed else WorkspaceLock(root, argv):
        last = handed[1] if handed else noop.changes(root, argv)
        if last is not None and not last[1]:
            noop.answer(root, last[0], started)
            return 0
        plan = analysis_cache.plan(root, argv)
        if plan is None:
            return None
        return analysis_cache.execute(root, argv, plan, started, last)
