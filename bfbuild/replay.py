"""A repeated command line answered from its records, before any plugin is imported.

Under one hold of the workspace lock: when nothing the last identical command depended on has
changed, its report is printed (bfbuild.noop); otherwise a `build` whose analysis still holds runs
its recorded graph (bfbuild.analysis_cache), narrowed to the part the changes reach
(bfbuild.incremental). One hold, so that no other build can change a file between the look at
the records and the build they decide. Anything else is left to the full command.
"""
from __future__ import annotations

import time
from typing import List, Optional


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
        return None
    if not (root / LOCK_FILE).exists():
        return None  # never built: the lock (and bfout/) is not ours to create here
    # Records are looked for under the lock: the command before may still be writing them.
    with WorkspaceLock(root, argv):
        last = noop.changes(root, argv)
        if last is not None and not last[1]:
            noop.answer(root, last[0], started)
            return 0
        plan = analysis_cache.plan(root, argv)
        if plan is None:
            return None
        return analysis_cache.execute(root, argv, plan, started, last)
