"""`bfbuild profile IMAGE [--cpu C] [--hz N] [-o DIR]`: where the time goes, as a picture.

Builds the image's sampling variant (IMAGE_sampling, which links //kernel:sampling), boots it
under `-icount shift=0,sleep=off` (so a run repeats exactly: the timer ticks every 1e9/hz guest
instructions), reads the samples it prints at exit, names them from the kernel's and the
modules' ELF files, and writes folded stacks, a speedscope file and an SVG flame graph
(docs/profiling.md); prints the top functions.
"""
from __future__ import annotations

from pathlib import Path

from bfbuild.api import EXIT_FAILED, EXIT_OK, OUTPUT_DIR, BfError, Command, Label, reachable
from bfbuild_unikernel.providers import ModuleInfo, RegistryInfo
from bfbuild_unikernel.qemu import boot as qemu  # looked up at call time: tests replace it
from bfbuild_unikernel.qemu.launch import boot_plan
from bfbuild_unikernel.sampling import outputs
from bfbuild_unikernel.sampling.export import parse_samples
from bfbuild_unikernel.sampling.flame import flame_svg
from bfbuild_unikernel.sampling.symbols import Symbolizer

SUFFIX = "_sampling"
ICOUNT = ["-icount", "shift=0,sleep=off"]
FW_CFG_RATE = "opt/bareflow/sample_hz"  # BF_SAMPLER_FWCFG_FILE in bf/sampler.h


def _arguments(parser):
    parser.add_argument("label", metavar="IMAGE")
    parser.add_argument("--hz", type=int, default=None,
                        help="timer samples a second (19-1193182; default: BF_SAMPLE_HZ of "
                             "//kernel:sampling in kernel/BUILD.yaml)")
    parser.add_argument("-o", "--output", metavar="DIR", default=None,
                        help=f"where to write (default: {OUTPUT_DIR}/profile/<image>-<cpu>)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before QEMU is stopped")
    parser.add_argument("--top", type=int, default=15, help="rows of the top-functions table")


def sampling_variant(session, label: Label) -> Label:
    """IMAGE_sampling next to IMAGE (or IMAGE itself when it is the sampling variant)."""
    candidate = label if label.name.endswith(SUFFIX) else Label(label.package, label.name + SUFFIX)
    if candidate not in session.targets.targets:
        raise BfError(f"{label} has no sampling variant {candidate}",
                      hint=f"add an image target '{candidate.name}' whose kernel links "
                           f"//kernel:sampling (see //images:tinyllama_sampling)")
    return candidate


def module_elfs(session, configured) -> dict:
    """(module name, CPU tag) -> ELF path, for every module the image can load."""
    found = {}
    for node in reachable([configured]):
        infos = list(getattr(node.get(RegistryInfo), "modules", ()))
        infos += [node.get(ModuleInfo)] if node.get(ModuleInfo) else []
        for info in infos:
            found[(info.name, info.cpu_tag)] = str(session.root / info.elf)
    return found


def serial_to_file(argv, path: Path) -> list:
    """The serial port into a file rather than a pipe: a write to a file never blocks, so the
    guest never waits for the host to read (which would make runs differ under icount)."""
    argv = list(argv)
    at = argv.index("-serial")
    argv[at + 1] = f"file:{path}"
    return argv


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    labels = session.labels([options.label])
    if len(labels) != 1:
        raise BfError("profile takes one image target", hint="e.g. bfbuild profile //images:tinyllama")
    if options.hz is not None and not 19 <= options.hz <= 1193182:
        raise BfError(f"--hz {options.hz} is outside the PIT's range, 19 to 1193182")
    variant = sampling_variant(session, labels[0])
    status = EXIT_OK
    for config in invocation.configurations():
        status = max(status, _profile_one(invocation, variant, config))
    return status


def _profile_one(invocation, variant: Label, config) -> int:
    session, options = invocation.session, invocation.options
    analysis, result = invocation.build([variant], [config])
    if not result.ok:
        return EXIT_FAILED
    configured = analysis.top[0]
    extra = list(ICOUNT)
    if options.hz is not None:
        extra += ["-fw_cfg", f"name={FW_CFG_RATE},string={options.hz}"]
    plan = boot_plan(session, configured, config, extra=extra)
    name = variant.name[:-len(SUFFIX)] if variant.name.endswith(SUFFIX) else variant.name
    folder = Path(options.output) if options.output else \
        session.root / OUTPUT_DIR / "profile" / f"{name}-{config['cpu']}"
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "serial.log").resolve()
    log.unlink(missing_ok=True)
    print(f"bfbuild profile: booting {plan.image.image} under icount", flush=True)
    outcome = qemu.boot(serial_to_file(plan.argv, log), options.timeout)
    outcome.lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    if not outcome.success:
        print(f"bfbuild profile: {variant}: {outcome.describe()}; serial output in "
              f"{folder / 'serial.log'}")
    cpus = parse_samples(outcome.lines)
    symbolizer = Symbolizer(str(session.root / plan.image.kernel_elf), module_elfs(session, configured))
    stacks = []
    for cpu in cpus:
        prefix = (f"cpu{cpu.cpu}",) if len(cpus) > 1 else ()
        stacks += [prefix + symbolizer.stack(sample) for sample in cpu.samples]
    folded = outputs.fold(stacks)
    hz, dropped = cpus[0].hz, sum(cpu.dropped for cpu in cpus)
    title = f"{name} ({config['cpu']}): where the time goes"
    subtitle = (f"{len(stacks)} samples at {hz} Hz under QEMU -icount shift=0 "
                f"(one every ~{10**9 // max(hz, 1)} instructions), {dropped} dropped")
    paths = {"folded": folder / f"{name}.folded", "speedscope": folder / f"{name}.speedscope.json",
             "svg": folder / f"{name}.svg"}
    paths["folded"].write_text(outputs.folded_text(folded))
    outputs.write_speedscope(paths["speedscope"], outputs.speedscope(stacks, title, hz))
    paths["svg"].write_text(flame_svg(folded, title, subtitle))
    print(f"bfbuild profile: {subtitle}")
    if dropped:
        print(f"bfbuild profile: warning: {dropped} samples were dropped (the kernel's buffer was "
              f"full); lower --hz")
    print(outputs.table(folded, options.top))
    for kind, path in paths.items():
        print(f"bfbuild profile: {kind}: {path}")
    return EXIT_OK if outcome.success else EXIT_FAILED


COMMAND = Command("profile", "sample an image's call stacks under icount and draw a flame graph",
                  run, _arguments, builds=True, description=__doc__)
