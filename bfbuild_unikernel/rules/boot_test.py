"""boot-test: boot an image in QEMU and check what the kernel printed on the serial port.

The test passes when QEMU exits with the kernel's success status (never 0, which a triple fault
also gives), every `expect` pattern matched a serial line in order, and no `forbid` pattern did.
Its result file is written only on a pass, so an unchanged, passing test is not booted again.
"""
import json
import os
import re

from bfbuild_unikernel.axes import cpu_of
from bfbuild.api import (Attr, DefaultInfo, hookimpl, OUTPUT_DIR, Rule, StepError, TestInfo,
                         write_test_result)
from bfbuild_unikernel.pgo.profile import ProfileError, extract_profile, validate_profile
from bfbuild_unikernel.providers import ImageInfo, RegistryInfo
from bfbuild_unikernel.qemu.boot import boot, qemu_argv
from bfbuild_unikernel.qemu.smp import smp_args
from bfbuild_unikernel.qemu.results import check_results_at, check_serial_at, failure_report
from bfbuild_unikernel.state import disk as state_disk, options as state_options

TESTLOG_DIR = f"{OUTPUT_DIR}/testlogs"

ATTRS = {
    "image": Attr("label", required=True, doc="the image target to boot"),
    "expect": Attr("string_list", doc="regular expressions that must match serial lines, in this order"),
    "forbid": Attr("string_list", doc="regular expressions no serial line may match"),
    "timeout": Attr("int", default=60, doc="seconds before the boot counts as hung"),
    "memory": Attr("string", default="auto", doc="guest memory (QEMU -m); auto: sized from "
                                                    "the data disk (qemu/memory.py)"),
    "qemu_cpu": Attr("string", doc="QEMU -cpu model; default: the configuration's CPU target's"),
    "qemu_args": Attr("string_list", doc="extra QEMU arguments"),
    "data_disk": Attr("bool", default=True, doc="attach the image's data disk, if it has one"),
    "registry": Attr("label", doc="module-registry target: every module's RESULT line must match "
                                  "the host's expected value"),
    "profile": Attr("bool", default=False, doc="the serial output must hold a valid JSON profile "
                                               "listing every module of 'registry' with calls > 0"),
}


def check_serial(lines, expect, forbid):
    """The list of problems with a serial log: missing expectations (in order), forbidden lines."""
    return check_serial_at(lines, expect, forbid)[0]


def run_boot_test(inputs, outputs, params):
    """Python step: boot, keep the serial log, write the result only if the test passed."""
    with state_disk.for_boot(params.get("state")) as state_note:
        result = boot(params["argv"], params["timeout"])
    problems, focus = check_serial_at(result.lines, params["expect"], params["forbid"])
    expected = {}
    if params["expected"]:
        with open(params["expected"], encoding="utf-8") as handle:
            expected = json.load(handle)["modules"]
        found, failing = check_results_at(result.lines, expected)
        problems += found
        focus += failing
    if params["profile"]:
        try:
            problems += validate_profile(extract_profile(result.lines), list(expected) or None)
        except ProfileError as exc:
            problems.append(str(exc))
    log = params["log"]
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        handle.write("\n".join(result.lines) + "\n")
    if problems or not result.success:
        raise StepError(failure_report(params["label"], result, problems, focus, log))
    write_test_result(outputs[0], inputs, label=params["label"], status=result.status,
                      seconds=result.seconds, lines=len(result.lines))
    return f"{state_note}\n" * bool(state_note) + \
        f"PASSED {params['label']}: {result.describe()}, {len(result.lines)} serial lines, " \
        f"{result.seconds:.1f}s (log: {log})"


def analyse(ctx):
    for attr in ("expect", "forbid"):
        for pattern in ctx.attr[attr]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ctx.fail(f"'{attr}' pattern {pattern!r} is not a valid regular expression: {exc}")
    image = ctx.dep(ctx.attr["image"]).get(ImageInfo)
    if image is None:
        raise ctx.fail("'image' must be an image target")
    qemu = ctx.host_tool(image.qemu_system)
    data_disk = image.data_disk if ctx.attr["data_disk"] else None
    extra = [*smp_args(image.processors, ctx.attr["qemu_args"]), *ctx.attr["qemu_args"]]
    argv = qemu_argv(qemu.path, image.image, ctx.attr["qemu_cpu"] or cpu_of(ctx).qemu_cpu, ctx.attr["memory"],
                     extra, data_disk=data_disk)
    inputs, expected = [image.image], None
    if ctx.attr["registry"] is not None:
        registry = ctx.dep(ctx.attr["registry"]).get(RegistryInfo)
        if registry is None:
            raise ctx.fail("'registry' must be a module-registry target")
        expected = registry.expected
        inputs.append(expected)
    elif ctx.attr["profile"]:
        raise ctx.fail("'profile: true' needs 'registry' to know which modules to expect")
    result = ctx.output("result.json")
    log = "/".join(p for p in (TESTLOG_DIR, ctx.config.name, ctx.label.package,
                               ctx.label.name + ".log") if p)
    params = {"argv": argv, "timeout": ctx.attr["timeout"], "expect": ctx.attr["expect"],
              "forbid": ctx.attr["forbid"], "log": log, "label": str(ctx.label),
              "profile": ctx.attr["profile"], "expected": expected}
    if data_disk:
        inputs.append(data_disk)
        state = state_options.for_boot_test(image)  # --state: the disk in bfout/state/ instead
        if state:
            params.update(state=state, argv=state_disk.with_state_disk(argv, state["disk"]))
    ctx.python_action("TEST", "bfbuild_unikernel.rules.boot_test:run_boot_test", params, inputs=inputs,
                      outputs=[result], tools=[qemu])
    return [DefaultInfo((result,)), TestInfo(result=result, log=log, image=image.image)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("boot-test", ATTRS, analyse, axes=frozenset({"cpu"}), doc=__doc__, test=True)]
