"""What `bfbuild profile` writes: folded stacks (`a;b;c N`, Brendan Gregg's format, which
flamegraph.pl, inferno and speedscope read), a speedscope JSON file, and the top-functions table."""
from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List, Sequence, Tuple

Stack = Tuple[str, ...]
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def fold(stacks: Sequence[Stack]) -> Dict[Stack, int]:
    """Samples per distinct stack, sorted by stack (the order is part of the output)."""
    return dict(sorted(Counter(stacks).items()))


def folded_text(folded: Dict[Stack, int]) -> str:
    # ';' separates frames and ' ' ends the stack in this format: neither may occur in a name.
    return "".join(";".join(f.replace(";", ":").replace(" ", "_") for f in stack) + f" {count}\n"
                   for stack, count in folded.items())


def speedscope(stacks: Sequence[Stack], name: str, hz: int) -> dict:
    """A "sampled" speedscope profile: every sample in the order taken, weight 1."""
    frames: Dict[str, int] = {}
    samples: List[List[int]] = []
    for stack in stacks:
        samples.append([frames.setdefault(frame, len(frames)) for frame in stack])
    return {
        "$schema": SPEEDSCOPE_SCHEMA,
        "name": name,
        "exporter": "bfbuild profile",
        "activeProfileIndex": 0,
        "shared": {"frames": [{"name": frame} for frame in frames]},
        "profiles": [{
            "type": "sampled", "name": f"{name} ({hz} Hz timer samples under icount)",
            "unit": "none", "startValue": 0, "endValue": len(samples),
            "samples": samples, "weights": [1] * len(samples)}],
    }


def write_speedscope(path, document: dict) -> None:
    with open(path, "w") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")


def top_functions(folded: Dict[Stack, int], limit: int = 15) -> List[Tuple[str, int, int]]:
    """(function, self samples, total samples): self counts a sample for its leaf, total for
    every function on its stack (once, however often it recurs)."""
    own: Counter = Counter()
    total: Counter = Counter()
    for stack, count in folded.items():
        own[stack[-1]] += count
        for frame in set(stack):
            total[frame] += count
    ranked = sorted(own, key=lambda f: (-own[f], -total[f], f))[:limit]
    return [(f, own[f], total[f]) for f in ranked]


def table(folded: Dict[Stack, int], limit: int = 15) -> str:
    samples = sum(folded.values()) or 1
    rows = top_functions(folded, limit)
    width = max([len("function")] + [len(f) for f, _, _ in rows])
    lines = [f"{'function':<{width}}  {'self':>6}  {'self%':>6}  {'total':>6}  {'total%':>6}",
             f"{'-' * width}  {'-' * 6}  {'-' * 6}  {'-' * 6}  {'-' * 6}"]
    for function, own, total in rows:
        lines.append(f"{function:<{width}}  {own:>6}  {100 * own / samples:>5.1f}%  "
                     f"{total:>6}  {100 * total / samples:>5.1f}%")
    return "\n".join(lines)


def share_under(folded: Dict[Stack, int], phase: str, prefix: str) -> Tuple[int, int]:
    """Of the samples with `phase` on their stack, how many also have a frame starting with
    `prefix` (e.g. the inference's matmul): (those, all of the phase)."""
    within = sum(c for s, c in folded.items() if phase in s)
    hits = sum(c for s, c in folded.items() if phase in s and any(f.startswith(prefix) for f in s))
    return hits, within
