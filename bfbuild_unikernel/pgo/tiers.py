"""The host side of the kernel's tiers (docs/tiers.md): the table it prints at the end of a run,
its hit-rate line, and the instructions per token of its inference.

    tiers: 13 sites, hit rate 100.0% (3246 of 3246 hot calls served by a learned tier ...)
    --- BEGIN TIERS ---
    [ {"site": ..., "settled": ..., "learned": ..., "tiers": [{"tier": ..., "calls": ...,
       "cycles": ..., "work": ..., "cost": ..., "rolled_back": ...}, ...]}, ... ]
    --- END TIERS ---
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Sequence

BEGIN, END = "--- BEGIN TIERS ---", "--- END TIERS ---"
HIT_RATE = re.compile(r"^tiers: \d+ sites, hit rate [\d.]+% \((\d+) of (\d+) hot calls")
PER_TOKEN = re.compile(r"^LLAMA stats: (\d+) positions[^,]*(?:,[^,]*\))?, (\d+) [a-z-]+/position")
DECISION = re.compile(r"^tier: (\S+) (promoted|rolled back) (\S+) -> (\S+)")


class TiersError(ValueError):
    pass


def extract_tiers(lines: Sequence[str]) -> Dict[str, dict]:
    """{site: its entry of the table}; TiersError when the table is missing or cut short."""
    text, inside, ended = [], False, False
    for line in lines:
        line = line.strip()
        if line == BEGIN:
            inside, text = True, []
        elif line == END and inside:
            inside, ended = False, True
        elif inside:
            text.append(line)
    if not ended:
        raise TiersError("the kernel printed no complete tier table (--- BEGIN/END TIERS ---)")
    try:
        sites = json.loads("\n".join(text))
    except ValueError as exc:
        raise TiersError(f"the tier table is not valid JSON: {exc}") from None
    return {site["site"]: site for site in sites}


def hit_rate(lines: Sequence[str]) -> Optional[float]:
    for line in lines:
        match = HIT_RATE.match(line.strip())
        if match:
            hits, calls = int(match[1]), int(match[2])
            return hits / calls if calls else 0.0
    return None


def per_token(lines: Sequence[str]) -> Optional[int]:
    """The inference's rdtsc ticks per position (instructions, under icount)."""
    for line in lines:
        match = PER_TOKEN.match(line.strip())
        if match:
            return int(match[2])
    return None


def decisions(lines: Sequence[str]) -> List[tuple]:
    """(site, 'promoted' | 'rolled back', from, to) of every decision line, in order."""
    found = []
    for line in lines:
        match = DECISION.match(line.strip())
        if match:
            found.append((match[1], match[2], match[3], match[4].rstrip(",")))
    return found


def per_call(site: dict, tier: str) -> Optional[float]:
    """Instructions per call of one tier of a site (None when it never ran)."""
    for entry in site["tiers"]:
        if entry["tier"] == tier and entry["calls"]:
            return entry["cycles"] / entry["calls"]
    return None
