"""PGO as configurations: the profile is recorded under icount, classified, checked in, and the
optimised image is compared with the baseline."""
import json
import re

import pytest

from bfbuild_unikernel.pgo.profile import extract_profile
from bfbuild_unikernel.qemu.boot import boot, qemu_argv

from tests.integration.conftest import registry_modules

pytestmark = pytest.mark.slow


def test_pgo_from_a_clean_checkout_reports_a_speedup_then_compiles_nothing(workspace):
    first = workspace.bfbuild("pgo", "//images:tinyllama", check=0)
    # Recorded profiles go to bfout/pgo/profiles/ (profiles/ only with --update-profiles).
    assert ("profiles bfout/pgo/profiles/tinyllama-i686.json and "
            "bfout/pgo/profiles/tinyllama-i686/") in first.stdout
    count = len(registry_modules())
    geomean = re.search(rf"Geometric mean speed-up over {count} modules: \*\*([0-9.]+)\*\*", first.stdout)
    assert geomean and float(geomean[1]) > 1.0, first.stdout[-3000:]
    report = json.loads(workspace.path("bfout/pgo/tinyllama-i686.json").read_text())
    assert len(report["modules"]) == count
    raised = [r for r in report["modules"] if r["level_after"] != r["level_before"]]
    assert raised and all(r["hash_after"] != r["hash_before"] or r["text_after"] == r["text_before"]
                          for r in raised)
    assert any(r["hash_after"] != r["hash_before"] for r in raised)  # variants really differ
    plan = json.loads(workspace.path(
        "bfout/i686-on-clang/apps/tinyllama/registry/pgo_plan.json").read_text())
    assert plan["thresholds"] == {"t_calls": 10, "t_cycles": 1000000}
    second = workspace.bfbuild("pgo", "//images:tinyllama", check=0)
    assert "bfout/pgo/profiles/tinyllama-i686/ unchanged" in second.stdout
    assert "bfbuild pgo: 0 compiler invocation(s)" in second.stdout


def test_update_profiles_writes_the_recorded_profiles_into_profiles(workspace):
    checked_in = workspace.path("profiles/tinyllama-i686.json")
    checked_in.write_text(checked_in.read_text().replace('"calls": ', '"calls": 1', 1))
    proc = workspace.bfbuild("pgo", "//images:tinyllama", "--update-profiles", check=0)
    assert "the recorded profile differs from profiles/tinyllama-i686.json:" in proc.stdout
    assert "profiles profiles/tinyllama-i686.json and profiles/tinyllama-i686/ refreshed" in proc.stdout
    recorded = list(workspace.root.glob("bfout/*/images/tinyllama_profile/profile.json"))
    assert len(recorded) == 1 and checked_in.read_bytes() == recorded[0].read_bytes()


def test_two_profiling_boots_give_identical_instruction_counts(workspace):
    workspace.bfbuild("build", "//images:tinyllama", "--pgo", "instrument", check=0)
    image = str(workspace.path("bfout/i686-instrument-clang/images/tinyllama/tinyllama.img"))
    disk = str(workspace.path("bfout/i686-instrument-clang/apps/tinyllama/data_disk/data_disk.img"))
    argv = qemu_argv("qemu-system-i386", image, "qemu32", extra=["-icount", "shift=0,sleep=off"],
                     data_disk=disk)
    runs = [extract_profile(boot(argv, 120).lines)["modules"] for _ in range(2)]
    assert len(runs[0]) >= len(registry_modules()) and runs[0] == runs[1]


def test_a_changed_profile_rebuilds_exactly_the_modules_whose_level_changed(workspace):
    workspace.bfbuild("pgo", "//images:tinyllama", check=0)
    profile_path = workspace.path("profiles/tinyllama-i686.json")
    profile = json.loads(profile_path.read_text())
    plan = json.loads(workspace.path(
        "bfout/i686-on-clang/apps/tinyllama/registry/pgo_plan.json").read_text())["levels"]
    fft = next(m for m in profile["modules"] if m["name"] == "fft_1d")
    assert plan["fft_1d"] != "O3"
    fft["calls"] = 5000  # now far above 10 x t_calls: O3
    fft["total_cycles"] = fft["min_cycles"] * 5000
    fft["max_cycles"] = fft["min_cycles"]
    profile["total_calls"] = sum(m["calls"] for m in profile["modules"])
    profile_path.write_text(json.dumps(profile, indent=1))
    workspace.bfbuild("build", "//images:tinyllama", "--pgo", "on", check=0)
    compiled = [r["owner"] for r in workspace.executed() if r["mnemonic"] == "CC" and not r.get("cache")]
    assert compiled[0] == "//modules/fft_1d:fft_1d" and len(compiled) == 2  # fft_1d, then registry.c
    assert compiled[1] == "//apps/tinyllama:main"
