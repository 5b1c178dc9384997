"""pgo-profile: record an image's profiles under QEMU with -icount shift=0,sleep=off.

Under icount rdtsc counts guest instructions (not cycles), and the kernel times module calls and
the inference with interrupts off, so two runs give the same numbers: the profiles are
deterministic build outputs, and `bfbuild pgo` checks them in under profiles/.

- profile.json: the kernel's JSON profile of the `off` image (plain code: what the classification
  of the `on` configuration must see; counters would inflate the numbers);
- ir/<module>.profdata (when the image's registry asks for IR PGO): the `instrument` image is
  booted too, each module's counters are read from the memory dump it prints, written as a
  .profraw from the module's ELF (bfbuild/llvm_profraw.py) and merged by llvm-profdata.
"""
import json
import shutil
import tempfile

from bfbuild_unikernel.axes import cpu_of
from bfbuild.api import Attr, DefaultInfo, hookimpl, reachable, Rule, StepError
from bfbuild_unikernel.pgo.profile import ProfileError, extract_profile, validate_profile
from bfbuild_unikernel.providers import ImageInfo, RegistryInfo
from bfbuild_unikernel.qemu.boot import boot, qemu_argv

ICOUNT = ["-icount", "shift=0,sleep=off"]

ATTRS = {
    "image": Attr("label", required=True, doc="the image whose profile to record"),
    "timeout": Attr("int", default=300, doc="seconds before a profiling boot counts as hung"),
    "memory": Attr("string", default="auto", doc="guest memory (QEMU -m); auto: sized from "
                                                    "the data disk (qemu/memory.py)"),
}


class ProfileInfo:
    """The recorded profiles of an image: the JSON profile and {module: .profdata}."""

    def __init__(self, profile: str, ir_profiles: dict):
        self.profile, self.ir_profiles = profile, ir_profiles


def _boot(argv, timeout, what):
    result = boot(argv, timeout)
    if not result.success:
        tail = "\n".join("    | " + line for line in result.lines[-15:])
        raise StepError(f"profiling boot of {what} failed: {result.describe()}\n{tail}")
    return result.lines


def record_profile(inputs, outputs, params):
    """Python step: boot under icount, validate the profile, write it (sorted keys, stable)."""
    lines = _boot(params["argv"], params["timeout"], params["image"])
    try:
        profile = extract_profile(lines)
    except ProfileError as exc:
        raise StepError(f"profiling boot of {params['image']}: {exc}") from None
    problems = validate_profile(profile)
    if problems:
        raise StepError(f"profile of {params['image']} is invalid: {'; '.join(problems)}")
    # The timestamp is when the profile was printed: it depends on how long the disk took, says
    # nothing about the modules, and would make every refresh differ, so it is zeroed.
    profile["timestamp_cycles"] = 0
    with open(outputs[0], "w", encoding="utf-8") as handle:
        json.dump(profile, handle, indent=1, sort_keys=True)
        handle.write("\n")
    note = f"profile: {profile['num_modules']} entries, {profile['total_calls']} calls (instructions, under icount)"
    if params.get("instrumented_argv"):
        from bfbuild_unikernel.pgo.llvm_profraw import ProfrawError, profdata_from_serial

        lines = _boot(params["instrumented_argv"], params["timeout"], params["image"] + " (instrumented)")
        with tempfile.TemporaryDirectory() as scratch:
            try:
                made = profdata_from_serial(lines, params["elfs"], scratch, params["profdata_tool"])
            except ProfrawError as exc:
                raise StepError(f"clang profiles of {params['image']}: {exc}") from None
            for name, out in zip(params["modules"], outputs[1:]):
                if name not in made:
                    raise StepError(f"module {name} printed no counters in the instrumented boot")
                shutil.copyfile(made[name], out)
        note += f"; clang profiles of {len(params['modules'])} modules"
    return note


def analyse(ctx):
    plain = ctx.dep_in(ctx.attr["image"], pgo="off")
    image = plain.get(ImageInfo)
    if image is None:
        raise ctx.fail("'image' must be an image target")
    qemu = ctx.host_tool(image.qemu_system)
    cpu_model = cpu_of(ctx).qemu_cpu

    def argv_of(info):
        return qemu_argv(qemu.path, info.image, cpu_model, ctx.attr["memory"], ICOUNT,
                         data_disk=info.data_disk)

    out = ctx.output("profile.json")
    inputs = [image.image] + ([image.data_disk] if image.data_disk else [])
    params = {"argv": argv_of(image), "timeout": ctx.attr["timeout"], "image": str(ctx.attr["image"])}
    outputs, ir_profiles, tools = [out], {}, [qemu]
    instrumented = ctx.dep_in(ctx.attr["image"], pgo="instrument")
    registry = next((n.get(RegistryInfo) for n in reachable([instrumented])
                     if n.get(RegistryInfo) and n.get(RegistryInfo).instrumented), None)
    if registry is not None:
        info = instrumented.get(ImageInfo)
        profdata = ctx.tool("profdata")
        names = [m.name for m in registry.modules]
        ir_profiles = {name: ctx.output(f"ir/{name}.profdata") for name in names}
        outputs += list(ir_profiles.values())
        inputs += [info.image] + ([info.data_disk] if info.data_disk else [])
        inputs += [m.elf for m in registry.modules]
        tools.append(profdata)
        params.update({"instrumented_argv": argv_of(info), "modules": names,
                       "elfs": {m.name: m.elf for m in registry.modules},
                       "profdata_tool": profdata.path})
    ctx.python_action("PGOPROFILE", "bfbuild_unikernel.pgo.profile_rule:record_profile", params,
                      inputs=inputs, outputs=outputs, tools=tools)
    return [DefaultInfo(tuple(outputs)), ProfileInfo(out, ir_profiles)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("pgo-profile", ATTRS, analyse, axes=frozenset({"cpu", "toolchain"}), doc=__doc__)]
