"""The record of one action the engine ran: written by the engine, read by the runner, trace,
explain and the commands. One JSON line per action in bfout/.bfbuild/last_build.jsonl."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from bfbuild.layout import BUILD_RECORD


@dataclass(frozen=True)
class ActionRecord:
    mnemonic: str  # CC, LINK, IMAGE, TEST...
    owner: str  # label of the target that declared it
    config: str  # its configuration's name
    outputs: Tuple[str, ...]
    ok: bool
    cache: Optional[str]  # "local" or "remote" when restored from a cache, else None
    start: float  # when it started (epoch seconds)
    seconds: float
    thread: int  # the engine worker that ran it
    why: Tuple[str, ...] = ()  # reasons it ran (bfbuild.engine.explain)
    progress: str = ""  # the detail of its progress line (a source file)

    @property
    def ran_command(self) -> bool:
        """Its command really ran (it was not restored from a cache)."""
        return not self.cache

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, line: str) -> "ActionRecord":
        data = json.loads(line)
        return cls(**{**data, "outputs": tuple(data["outputs"]), "why": tuple(data.get("why", ()))})


def read_build_record(root: Path) -> List[ActionRecord]:
    """The actions the last build ran, in the order they finished."""
    path = Path(root) / BUILD_RECORD
    if not path.exists():
        return []
    return [ActionRecord.from_json(line) for line in path.read_text().splitlines() if line]
