"""A command's outcome told to whoever waits for it before the command's own bookkeeping is done.

A build's result is settled once its outputs are in place and its report is printed; what
follows (the no-op record, the analysis record) only speeds up the next command, and is written
under the workspace lock, so a next command waits for it anyway. A served command
(bfbuild.server.request) installs a teller that sends the client its exit status at that point,
and lets go of the client's terminal; without a server, `settled()` does nothing and the process
ends as before.
"""
from __future__ import annotations

import sys
from typing import Callable, Optional

_teller: Optional[Callable[[int], None]] = None


def tell_with(teller: Optional[Callable[[int], None]]) -> None:
    global _teller
    _teller = teller


def awaited() -> bool:
    """Whether someone waits for the outcome before the command ends (a served command): then
    work that follows it, such as the engine writing its database, need not be waited for."""
    return _teller is not None


def settled(status: int) -> None:
    """The command will end with `status`; anything it does from here on prints nothing."""
    global _teller
    teller, _teller = _teller, None
    if teller is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        teller(status)
