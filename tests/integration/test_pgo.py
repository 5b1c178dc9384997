"""PGO as configurations: the profile is recorded under icount, classified, checked in, and the
optimised image is compared with the baseline. And the online loop (docs/tiers.md): the adaptive
image promotes its hot code while it runs, rolls back the tiers a fault switch makes slower or
wrong, and starts the next boot from the tiers it learned. The first two tests share one
workspace: the adaptive image reuses what the PGO build made (runtime, inference, modules)."""
import json
import re

import pytest
import yaml

from bfbuild_unikernel.pgo.classify import plan, thresholds
from bfbuild_unikernel.pgo.learned import TIER_LEVELS
from bfbuild_unikernel.pgo.profile import extract_profile
from bfbuild_unikernel.pgo.tiers import decisions, decode_record, extract_tiers, hit_rate, per_token
from bfbuild_unikernel.qemu.boot import boot, qemu_argv

from tests.integration.conftest import REPO, copy_workspace, registry_modules

pytestmark = pytest.mark.slow

ADAPTIVE = "//images:tinyllama_adaptive"
ICOUNT = ["-icount", "shift=0,sleep=off"]
# fibonacci's O2 twice as slow, the matmul's, rmsnorm's O2 and attention's O3 wrong: all must be
# seen rolled back.
FAULTS = ("slow:fibonacci:O2+wrong:llama_matmul:O2+wrong:llama_rmsnorm:O2"
          "+wrong:llama_attention:O3")
KERNELS = {"llama_matmul", "llama_rmsnorm", "llama_softmax", "llama_rope", "llama_swiglu",
           "llama_attention"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return copy_workspace(tmp_path_factory.mktemp("pgo") / "ws")


def test_pgo_from_a_clean_checkout_measures_against_o2_then_compiles_nothing(shared):
    workspace = shared
    first = workspace.bfbuild("pgo", "//images:tinyllama", check=0)
    # Recorded profiles go to bfout/pgo/profiles/ (profiles/ only with --update-profiles).
    assert ("profiles bfout/pgo/profiles/tinyllama-i686.json and "
            "bfout/pgo/profiles/tinyllama-i686/") in first.stdout
    count = len(registry_modules())
    # Against O2 without a profile, built and booted in the same run; every slowdown flagged.
    geomean = re.search(rf"Geometric mean speed-up against O2 over {count} modules: "
                        r"\*\*([0-9.]+)\*\* \(off\), \*\*([0-9.]+)\*\* \(on\)", first.stdout)
    assert geomean and float(geomean[1]) < 1.0, first.stdout[-3000:]  # O1 is slower than O2
    report = json.loads(workspace.path("bfout/pgo/tinyllama-i686.json").read_text())
    assert report["baseline"] == "O2" and report["modes"][:3] == ["O2", "off", "on"]
    assert len(report["modules"]) == count
    for row in report["modules"]:
        assert row["slower_than_O2"] == [m for m in report["modes"][1:]
                                         if row["instructions"][m] > row["instructions"]["O2"]]
    assert any(r["hash"]["O2"] != r["hash"]["off"] for r in report["modules"])  # O2 really built
    assert all(r["hash"]["O2"] == r["hash"]["on"] for r in report["modules"] if r["level_on"] == "O2")
    raised = [r for r in report["modules"] if r["level_on"] != r["level_own"]]
    assert any(r["hash"]["on"] != r["hash"]["off"] for r in raised)  # variants really differ
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


def expected_tokens():
    """The line of greedy tokens of the default model, as //images:tinyllama_llama_test expects it."""
    tests = yaml.safe_load((REPO / "targets/images.yaml").read_text())
    pattern = next(p for p in tests["tinyllama_llama_test"]["expect"] if p.startswith("^LLAMA tokens"))
    return pattern[1:-1]


def run_adaptive(workspace, *qemu_args):
    proc = workspace.bfbuild("run", ADAPTIVE, "--state", "--", *ICOUNT, *qemu_args, check=0)
    return proc.stdout.splitlines()


def test_boot_one_promotes_and_rolls_back_boot_two_starts_at_the_learned_tiers(shared):
    first = run_adaptive(shared, "-fw_cfg", f"name=opt/bareflow/tier_fault,string={FAULTS}")
    made = decisions(first)
    assert ("fibonacci", "rolled back", "O2", "quick") in made, made
    for wrong in ("llama_matmul rolled back O2 -> quick", "llama_rmsnorm rolled back O2 -> quick",
                  "llama_attention rolled back O3 -> "):
        assert any(line.startswith(f"tier: {wrong}") and "(wrong result)" in line
                   for line in first), made
    promoted = {site for site, what, _, _ in made if what == "promoted"}
    assert "llama_matmul" in promoted and len(promoted) >= len(registry_modules()) // 2, made
    assert hit_rate(first) == 0.0  # a fresh state disk: nothing learned yet
    assert expected_tokens() in first  # the wrong tier's result never got out
    assert any(re.match(r"^state: TIERS saved to slot \d", line) for line in first), first[-20:]
    learned_in_boot_one = {name: site["settled"] for name, site in extract_tiers(first).items()}
    assert KERNELS <= set(learned_in_boot_one)  # every inference kernel behind a tier site

    second = run_adaptive(shared)
    sites = extract_tiers(second)
    assert {name: site["learned"] for name, site in sites.items()} == learned_in_boot_one
    assert hit_rate(second) >= 0.9, [line for line in second if line.startswith("tiers:")]
    assert not [d for d in decisions(second) if d[1] == "promoted"]  # nothing left to try
    # The rolled-back tiers stay rolled back, without the fault switch.
    rolled = {name: [t["tier"] for t in site["tiers"] if t["rolled_back"]] for name, site in sites.items()}
    assert "O2" in rolled["fibonacci"] and "O2" in rolled["llama_matmul"]
    assert learned_in_boot_one["llama_matmul"] == "model"
    assert per_token(second) < per_token(first)
    assert expected_tokens() in second
    # What the kernel saved reads back on the host as it printed it.
    shared.bfbuild("state", ADAPTIVE, "--record", "TIERS", "--out", "tiers.bin", check=0)
    record = decode_record(shared.path("tiers.bin").read_bytes())
    assert {name: site["settled"] for name, site in record.items()} == learned_in_boot_one
    assert record["fibonacci"]["tiers"]["O2"]["rolled_back"] and record["fibonacci"]["calls"] == 24
    # ... and becomes the offline build's profile: each module planned at its learned level.
    shared.bfbuild("pgo", ADAPTIVE, "--from-state", check=0)
    learned = json.loads(shared.path("bfout/pgo/learned/tinyllama-i686.json").read_text())
    planned = plan(learned, dict.fromkeys(registry_modules(), "O1"), thresholds(None))["levels"]
    assert planned == {name: TIER_LEVELS[learned_in_boot_one[name]] for name in registry_modules()}
