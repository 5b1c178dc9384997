"""The host side of the kernel's tiers (docs/tiers.md): the table it prints at the end of a run,
its hit-rate line, and the instructions per token of its inference.

    tiers: 13 sites, hit rate 100.0% (3246 of 3246 hot calls served by a learned tier ...)
    --- BEGIN TIERS ---
    [ {"site": ..., "settled": ..., "learned": ..., "tiers": [{"tier": ..., "calls": ...,
       "cycles": ..., "work": ..., "cost": ..., "rolled_back": ...}, ...]}, ... ]
    --- END TIERS ---

and the record of learned tiers it saves on its state disk (decode_record).
"""
from __future__ import annotations

import json
import re
import struct
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


def tokens(lines: Sequence[str]) -> Optional[str]:
    """The inference's line of token ids (`LLAMA tokens: ...`), None without one."""
    for line in lines:
        if line.startswith("LLAMA tokens:"):
            return line.strip()
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


RECORD_MAGIC = 0x31544642  # "BFT1", kernel/runtime/tiers_record.c
RECORD_HEADER = struct.Struct("<II")
RECORD_SITE = struct.Struct("<20s48s6I3I")  # name, 6 tier names of 8, 6 costs, rejected, settled, calls


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", errors="replace")


def decode_record(payload: bytes) -> Dict[str, dict]:
    """The learned tiers the kernel saved (the TIERS record of its state disk, read with
    `bfbuild state IMAGE --record TIERS --out FILE`): {site: {settled, calls, tiers: {name:
    {cost, rolled_back}}}}; TiersError when it is not such a record."""
    if len(payload) < RECORD_HEADER.size:
        raise TiersError(f"a TIERS record is at least {RECORD_HEADER.size} bytes, not {len(payload)}")
    magic, count = RECORD_HEADER.unpack_from(payload)
    if magic != RECORD_MAGIC or len(payload) != RECORD_HEADER.size + count * RECORD_SITE.size:
        raise TiersError(f"not a TIERS record (magic {magic:#x}, {len(payload)} bytes for {count} sites)")
    sites = {}
    for index in range(count):
        name, names, *rest = RECORD_SITE.unpack_from(payload, RECORD_HEADER.size + index * RECORD_SITE.size)
        costs, (rejected, settled, calls) = rest[:6], rest[6:]
        tiers = [_text(names[8 * t:8 * t + 8]) for t in range(6)]
        sites[_text(name)] = {
            "settled": tiers[settled] if settled < 6 else "", "calls": calls,
            "tiers": {tier: {"cost": costs[t], "rolled_back": bool(rejected >> t & 1)}
                      for t, tier in enumerate(tiers) if tier}}
    return sites
