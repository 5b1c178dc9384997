"""The kernel's crash-safe records (kernel/include/bf/state_store.h), read on the host.

A record NAME is two slot files, /STATE/NAME.S0 and /STATE/NAME.S1: a 32-byte header (magic
"BFST", format version, header size, sequence number, payload length, payload CRC-32, the name,
the header's own CRC-32) and the payload. The valid slot with the highest sequence number is the
record; a slot whose checksums do not match (a save cut short) is never used.
"""
from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple, Union

from bfbuild_unikernel.state.fat16 import Fat16, FatError, NotFound

MAGIC = b"BFST"
FORMAT_VERSION = 1
HEADER_SIZE = 32
STATE_DIR = "STATE"
SLOTS = 2
_HEADER = struct.Struct("<4sHHIII8s")  # the 28 bytes the header's own CRC-32 covers
_NAME = re.compile(r"^[A-Za-z0-9_]{1,8}$")


class RecordError(Exception):
    """No valid record: none was saved, or no slot holds a whole one (each slot's reason given)."""


@dataclass(frozen=True)
class Slot:
    index: int
    exists: bool
    valid: bool
    why: str = ""  # why it is not valid, in the kernel's words
    sequence: int = 0
    payload: bytes = b""

    def describe(self) -> str:
        return f"slot {self.index}: " + (f"sequence {self.sequence}" if self.valid else self.why)


@dataclass(frozen=True)
class Record:
    name: str
    slot: int
    sequence: int
    payload: bytes
    slots: Tuple[Slot, ...]


def canonical(name: str) -> str:
    if not _NAME.match(name):
        raise RecordError(f"record name {name!r}: a record name is 1 to 8 of A-Z, 0-9, _")
    return name.upper()


def slot_path(name: str, index: int) -> str:
    return f"/{STATE_DIR}/{canonical(name)}.S{index}"


def encode_slot(name: str, sequence: int, payload: bytes, size: Optional[int] = None) -> bytes:
    """A slot file's bytes, as the kernel writes them (padded with zeros to `size`)."""
    head = _HEADER.pack(MAGIC, FORMAT_VERSION, HEADER_SIZE, sequence, len(payload),
                        zlib.crc32(payload), canonical(name).encode())
    data = head + struct.pack("<I", zlib.crc32(head)) + payload
    return data + b"\0" * max(0, (size or 0) - len(data))


def decode_slot(name: str, index: int, data: Optional[bytes]) -> Slot:
    """One slot file's contents (None: the file is missing) judged as the kernel judges them."""
    if data is None:
        return Slot(index, False, False, "missing")
    bad = lambda why: Slot(index, True, False, why)  # noqa: E731
    if len(data) < HEADER_SIZE:
        return bad("shorter than a header")
    magic, version, header_size, sequence, length, crc, stored_name = _HEADER.unpack_from(data)
    if magic != MAGIC:
        return bad("no header (never written)")
    if struct.unpack_from("<I", data, 28)[0] != zlib.crc32(data[:28]):
        return bad("torn header (checksum mismatch)")
    if version != FORMAT_VERSION or header_size != HEADER_SIZE:
        return bad("another format version")
    if stored_name != canonical(name).encode().ljust(8, b"\0"):
        return bad("another record's slot")
    if length > len(data) - HEADER_SIZE:
        return bad("length beyond the slot")
    payload = data[HEADER_SIZE:HEADER_SIZE + length]
    if zlib.crc32(payload) != crc:
        return bad("torn payload (checksum mismatch)")
    return Slot(index, True, True, sequence=sequence, payload=payload)


def choose(name: str, slots: List[Slot]) -> Record:
    """The record the kernel would load from these slots."""
    valid = [s for s in slots if s.valid]
    if not valid:
        if not any(s.exists for s in slots):
            raise RecordError(f"no record {canonical(name)} saved yet")
        raise RecordError(f"no slot of {canonical(name)} holds a valid record ("
                          + "; ".join(s.describe() for s in slots) + ")")
    best = max(valid, key=lambda s: (s.sequence, -s.index))
    return Record(canonical(name), best.index, best.sequence, best.payload, tuple(slots))


def read_record(disk: Union[str, Path, Fat16], name: str) -> Record:
    """Record `name` from a state disk (a path or an opened volume)."""
    volume = disk if isinstance(disk, Fat16) else Fat16.open(disk)
    slots = []
    for index in range(SLOTS):
        try:
            slots.append(decode_slot(name, index, volume.read(slot_path(name, index))))
        except NotFound:
            slots.append(decode_slot(name, index, None))
        except FatError as exc:
            slots.append(Slot(index, True, False, f"unreadable ({exc})"))
    return choose(name, slots)


def record_names(disk: Union[str, Path, Fat16]) -> List[str]:
    """The names of the records with a slot file on the disk."""
    volume = disk if isinstance(disk, Fat16) else Fat16.open(disk)
    try:
        entries = volume.listdir(f"/{STATE_DIR}")
    except FatError:
        return []
    return sorted({e.name.rsplit(".", 1)[0] for e in entries
                   if re.fullmatch(r"[A-Z0-9_]{1,8}\.S[01]", e.name)})
