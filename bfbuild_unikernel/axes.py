"""The unikernel wing's configuration axes and workspace settings.

- `cpu`: each value is a target of //cpus (compiler flags, the CPUID bits checked at boot, the
  QEMU model to test with); `cpu_of(ctx)` gives a rule its CpuInfo.
- `pgo`: off: each module at its own level; instrument: the image whose profile is recorded
  (modules with clang's counters when their registry asks for IR PGO); on: levels classified
  from the checked-in profile; ir: own levels, optimised with the checked-in clang profiles;
  O2: every module at O2 without a profile, the default a user would build, which `bfbuild pgo`
  measures the others against (docs/pgo.md).
- `pgo:` in BUILD.yaml holds the classification thresholds (bfbuild_unikernel.pgo.classify).
"""
from bfbuild.api import Axis, BfError, did_you_mean, hookimpl
from bfbuild_unikernel.providers import CpuInfo

CPU_PACKAGE = "cpus"
PGO_MODES = ("off", "instrument", "on", "ir", "O2")
PGO_SETTINGS = {"t_calls": 100, "t_cycles": 100000}
BUILD_FILE = "BUILD.yaml"


@hookimpl
def bfbuild_axes():
    return [Axis("cpu", default="i686", order=10, package=CPU_PACKAGE,
                 help="CPU target(s) from //cpus, comma separated (a matrix)"),
            Axis("pgo", default="off", order=20, choices=PGO_MODES,
                 help=f"PGO mode(s): {', '.join(PGO_MODES)}; comma separated")]


@hookimpl
def bfbuild_workspace_settings():
    return {"pgo": check_pgo_settings}


def check_pgo_settings(pgo, line) -> None:
    """`pgo:` holds the classification thresholds: positive integers."""
    if not isinstance(pgo, dict):
        raise BfError("'pgo' must be a mapping of thresholds", file=BUILD_FILE, line=line)
    for key, value in pgo.items():
        if key not in PGO_SETTINGS:
            hint = did_you_mean(str(key), PGO_SETTINGS) or f"known: {', '.join(PGO_SETTINGS)}"
            raise BfError(f"unknown pgo setting '{key}'", file=BUILD_FILE, line=pgo.line_of(key),
                          hint=hint)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise BfError(f"pgo setting '{key}' must be a positive integer", file=BUILD_FILE,
                          line=pgo.line_of(key))


def cpu_of(ctx) -> CpuInfo:
    """The CpuInfo of the configuration's CPU target (the rule must read the cpu axis)."""
    info = ctx.axis_target("cpu").get(CpuInfo)
    if info is None:
        raise ctx.fail(f"//{CPU_PACKAGE}:{ctx.config['cpu']} provides no CpuInfo "
                       f"(is its rule 'cpu'?)")
    return info


check_pgo_settings.json_schema = {
    "type": "object", "additionalProperties": False,
    "description": "PGO classification thresholds (bfbuild_unikernel.pgo.classify)",
    "properties": {key: {"type": "integer", "minimum": 1, "default": value}
                   for key, value in PGO_SETTINGS.items()}}
