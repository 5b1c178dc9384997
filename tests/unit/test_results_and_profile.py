"""Host-side checks of what the kernel prints: RESULT lines and the JSON profile."""
import json

import pytest

from bfbuild_unikernel.pgo.profile import ProfileError, extract_profile, validate_profile
from bfbuild_unikernel.qemu.results import check_results, compare, parse_results


def _module(name, calls=3, total=300, low=90, high=120, **extra):
    entry = {"name": name, "calls": calls, "total_cycles": total, "min_cycles": low,
             "max_cycles": high, "code_address": 0x200000, "code_size": 100, "opt_level": 2,
             "cpu_tag": "i686", "source": "embedded", "loaded": True}
    entry.update(extra)
    return entry


def _profile(*modules):
    return {"format_version": 1, "timestamp_cycles": 12345, "total_calls": sum(m["calls"] for m in modules),
            "num_modules": len(modules), "modules": list(modules)}


def _serial(profile):
    return ["noise", "--- BEGIN JSON ---", *json.dumps(profile, indent=1).splitlines(),
            "--- END JSON ---", "after"]


def test_a_valid_profile_round_trips_and_validates():
    profile = _profile(_module("sum"), _module("sha256", calls=1, total=50, low=50, high=50))
    parsed = extract_profile(_serial(profile))
    assert parsed == profile
    assert validate_profile(parsed, ["sum", "sha256"]) == []


def test_profile_problems_are_each_reported():
    broken = _profile(_module("sum", low=200, high=100), _module("fft_1d", calls=0, total=0, low=0, high=0))
    broken["total_calls"] += 1
    problems = validate_profile(broken, ["sum", "fft_1d", "primes"])
    assert "module sum: min <= max <= total does not hold" in problems
    assert "total_calls is not the sum of the modules' calls" in problems
    assert "module primes is missing from the profile" in problems
    assert "module fft_1d was never called" in problems


def test_profile_field_types_are_checked():
    profile = _profile(_module("sum"))
    profile["modules"][0]["calls"] = "3"
    assert any("field 'calls'" in p for p in validate_profile(profile))
    profile = _profile(_module("sum"))
    profile["format_version"] = 2
    assert validate_profile(profile) == ["format_version 2, expected 1"]


def test_missing_or_broken_json_is_a_profile_error():
    with pytest.raises(ProfileError, match="no profile"):
        extract_profile(["BareFlow", "tinyllama: ok"])
    with pytest.raises(ProfileError, match="not valid JSON"):
        extract_profile(["--- BEGIN JSON ---", "{\"format_version\": 1,", "--- END JSON ---"])


LINES = ["RESULT sum source=embedded opt=O2 cpu=i686 | sum=0x1234",
         "RESULT fft_1d source=disk opt=O3 cpu=i686 | 100 -200 300",
         "something else"]


def test_result_lines_are_parsed_with_their_metadata():
    results = parse_results(LINES)
    assert set(results) == {"sum", "fft_1d"}
    assert results["fft_1d"].text == "100 -200 300"
    assert results["fft_1d"].meta == {"source": "disk", "opt": "O3", "cpu": "i686"}


def test_results_are_compared_with_tolerance_on_integer_tokens_only():
    assert compare("100 -200 300", "101 -199 300", 1) == []
    assert compare("100 -200 300", "103 -200 300", 2) == [
        "value 0: expected 103, got 100 (off by 3, tolerance 2)"]
    assert compare("sum=0x1234", "sum=0x1235", 5) == ["value 0: expected 'sum=0x1235', got 'sum=0x1234'"]
    assert compare("1 2", "1 2 3", 0) == ["expected 3 values, got 2: expected '1 2 3', got '1 2'"]


def test_check_results_reports_a_missing_module_and_a_mismatch():
    expected = {"sum": {"expect": "sum=0x1234", "tolerance": 0},
                "fft_1d": {"expect": "100 -200 310", "tolerance": 5},
                "primes": {"expect": "count=25", "tolerance": 0}}
    problems = check_results(LINES, expected)
    assert problems == ["module fft_1d: value 2: expected 310, got 300 (off by 10, tolerance 5)",
                        "module primes: no RESULT line"]
