"""pgo-profile: boot an image's `instrument` configuration under QEMU with
-icount shift=0,sleep=off and keep the JSON profile the kernel prints. Under icount rdtsc counts
guest instructions (not cycles), and the kernel times module calls with interrupts off, so two
runs give the same numbers: the profile is a deterministic build output, and `bfbuild pgo`
copies it to profiles/ where the pgo=on configuration reads it.
"""
import json

from bfbuild import hookimpl
from bfbuild.engine.steps import StepError
from bfbuild.profile import ProfileError, extract_profile, validate_profile
from bfbuild.providers import DefaultInfo, ImageInfo
from bfbuild.qemu import boot, qemu_argv
from bfbuild.rules import Rule
from bfbuild.schema import Attr

ICOUNT = ["-icount", "shift=0,sleep=off"]

ATTRS = {
    "image": Attr("label", required=True, doc="the image whose profile to record"),
    "timeout": Attr("int", default=300, doc="seconds before the profiling boot counts as hung"),
    "memory": Attr("string", default="64M", doc="guest memory (QEMU -m)"),
}


class ProfileInfo:
    """The recorded profile of an image (a JSON file)."""

    def __init__(self, profile: str, image: str):
        self.profile, self.image = profile, image


def record_profile(inputs, outputs, params):
    """Python step: boot under icount, validate the profile, write it (sorted keys, stable)."""
    result = boot(params["argv"], params["timeout"])
    if not result.success:
        tail = "\n".join("    | " + line for line in result.lines[-15:])
        raise StepError(f"profiling boot of {params['image']} failed: {result.describe()}\n{tail}")
    try:
        profile = extract_profile(result.lines)
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
    return f"profile: {profile['num_modules']} modules, {profile['total_calls']} calls (instructions, under icount)"


def analyse(ctx):
    image_target = ctx.dep_in(ctx.attr["image"], pgo="instrument")
    image = image_target.get(ImageInfo)
    if image is None:
        raise ctx.fail("'image' must be an image target")
    qemu = ctx.host_tool(image.qemu_system)
    argv = qemu_argv(qemu.path, image.image, ctx.cpu().qemu_cpu, ctx.attr["memory"], ICOUNT,
                     data_disk=image.data_disk)
    out = ctx.output("profile.json")
    inputs = [image.image] + ([image.data_disk] if image.data_disk else [])
    ctx.python_action("PGOPROFILE", "bfbuild_plugins.pgo_profile:record_profile",
                      {"argv": argv, "timeout": ctx.attr["timeout"], "image": str(ctx.attr["image"])},
                      inputs=inputs, outputs=[out], tools=[qemu])
    return [DefaultInfo((out,)), ProfileInfo(out, image.image)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("pgo-profile", ATTRS, analyse, axes=frozenset({"cpu"}), doc=__doc__)]
