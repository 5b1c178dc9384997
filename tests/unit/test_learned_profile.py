"""The online loop feeds the offline one: the tiers the kernel learned (its TIERS record) become
the profile of the offline PGO build, and a learned decision changes the level a module is built
at, whatever the thresholds say."""
import pytest

from bfbuild_unikernel.pgo.classify import plan
from bfbuild_unikernel.pgo.learned import learned_levels, merge_learned
from bfbuild_unikernel.pgo.profile import validate_profile
from bfbuild_unikernel.pgo.tiers import RECORD_HEADER, RECORD_MAGIC, RECORD_SITE, decode_record

LIMITS = {"t_calls": 10, "t_cycles": 1000000}


def record_bytes(*sites):
    def one(name, tiers, costs, rejected, settled, calls):
        names = b"".join(t.encode().ljust(8, b"\0") for t in tiers).ljust(48, b"\0")
        return RECORD_SITE.pack(name.encode(), names, *costs, rejected, settled, calls)
    return RECORD_HEADER.pack(RECORD_MAGIC, len(sites)) + b"".join(one(*s) for s in sites)


MODULE_TIERS = ["quick", "O2", "O3", "pgo"]
RECORD = decode_record(record_bytes(
    ("fibonacci", MODULE_TIERS, [900, 700, 0, 0, 0, 0], 0b0110, 0, 24),  # O2, O3 rolled back
    ("sum", MODULE_TIERS, [500, 400, 300, 350, 0, 0], 0, 2, 24),  # settled on O3
    ("strops", MODULE_TIERS, [800, 600, 650, 500, 0, 0], 0, 3, 24),  # the pgo tier: O3
    ("llama_matmul", ["quick", "O2", "O3", "model"], [120, 100, 110, 72, 0, 0], 0b100, 3, 900)))


def checked_in():
    """A profile whose thresholds make fibonacci O3 (hot) and leave sum at O1 (rarely called)."""
    modules = [{"name": name, "calls": calls, "total_cycles": calls * 1000, "min_cycles": 1000,
                "max_cycles": 1000, "code_address": 0, "code_size": 100, "opt_level": 1,
                "cpu_tag": "i686", "source": "disk", "loaded": True}
               for name, calls in (("fibonacci", 500), ("sum", 1))]
    return {"format_version": 1, "timestamp_cycles": 1, "total_calls": 501, "num_modules": 2,
            "modules": modules}


def test_the_learned_tiers_are_module_levels_and_the_inference_is_left_out():
    assert learned_levels(RECORD) == {"fibonacci": "O1", "sum": "O3", "strops": "O3"}


def test_a_learned_decision_changes_the_offline_plan():
    baselines = {"fibonacci": "O1", "sum": "O1", "strops": "O1"}
    before = plan(checked_in(), baselines, LIMITS)["levels"]
    assert before == {"fibonacci": "O3", "sum": "O1", "strops": "O1"}
    merged = merge_learned(checked_in(), RECORD)
    assert validate_profile(merged) == []
    # The runtime rolled fibonacci's O2 and O3 back and settled sum on O3: the plan follows it.
    assert plan(merged, baselines, LIMITS)["levels"] == {"fibonacci": "O1", "sum": "O3", "strops": "O3"}
    # A module the profile did not list comes with the record's calls and settled tier's cost.
    strops = next(m for m in merged["modules"] if m["name"] == "strops")
    assert (strops["calls"], strops["total_cycles"], strops["source"]) == (24, 24 * 500, "state")
    assert merged["total_calls"] == 501 + 24 and merged["num_modules"] == 3


def test_an_empty_profile_is_made_from_the_record_alone():
    merged = merge_learned(None, RECORD)
    assert validate_profile(merged) == [] and len(merged["modules"]) == 3


def test_a_learned_level_outside_o1_to_o3_is_refused():
    profile = checked_in()
    profile["modules"][0]["learned"] = "O7"
    assert validate_profile(profile) == ["module fibonacci: 'learned' must be one of O1, O2, O3"]


@pytest.mark.parametrize("learned, expected", [("O2", "O2"), ("O1", "O2")])
def test_a_learned_level_never_lowers_the_modules_own_level(learned, expected):
    profile = checked_in()
    profile["modules"][1]["learned"] = learned
    assert plan(profile, {"sum": "O2"}, LIMITS)["levels"] == {"sum": expected}
