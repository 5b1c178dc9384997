"""clang: compile freestanding C sources for the configuration's CPU, one object per source.

Flags come from three places, in this order: the CPU target (-march, SIMD), the rule's fixed
freestanding flags, the target's `opt`, `copts` and `defines`. `$(cpu)` and `$(toolchain)` in a
define are replaced by the configuration's values. Header dependencies are read from the depfile
clang writes (-MD), so editing a header recompiles exactly the sources that include it.
"""
from dataclasses import dataclass
from typing import Tuple

from bfbuild_unikernel.axes import cpu_of
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule
from bfbuild_unikernel.providers import CcInfo, ObjectsInfo

OPT_LEVELS = ("O0", "O1", "O2", "O3", "Os", "Oz")  # a closed set: "-o3" can never slip through

# Freestanding 32-bit x86: no host libc (not even its headers: -nostdlibinc keeps only clang's own
# stdint.h/stdarg.h), no PIC, no stack protector (nothing sets up its canary). DWARF 4, because
# DWARF 5 stores each source file's MD5: a comment edit would change the object and defeat early
# cutoff. Debug paths are relative (-fdebug-compilation-dir=.), so objects do not depend on where
# the workspace is.
BASE_FLAGS = ("-m32", "-ffreestanding", "-fno-pic", "-fno-pie",
              "-fno-stack-protector", "-fno-builtin", "-nostdlib", "-nostdlibinc", "-fno-asynchronous-unwind-tables",
              "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-gdwarf-4",
              "-fdebug-compilation-dir=.")

# The attributes of every rule that compiles C (clang, embed-module).
COMPILE_ATTRS = {
    "srcs": Attr("source_list", doc=".c files to compile (none: a header-only target)"),
    "hdrs": Attr("source_list", doc="headers this target offers to its dependants"),
    "includes": Attr("string_list", doc="include folders (relative to the package) exported to dependants"),
    "deps": Attr("label_list", doc="clang or archive targets whose headers (and objects) are used"),
    "opt": Attr("string", default="O2", values=list(OPT_LEVELS),
                doc="optimisation level, passed as -O<level>"),
    "copts": Attr("string_list", doc="extra compiler flags"),
    "defines": Attr("string_dict", doc="-D NAME=VALUE; $(cpu), $(cpu_features) and $(toolchain) "
                                       "are substituted"),
}
ATTRS = {
    **COMPILE_ATTRS,
    "baseline": Attr("bool", default=False,
                     doc="compile for the baseline CPU whatever the configuration (code that runs "
                         "before the CPU check at boot); the target then ignores the cpu axis"),
}
# What `baseline: true` compiles for: no SIMD, so it runs on any x86 the kernel boots on.
BASELINE_CFLAGS = ("-march=i686", "-mno-sse", "-mno-mmx")


@dataclass(frozen=True)
class Compiled:
    objects: Tuple[str, ...]
    cc_info: CcInfo
    dep_objects: Tuple[str, ...]  # objects and archives of the deps, for a rule that links


def _substitute(text: str, ctx) -> str:
    if "$(cpu_features)" in text:
        text = text.replace("$(cpu_features)", " ".join(cpu_of(ctx).required_features))
    for axis in ("cpu", "toolchain"):
        if f"$({axis})" in text:
            if ctx.config.get(axis) is None:
                raise ctx.fail(f"$({axis}) is used in 'defines' but this target does not read the "
                               f"{axis} axis")
            text = text.replace(f"$({axis})", ctx.config[axis])
    return text


def compile_c(ctx, subdir: str = "", extra_flags=(), extra_inputs=()) -> Compiled:
    """Declare one CC action per source of ctx.attr['srcs'], with the COMPILE_ATTRS semantics.
    `extra_flags` and `extra_inputs` (a profile it reads) come from the calling rule."""
    cc = ctx.tool("cc")
    cpu_flags = BASELINE_CFLAGS if ctx.attr.get("baseline") else cpu_of(ctx).cflags
    package = ctx.label.package
    own_includes = tuple("/".join(p for p in (package, folder) if p) or "." for folder in ctx.attr["includes"])
    includes, headers, dep_objects = list(own_includes), list(ctx.files("hdrs")), []
    for dep in ctx.deps("deps"):
        info = dep.get(CcInfo)
        if info is None:
            raise ctx.fail(f"dependency {dep.label} provides no headers (CcInfo)",
                           hint="'deps' takes clang or archive targets")
        includes.extend(info.includes)
        headers.extend(info.headers)
        objects_info = dep.get(ObjectsInfo)
        if objects_info:
            dep_objects.extend(objects_info.objects)
    includes = list(dict.fromkeys(includes))
    flags = [*ctx.toolchain_cflags(), *cpu_flags, *BASE_FLAGS, f"-{ctx.attr['opt']}", *ctx.attr["copts"],
             *extra_flags]
    flags += [f"-I{folder}" for folder in includes]
    flags += [f"-D{name}={_substitute(value, ctx)}" for name, value in sorted(ctx.attr["defines"].items())]
    objects = []
    for src in ctx.files("srcs"):
        if not src.endswith(".c"):
            continue  # a generating target may also output headers or data
        stem = src[len(package) + 1:] if package and src.startswith(package + "/") else src.rsplit("/", 1)[-1]
        obj = ctx.output(subdir + stem.rsplit(".", 1)[0] + ".o")
        depfile = obj + ".d"
        argv = [*cc.argv, *flags, "-MD", "-MF", depfile, "-c", src, "-o", obj]
        ctx.action("CC", argv, inputs=[src, *headers, *extra_inputs], outputs=[obj, depfile], tools=[cc],
                   depfile=depfile, progress=src)
        objects.append(obj)
    return Compiled(tuple(objects), CcInfo(tuple(includes), tuple(dict.fromkeys(headers))),
                    tuple(dict.fromkeys(dep_objects)))


def analyse(ctx):
    compiled = compile_c(ctx)
    return [DefaultInfo(compiled.objects), ObjectsInfo(compiled.objects), compiled.cc_info]


@hookimpl
def bfbuild_register_rules():
    return [Rule("clang", ATTRS, analyse, axes=frozenset({"cpu", "toolchain"}), doc=__doc__,
                 axes_of=lambda attrs: frozenset({"toolchain"} if attrs["baseline"] else {"cpu", "toolchain"}))]
