"""cpu-profile: the host CPU as a CPU target (`--cpu native` is //cpus:native).

Analysis reads /proc/cpuinfo and asks the compiler what `-march=native` means
(`clang -march=native -###`), then offers a CpuInfo like any `cpu` target: the resolved -march
(never the word "native", so that an action's key says which CPU it was built for), the CPUID
features of bfbuild's list that the host has, and a QEMU model. A build action writes all of it to
cpu_profile.json. AVX-512 is switched off (-mno-avx512f): the kernel enables x87, SSE and AVX
state only, so AVX-512 instructions would fault even on a CPU that has them.
"""
import json
import re
import subprocess

from bfbuild.api import hookimpl
from bfbuild.api import DefaultInfo
from bfbuild_unikernel.providers import CpuInfo
from bfbuild.api import Rule
from bfbuild.api import Attr

# /proc/cpuinfo flag -> the feature names the kernel's CPU gate knows (bf/cpu_features.h).
PROC_FLAGS = {"cmov": "cmov", "mmx": "mmx", "sse": "sse", "sse2": "sse2", "pni": "sse3",
              "ssse3": "ssse3", "sse4_1": "sse4.1", "sse4_2": "sse4.2", "popcnt": "popcnt",
              "avx": "avx", "avx2": "avx2", "fma": "fma", "bmi1": "bmi1", "bmi2": "bmi2",
              "f16c": "f16c", "movbe": "movbe"}
FEATURE_ORDER = list(PROC_FLAGS.values())

ATTRS = {
    "qemu_cpu": Attr("string", default="max", doc="QEMU -cpu model for boot tests"),
    "cpuinfo": Attr("string", default="/proc/cpuinfo", doc="where to read the host's CPU facts"),
}


def read_cpuinfo(path: str) -> dict:
    """Model, flags and cache size of the first processor listed."""
    facts = {"model": "unknown", "flags": [], "cache": None}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return facts
    first = text.split("\n\n", 1)[0]
    for line in first.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model name":
            facts["model"] = value
        elif key == "flags":
            facts["flags"] = value.split()
        elif key == "cache size":
            facts["cache"] = value
    return facts


def compiler_native(cc, target_flags=("--target=i686-unknown-none-elf",)) -> dict:
    """What -march=native resolves to: the target CPU and its +/- target features.
    `cc` is the compiler's argv ([path] or [zig, cc])."""
    cc = [cc] if isinstance(cc, str) else list(cc)
    proc = subprocess.run([*cc, *target_flags, "-march=native", "-###", "-c",
                           "-x", "c", "/dev/null"], capture_output=True, text=True)
    text = proc.stderr + proc.stdout
    cpu = re.search(r'"-target-cpu" "([^"]+)"', text)
    features = re.findall(r'"-target-feature" "([+-][^"]+)"', text)
    return {"target_cpu": cpu.group(1) if cpu else None,
            "target_features": sorted(f[1:] for f in features if f.startswith("+"))}


def write_profile(inputs, outputs, params):
    """Python step: the detected facts as cpu_profile.json."""
    with open(outputs[0], "w", encoding="utf-8") as handle:
        json.dump(params["profile"], handle, indent=1, sort_keys=True)


def analyse(ctx):
    cc = ctx.tool("cc")
    host = read_cpuinfo(ctx.attr["cpuinfo"])
    native = compiler_native(cc.argv, ctx.toolchain_cflags())
    if not native["target_cpu"]:
        raise ctx.fail(f"{' '.join(cc.argv)} did not say what -march=native means on this machine")
    features = [PROC_FLAGS[f] for f in host["flags"] if f in PROC_FLAGS]
    features = sorted(set(features), key=FEATURE_ORDER.index)
    cflags = (f"-march={native['target_cpu']}", "-mno-avx512f")
    profile = {"tag": ctx.label.name, "model": host["model"], "cache": host["cache"],
               "flags": host["flags"], "features": features, "cflags": list(cflags),
               "qemu_cpu": ctx.attr["qemu_cpu"], **native}
    out = ctx.output("cpu_profile.json")
    ctx.python_action("CPUPROFILE", "bfbuild_unikernel.rules.cpu_profile:write_profile",
                      {"profile": profile}, inputs=[], outputs=[out], tools=[cc])
    return [DefaultInfo((out,)),
            CpuInfo(tag=ctx.label.name, cflags=cflags, required_features=tuple(features),
                    qemu_cpu=ctx.attr["qemu_cpu"])]


@hookimpl
def bfbuild_register_rules():
    return [Rule("cpu-profile", ATTRS, analyse, axes=frozenset({"toolchain"}), doc=__doc__)]
