"""Read the sample export of a sampling kernel from its serial lines (docs/profiling.md).

Between "--- BEGIN SAMPLES ---" and "--- END SAMPLES ---", per processor: a header line
`BFS1 cpu=C hz=H samples=N dropped=D`, lines of lowercase hex (the payload), and
`BFS1 end bytes=B crc32=X`. The payload is a sequence of unsigned LEB128 numbers: a record
starting with 0 is a module load (index, name, CPU tag); one starting with n > 0 is a sample of
n addresses: how many root-side addresses it shares with the sample before, then the others,
the interrupted EIP first. Any damage (a cut, a changed byte) is refused with a clear error.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

from bfbuild.api import BfError

BEGIN, END = "--- BEGIN SAMPLES ---", "--- END SAMPLES ---"
FORMAT_VERSION = 1
HEADER = re.compile(r"^BFS(\d+) cpu=(\d+) hz=(\d+) samples=(\d+) dropped=(\d+)$")
TRAILER = re.compile(r"^BFS(\d+) end bytes=(\d+) crc32=([0-9a-f]{8})$")
HEX = re.compile(r"^[0-9a-f]*$")
HINT = "boot it again; if it happens every time, the kernel's export (sampler_export.c) is broken"


@dataclass(frozen=True)
class Load:
    """A module put in the module slot: later samples in the slot are its code."""

    index: int
    name: str
    cpu_tag: str


@dataclass(frozen=True)
class Sample:
    addresses: Tuple[int, ...]  # the interrupted EIP, then return addresses towards the root
    load: Optional[Load]  # the module in the slot when it was taken


@dataclass
class CpuSamples:
    cpu: int
    hz: int
    dropped: int
    samples: List[Sample] = field(default_factory=list)
    loads: List[Load] = field(default_factory=list)


def _error(message: str, hint: str = HINT) -> BfError:
    return BfError(f"sample export: {message}", hint=hint)


def parse_samples(lines: Iterable[str]) -> List[CpuSamples]:
    """Every processor's samples from the serial lines of one boot."""
    lines = [line.rstrip("\r\n") for line in lines]
    if BEGIN not in lines:
        raise _error(f"no '{BEGIN}' line in the serial output",
                     hint="boot a sampling build (an image linking //kernel:sampling); a kernel "
                          "that stopped before bf_exit() prints no samples")
    body = lines[lines.index(BEGIN) + 1:]
    if END not in body:
        raise _error(f"truncated: '{BEGIN}' has no '{END}' after it (QEMU stopped or the output "
                     f"was cut while the samples were printed)")
    body = body[:body.index(END)]
    cpus, at = [], 0
    while at < len(body):
        cpu, at = _parse_cpu(body, at)
        cpus.append(cpu)
    if not cpus:
        raise _error("the export holds no processor")
    return cpus


def _parse_cpu(body: List[str], at: int) -> Tuple[CpuSamples, int]:
    match = HEADER.match(body[at])
    if not match:
        raise _error(f"expected a 'BFS{FORMAT_VERSION} cpu=...' line, got {body[at][:60]!r}")
    version, cpu, hz, count, dropped = (int(g) for g in match.groups())
    if version != FORMAT_VERSION:
        raise _error(f"format version {version}; this bfbuild reads version {FORMAT_VERSION}",
                     hint="rebuild the image with this checkout's kernel")
    payload = bytearray()
    at += 1
    while at < len(body) and not body[at].startswith("BFS"):
        if not HEX.match(body[at]) or len(body[at]) % 2:
            raise _error(f"cpu {cpu}: line {body[at][:60]!r} is not hex")
        payload += bytes.fromhex(body[at])
        at += 1
    trailer = TRAILER.match(body[at]) if at < len(body) else None
    if not trailer:
        raise _error(f"cpu {cpu}: no 'BFS{FORMAT_VERSION} end bytes=... crc32=...' line")
    size, crc = int(trailer.group(2)), int(trailer.group(3), 16)
    if size != len(payload):
        raise _error(f"cpu {cpu}: {len(payload)} payload bytes, the end line says {size}: "
                     f"lines were lost or cut")
    actual = zlib.crc32(bytes(payload))
    if actual != crc:
        raise _error(f"cpu {cpu}: checksum mismatch: the payload's CRC-32 is {actual:08x}, "
                     f"the end line says {crc:08x}; the serial output was corrupted")
    result = CpuSamples(cpu, hz, dropped)
    _decode(bytes(payload), result)
    if len(result.samples) != count:
        raise _error(f"cpu {cpu}: {len(result.samples)} samples decoded, the header says {count}")
    return result, at + 1


class _Reader:
    def __init__(self, data: bytes, cpu: int):
        self.data, self.at, self.cpu = data, 0, cpu

    def number(self) -> int:
        value, shift = 0, 0
        while True:
            if self.at >= len(self.data):
                raise _error(f"cpu {self.cpu}: the payload ends inside a record")
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
            if shift > 35:
                raise _error(f"cpu {self.cpu}: a number longer than 32 bits at byte {self.at}")

    def text(self) -> str:
        size = self.number()
        raw = self.data[self.at:self.at + size]
        self.at += size
        return raw.decode("ascii", errors="replace")


def _decode(data: bytes, out: CpuSamples) -> None:
    reader, load, previous = _Reader(data, out.cpu), None, ()
    while reader.at < len(data):
        count = reader.number()
        if count == 0:
            load = Load(reader.number(), reader.text(), reader.text())
            out.loads.append(load)
            continue
        shared = reader.number()
        if shared > count or shared > len(previous):
            raise _error(f"cpu {out.cpu}: sample {len(out.samples)} shares {shared} addresses "
                         f"with one of {len(previous)}")
        own = tuple(reader.number() for _ in range(count - shared))
        addresses = own + (previous[len(previous) - shared:] if shared else ())
        out.samples.append(Sample(addresses, load))
        previous = addresses
