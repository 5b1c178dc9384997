"""cpu: a CPU definition, the target an axis value like --cpu i686 names (//cpus:i686)."""
from bfbuild.api import Attr, hookimpl, Rule
from bfbuild_unikernel.providers import CpuInfo

ATTRS = {
    "cflags": Attr("string_list", required=True, doc="compiler flags selecting the CPU, e.g. -march=i686"),
    "features": Attr("string_list", doc="CPUID features the kernel must find at boot"),
    "qemu_cpu": Attr("string", default="qemu32", doc="QEMU -cpu model that boot tests use"),
}


def analyse(ctx):
    return [CpuInfo(tag=ctx.label.name, cflags=tuple(ctx.attr["cflags"]),
                    required_features=tuple(ctx.attr["features"]), qemu_cpu=ctx.attr["qemu_cpu"])]


@hookimpl
def bfbuild_register_rules():
    return [Rule("cpu", ATTRS, analyse, doc=__doc__)]
