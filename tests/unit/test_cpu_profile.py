"""cpu-profile: reading the host's CPU facts and what -march=native means."""
import shutil

import pytest

from bfbuild_unikernel.rules.cpu_profile import compiler_native, read_cpuinfo

CPUINFO = """processor\t: 0
model name\t: Example CPU @ 3.00GHz
flags\t\t: fpu cmov mmx sse sse2 pni ssse3 sse4_1 sse4_2 popcnt avx avx2 fma avx512f
cache size\t: 8192 KB

processor\t: 1
model name\t: Another CPU
flags\t\t: fpu
"""


def test_cpuinfo_facts_come_from_the_first_processor(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    facts = read_cpuinfo(str(path))
    assert facts["model"] == "Example CPU @ 3.00GHz"
    assert facts["cache"] == "8192 KB"
    assert "avx512f" in facts["flags"] and "pni" in facts["flags"]


def test_a_missing_cpuinfo_gives_empty_facts(tmp_path):
    assert read_cpuinfo(str(tmp_path / "absent")) == {"model": "unknown", "flags": [], "cache": None}


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_native_resolves_to_a_named_cpu_and_its_features():
    native = compiler_native(shutil.which("clang"))
    assert native["target_cpu"] and native["target_cpu"] != "native"
    assert native["target_features"] and all(not f.startswith(("+", "-")) for f in native["target_features"])
