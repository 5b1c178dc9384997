"""The host side of the kernel's tiers: its table, hit rate and decisions are read back, and the
tier report compares every tier with O2 from the figures of the run alone."""
import json

import pytest

from bfbuild_unikernel.pgo import tier_report
from bfbuild_unikernel.pgo.tiers import (RECORD_HEADER, RECORD_MAGIC, RECORD_SITE, TiersError,
                                         decisions, decode_record, extract_tiers, hit_rate,
                                         per_call, per_token)


def site(name, settled, learned, costs, rolled=()):
    return {"site": name, "settled": settled, "learned": learned, "calls": 12,
            "tiers": [{"tier": t, "calls": 2, "cycles": 2 * c, "work": 2, "cost": c,
                       "rolled_back": t in rolled} for t, c in costs.items()]}


def serial(sites, extra=()):
    return [*extra, "tiers: 2 sites, hit rate 75.0% (3 of 4 hot calls served by a learned tier "
            "from their first call)", "--- BEGIN TIERS ---", "[",
            ",\n".join(json.dumps(s) for s in sites), "]", "--- END TIERS ---"]


def test_the_table_the_hit_rate_and_the_decisions_are_read_back():
    lines = serial([site("sum", "O3", "", {"quick": 10, "O2": 8, "O3": 8})],
                   ["tier: sum promoted quick -> O2, 10 -> 8 per call",
                    "tier: sum rolled back pgo -> O3 (slower), 8 -> 9 per call",
                    "LLAMA stats: 141 positions (4 prompt, 137 generated), 1150988 "
                    "instructions/position, matmul=sse2"])
    sites = extract_tiers(lines)
    assert list(sites) == ["sum"] and per_call(sites["sum"], "O2") == 8
    assert hit_rate(lines) == 0.75 and per_token(lines) == 1150988
    assert decisions(lines) == [("sum", "promoted", "quick", "O2"), ("sum", "rolled back", "pgo", "O3")]


def test_a_table_cut_short_is_refused():
    with pytest.raises(TiersError, match="no complete tier table"):
        extract_tiers(serial([site("sum", "O2", "", {"O2": 1})])[:-1])


def test_the_report_measures_against_o2_and_flags_slower_tiers():
    def boot(costs_a, costs_b, token, hit=None, tokens="LLAMA tokens: 1 2"):
        return {"sites": {"a": site("a", "O3", "O3", costs_a), "llama_matmul": site(
            "llama_matmul", "model", "model", costs_b), "llama_rmsnorm": site(
            "llama_rmsnorm", "O2", "O2", {"quick": 9, "O2": 9, "O3": 9, "model": 8})},
            "per_token": token, "hit_rate": hit, "decisions": [], "tokens": tokens}
    pinned = {t: boot({"quick": 120, "O2": 100, "O3": 80}, {"quick": 10, "O2": 9, "model": 5},
                      {"quick": 1300, "O2": 1200, "O3": 1100, "model": 900}[t],
                      tokens="LLAMA tokens: 1 3" if t == "O3" else "LLAMA tokens: 1 2")
              for t in ("quick", "O2", "O3", "model")}
    measured = {"pinned": pinned, "adaptive": [boot({"quick": 120, "O2": 100, "O3": 80},
                                                    {"quick": 10, "O2": 9, "model": 5}, 1150),
                                               boot({}, {}, 960, hit=0.99)]}
    report = tier_report.tabulate(measured, {"a": {"O2": "h1", "O3": "h2"}})
    row = next(r for r in report["sites"] if r["site"] == "a")
    assert row["slower_than_O2"] == ["quick"] and row["best"] == "O3"
    assert report["geomean_best_vs_O2"] == pytest.approx(100 / 80)  # the kernels' sites left out
    assert report["modules"] == 1 and report["llama"]["tokens_differ"] == ["O3"]
    llama = report["llama"]
    assert llama["best_fixed"] == "model" and llama["speedup_best_fixed"] == pytest.approx(1200 / 900)
    assert llama["speedup_boot2"] == pytest.approx(1200 / 960)
    text = tier_report.markdown({"image": "//images:x", "cpu": "i686", "baseline": "O2", **report})
    assert "120 **slower**" in text and "**1.250**" in text and "99.0%" in text
    assert "**DIFFER** from O2's in O3" in text


def test_the_saved_record_is_decoded_and_a_foreign_one_refused():
    def site_bytes(name, tiers, costs, rejected, settled, calls):
        names = b"".join(t.encode().ljust(8, b"\0") for t in tiers).ljust(48, b"\0")
        return RECORD_SITE.pack(name.encode(), names, *costs, rejected, settled, calls)
    payload = RECORD_HEADER.pack(RECORD_MAGIC, 1) + site_bytes(
        "sum", ["quick", "O2", "O3"], [10, 8, 9, 0, 0, 0], 0b100, 1, 24)
    assert decode_record(payload) == {"sum": {"settled": "O2", "calls": 24, "tiers": {
        "quick": {"cost": 10, "rolled_back": False}, "O2": {"cost": 8, "rolled_back": False},
        "O3": {"cost": 9, "rolled_back": True}}}}
    with pytest.raises(TiersError, match="not a TIERS record"):
        decode_record(payload[:-1])
