"""`bfbuild state IMAGE... [--record NAME --out FILE]`: what the kernel saved on an image's state
disk (docs/state.md): each record's slot, sequence number and size, whether the volume is
consistent, and a record's payload written to a file."""
from pathlib import Path
from typing import List, Tuple

from bfbuild.api import EXIT_FAILED, EXIT_OK, BfError, Command
from bfbuild_unikernel.providers import ImageInfo
from bfbuild_unikernel.state.disk import source_digest, state_disk_path
from bfbuild_unikernel.state.fat16 import Fat16, FatError
from bfbuild_unikernel.state.slots import RecordError, canonical, read_record, record_names


def _arguments(parser):
    parser.add_argument("patterns", nargs="+", metavar="TARGET")
    parser.add_argument("--record", metavar="NAME", help="the record to write out with --out")
    parser.add_argument("--out", metavar="FILE", help="write the record's payload to FILE")


def describe(root: Path, state: str) -> Tuple[List[str], Fat16]:
    """The lines that describe a state disk, and its volume."""
    path = Path(root) / state
    if not path.exists():
        raise BfError(f"no state disk {state} yet",
                      hint="`bfbuild run --state TARGET` (or `bfbuild test --state`) makes it")
    try:
        volume = Fat16.open(path)
    except FatError as exc:
        raise BfError(f"{state} is not a FAT16 volume: {exc}", hint="--reset-state remakes it")
    digest = source_digest(path)
    lines = [f"state disk {state}" + (f" (from a data disk with sha256 {digest[:12]})" if digest else "")]
    problems = volume.check()
    lines.append("  volume: " + ("consistent" if not problems else "; ".join(problems)))
    names = record_names(volume)
    for name in names:
        try:
            record = read_record(volume, name)
            others = "; ".join(s.describe() for s in record.slots if s.index != record.slot)
            lines.append(f"  {name:8} slot {record.slot}, sequence {record.sequence}, "
                         f"{len(record.payload)} bytes ({others})")
        except RecordError as exc:
            lines.append(f"  {name:8} {exc}")
    if not names:
        lines.append("  no records")
    return lines, volume


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    if bool(options.record) != bool(options.out):
        raise BfError("--record and --out go together", hint="--record TIERS --out tiers.bin")
    try:
        options.record and canonical(options.record)
    except RecordError as exc:
        raise BfError(str(exc), hint="--record names a record as the kernel saved it: TIERS") from None
    analysis = session.analyse(session.labels(options.patterns), invocation.configurations())
    images = [ct.get(ImageInfo) for ct in analysis.top if ct.get(ImageInfo)]
    if not images or (options.record and len(images) > 1):
        raise BfError("state takes image targets (one, with --record)",
                      hint="e.g. bfbuild state //images:tinyllama --cpu haswell")
    for image in images:
        lines, volume = describe(session.root, state_disk_path(image.image))
        print("\n".join(lines))
    if options.record:
        try:
            record = read_record(volume, options.record)
        except RecordError as exc:
            print(f"bfbuild: {exc}")
            return EXIT_FAILED
        Path(options.out).write_bytes(record.payload)
        print(f"bfbuild: {record.name} (sequence {record.sequence}, {len(record.payload)} bytes) "
              f"written to {options.out}")
    return EXIT_OK


COMMAND = Command("state", "what the kernel saved on an image's state disk", run, _arguments,
                  builds=True, usage="bfbuild state TARGET... [--record NAME --out FILE]")
