"""--profile FILE: a Chrome trace (the JSON that Perfetto and chrome://tracing open) of a build:
the phases of bfbuild on one track, each action on the track of the engine thread that ran it."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Sequence, Tuple

from bfbuild.engine.record import ActionRecord

Phase = Tuple[str, float, float]  # name, start (epoch seconds), end


def chrome_trace(phases: Sequence[Phase], records: Sequence[ActionRecord]) -> Dict:
    origin = min([start for _, start, _ in phases] + [r.start for r in records] or [0.0])
    events: List[Dict] = [{"name": "process_name", "ph": "M", "pid": 1,
                           "args": {"name": "bfbuild"}},
                          {"name": "thread_name", "ph": "M", "pid": 1, "tid": 0,
                           "args": {"name": "phases"}}]
    for name, start, end in phases:
        events.append({"name": name, "cat": "phase", "ph": "X", "pid": 1, "tid": 0,
                       "ts": round((start - origin) * 1e6), "dur": round((end - start) * 1e6)})
    threads: Dict[int, int] = {}
    for record in records:
        tid = threads.setdefault(record.thread, len(threads) + 1)
        label = f"{record.mnemonic} {record.owner}"
        if record.progress:
            label += f" {record.progress}"
        events.append({"name": label, "cat": record.mnemonic, "ph": "X", "pid": 1, "tid": tid,
                       "ts": round((record.start - origin) * 1e6),
                       "dur": round(record.seconds * 1e6),
                       "args": {"config": record.config, "outputs": list(record.outputs),
                                "ok": record.ok, "why": list(record.why)}})
    for thread, tid in threads.items():
        events.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid,
                       "args": {"name": f"engine worker {tid}"}})
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def write_trace(path: str, phases: Sequence[Phase], records: Sequence[ActionRecord]) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as handle:
        json.dump(chrome_trace(phases, records), handle)
    os.replace(tmp, path)
