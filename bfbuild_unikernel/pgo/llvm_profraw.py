"""Clang instrumentation PGO for the freestanding modules: kernel memory dumps -> .profraw.

A module compiled with clang's -fprofile-instr-generate (or -fprofile-generate) counts into its
own __llvm_prf_cnts section; there is no profile runtime in the kernel to write a file. Instead
the kernel prints the module's memory after its calls (kernel/runtime/module_dump.c):

    --- BEGIN MODULE MEMORY <name> 0x<start> <size> ---
    <address> <hex bytes>
    --- END MODULE MEMORY ---

and this module writes, from that dump and the module's linked ELF, the raw profile that
compiler-rt's runtime would have written (raw format version 8, LLVM 14): the per-function
records (__llvm_prf_data) and the names (__llvm_prf_names) come from the ELF, the counters
from the dumped memory. llvm-profdata then merges raw profiles into the .profdata that
-fprofile-instr-use reads. docs/ir-pgo.md describes the format and the flags.

    dumps = extract_dumps(serial_lines)                  # {name: (start, memory)}
    raw = profraw_for_module("fibonacci.elf", *dumps["fibonacci"])
    merge(["fibonacci.profraw"], "fibonacci.profdata")
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from elftools.elf.elffile import ELFFile

# --- the kernel's dump format (bf/module_dump.h) ---------------------------------------------

BEGIN_RE = re.compile(r"--- BEGIN MODULE MEMORY (\S+) (?:0x)?([0-9a-fA-F]+) (\d+) ---$")
END_LINE = "--- END MODULE MEMORY ---"
DATA_RE = re.compile(r"([0-9a-fA-F]{8}) ((?:[0-9a-fA-F]{2})+)$")

# --- LLVM's raw profile, version 8 (llvm/ProfileData/InstrProfData.inc of LLVM 14) ------------

RAW_VERSION = 8
# 0xff 'l' 'p' 'r' 'o' 'f' then 'r' (64-bit pointers) or 'R' (32-bit pointers), then 0x81.
MAGIC_64 = 0xFF6C70726F667281
MAGIC_32 = 0xFF6C70726F665281
VARIANT_MASKS_ALL = 0xFF00000000000000
VARIANT_MASK_IR_PROF = 1 << 56
VARIANT_MASK_CSIR_PROF = 1 << 57
VARIANT_MASK_INSTR_ENTRY = 1 << 58
VARIANT_MASK_DBG_CORRELATE = 1 << 59
VARIANT_MASK_BYTE_COVERAGE = 1 << 60
VARIANT_MASK_FUNCTION_ENTRY_ONLY = 1 << 61
IPVK_LAST = 1  # value kinds: 0 indirect call targets, 1 memory operation sizes
HEADER_FIELDS = ("Magic", "Version", "BinaryIdsSize", "DataSize", "PaddingBytesBeforeCounters",
                 "CountersSize", "PaddingBytesAfterCounters", "NamesSize", "CountersDelta",
                 "NamesDelta", "ValueKindLast")
HEADER = struct.Struct("<11Q")

CNTS, DATA, NAMES = "__llvm_prf_cnts", "__llvm_prf_data", "__llvm_prf_names"
RAW_VERSION_SYMBOL = "__llvm_profile_raw_version"  # IR instrumentation only: version | variants

PROFDATA_TOOLS = ("llvm-profdata", "llvm-profdata-14", "llvm-profdata-15", "llvm-profdata-16")
# The compilers whose instrumentation this writer was checked against (byte for byte with their
# compiler-rt, tests/unit/test_llvm_profraw.py). Other versions lay the records out differently
# (LLVM 18 and later: raw versions 9 and 10); a module whose DWARF names another clang is refused.
VERIFIED_CLANG_MAJORS = (14,)
PRODUCER_RE = re.compile(r"clang version (\d+)\.")


class ProfrawError(ValueError):
    """A dump or an ELF that cannot give a raw profile; the message says why."""


@dataclass(frozen=True)
class Dump:
    name: str
    start: int
    memory: bytes


@dataclass(frozen=True)
class RecordLayout:
    """One __llvm_prf_data record: NameRef u64, FuncHash u64, CounterPtr, FunctionPointer, Values
    (pointer-sized), NumCounters u32, NumValueSites u16[2], each record aligned to 8 bytes."""
    pointer_size: int

    @property
    def fmt(self) -> struct.Struct:
        p = "I" if self.pointer_size == 4 else "Q"
        return struct.Struct(f"<QQ{p}{p}{p}IHH")

    @property
    def size(self) -> int:  # sizeof(ProfileData<IntPtrT>): 40 with 32-bit pointers, 48 with 64
        return (self.fmt.size + 7) // 8 * 8


def padding8(size: int) -> int:
    """Bytes that bring `size` to a multiple of 8 (getNumPaddingBytes in LLVM's reader)."""
    return 7 & (8 - size % 8)


# --- dumps ----------------------------------------------------------------------------------

def iter_dumps(serial_lines: Union[str, Iterable[str]]) -> Iterator[Dump]:
    """Every module memory dump in the serial output, in order. Lines may end in \\r\\n and carry
    leading text (a prefix before the marker); a dump must be complete and its data lines
    contiguous, else ProfrawError."""
    if isinstance(serial_lines, str):
        serial_lines = serial_lines.splitlines()
    current = None  # (name, start, size, bytearray)
    for number, raw in enumerate(serial_lines, 1):
        line = raw.strip()
        if current is None:
            at = line.find("--- BEGIN MODULE MEMORY ")
            if at < 0:
                continue
            match = BEGIN_RE.match(line[at:])
            if not match:
                raise ProfrawError(f"line {number}: malformed dump header: {line!r}")
            current = (match.group(1), int(match.group(2), 16), int(match.group(3)), bytearray())
            continue
        name, start, size, memory = current
        if line.endswith(END_LINE):
            if len(memory) != size:
                raise ProfrawError(f"dump of {name}: {len(memory)} bytes, the header said {size}")
            yield Dump(name, start, bytes(memory))
            current = None
            continue
        match = DATA_RE.search(line)
        if not match:
            raise ProfrawError(f"line {number}: dump of {name} interrupted by {line!r}")
        address = int(match.group(1), 16)
        if address != start + len(memory):
            raise ProfrawError(f"line {number}: dump of {name} jumps to {address:#x}, expected "
                               f"{start + len(memory):#x} (a lost line?)")
        memory += bytes.fromhex(match.group(2))
        if len(memory) > size:
            raise ProfrawError(f"dump of {name}: more than the {size} bytes announced")
    if current is not None:
        raise ProfrawError(f"dump of {current[0]}: no '{END_LINE}' line (output cut?)")


def extract_dumps(serial_lines: Union[str, Iterable[str]]) -> Dict[str, Tuple[int, bytes]]:
    """{module name: (start address, memory bytes)} of the dumps in the serial output. A module
    dumped twice is an error (use iter_dumps() to see every dump)."""
    dumps: Dict[str, Tuple[int, bytes]] = {}
    for dump in iter_dumps(serial_lines):
        if dump.name in dumps:
            raise ProfrawError(f"module {dump.name} was dumped twice")
        dumps[dump.name] = (dump.start, dump.memory)
    return dumps


# --- ELF -> profraw -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Section:
    address: int
    data: bytes


def _clang_majors(elf: ELFFile) -> List[int]:
    """The clang major versions named by the DWARF producers of the ELF (none without -g)."""
    if not elf.has_dwarf_info():
        return []
    majors = set()
    for unit in elf.get_dwarf_info().iter_CUs():
        producer = unit.get_top_DIE().attributes.get("DW_AT_producer")
        match = PRODUCER_RE.search(producer.value.decode(errors="replace")) if producer else None
        if match:
            majors.add(int(match.group(1)))
    return sorted(majors)


def _read_elf(elf_path) -> Tuple[int, Dict[str, _Section], Optional[int]]:
    """(pointer size, the three profile sections, the raw version the IR instrumentation
    recorded or None)."""
    with open(elf_path, "rb") as handle:
        elf = ELFFile(handle)
        if not elf.little_endian:
            raise ProfrawError(f"{elf_path}: big-endian ELF files are not supported")
        other = [m for m in _clang_majors(elf) if m not in VERIFIED_CLANG_MAJORS]
        if other:
            raise ProfrawError(f"{elf_path}: compiled by clang {other[0]}; this writer produces "
                               f"raw profile version {RAW_VERSION}, checked for clang "
                               f"{', '.join(map(str, VERIFIED_CLANG_MAJORS))} only (use the "
                               f"clang toolchain and its llvm-profdata)")
        pointer_size = elf.elfclass // 8
        sections = {}
        for name in (CNTS, DATA, NAMES):
            section = elf.get_section_by_name(name)
            if section is None or section["sh_size"] == 0:
                continue
            if section["sh_type"] == "SHT_NOBITS":
                raise ProfrawError(f"{elf_path}: {name} has no contents (NOBITS)")
            sections[name] = _Section(section["sh_addr"], section.data())
        version = None
        symtab = elf.get_section_by_name(".symtab")
        symbols = symtab.get_symbol_by_name(RAW_VERSION_SYMBOL) if symtab else None
        if symbols:
            symbol = symbols[0]
            holder = elf.get_section(symbol["st_shndx"])
            offset = symbol["st_value"] - holder["sh_addr"]
            version = struct.unpack_from("<Q", holder.data(), offset)[0]
    missing = [name for name in (CNTS, DATA, NAMES) if name not in sections]
    if missing:
        raise ProfrawError(f"{elf_path}: no {', '.join(missing)}: the module was not compiled "
                           f"with -fprofile-instr-generate (or -fprofile-generate)")
    return pointer_size, sections, version


def _from_memory(section: _Section, name: str, start: int, memory: bytes) -> bytes:
    offset = section.address - start
    if offset < 0 or offset + len(section.data) > len(memory):
        raise ProfrawError(f"{name} ({section.address:#x}, {len(section.data)} bytes) is not in the "
                           f"dumped memory ({start:#x}, {len(memory)} bytes)")
    return memory[offset:offset + len(section.data)]


def profraw_for_module(elf_path, start: int, memory: bytes) -> bytes:
    """The raw profile (LLVM raw version 8) of the module linked as `elf_path`, whose memory from
    address `start` is `memory` (a kernel dump taken after its calls)."""
    pointer_size, sections, version = _read_elf(elf_path)
    version = RAW_VERSION if version is None else version
    if version & ~VARIANT_MASKS_ALL != RAW_VERSION:
        raise ProfrawError(f"{elf_path}: raw profile version {version & ~VARIANT_MASKS_ALL}, this "
                           f"writer knows version {RAW_VERSION} (LLVM 14)")
    if version & VARIANT_MASK_DBG_CORRELATE:
        raise ProfrawError(f"{elf_path}: built for debug-info correlation, which has no names "
                           f"section to copy; drop -debug-info-correlate")
    counters = _from_memory(sections[CNTS], CNTS, start, memory)
    data, names = sections[DATA], sections[NAMES]
    # The records and names never change at run time (no value profiling); when the dump covers
    # them they must equal the ELF's, which catches a dump of another build of the module.
    for name, section in ((DATA, data), (NAMES, names)):
        offset = section.address - start
        if 0 <= offset and offset + len(section.data) <= len(memory):
            if memory[offset:offset + len(section.data)] != section.data:
                raise ProfrawError(f"{name} in the dump differs from {elf_path}: the dump comes "
                                   f"from another build of the module")
    layout = RecordLayout(pointer_size)
    counter_size = 1 if version & VARIANT_MASK_BYTE_COVERAGE else 8
    if len(counters) % counter_size:
        raise ProfrawError(f"{CNTS} is {len(counters)} bytes, not whole counters")
    # Each record is aligned to 8 bytes in the section, so with 32-bit pointers (36-byte records)
    # the last one lacks its 4 bytes of tail padding: DataSize rounds up, the data is padded.
    if len(data.data) % layout.size not in (0, layout.fmt.size % layout.size):
        raise ProfrawError(f"{elf_path}: {DATA} is {len(data.data)} bytes, not a whole number of "
                           f"{layout.fmt.size}-byte records: another raw profile version?")
    num_data = (len(data.data) + layout.size - 1) // layout.size
    data_bytes = data.data + bytes(num_data * layout.size - len(data.data))
    _check_records(data_bytes, num_data, layout, data.address, sections[CNTS].address,
                   len(counters), counter_size, elf_path)
    mask = (1 << (8 * pointer_size)) - 1
    header = HEADER.pack(
        MAGIC_32 if pointer_size == 4 else MAGIC_64,
        version,
        0,                                    # BinaryIdsSize: no build ids
        num_data,                             # DataSize: records
        0,                                    # PaddingBytesBeforeCounters
        len(counters) // counter_size,        # CountersSize: counters
        padding8(len(counters)),              # PaddingBytesAfterCounters
        len(names.data),                      # NamesSize: bytes
        (sections[CNTS].address - data.address) & mask,  # CountersDelta, as a uintptr_t
        names.address,                        # NamesDelta: where the names are
        IPVK_LAST)                            # ValueKindLast
    return b"".join((header, data_bytes, counters, bytes(padding8(len(counters))), names.data,
                     bytes(padding8(len(names.data)))))


def _check_records(data: bytes, num_data: int, layout: RecordLayout, data_address: int,
                   counters_address: int, counters_size: int, counter_size: int,
                   elf_path) -> None:
    """Every record's counters inside __llvm_prf_cnts and no value profiling, as llvm-profdata
    will require (CounterPtr is relative to the record's own address since version 8)."""
    sign = 1 << (8 * layout.pointer_size - 1)
    used = bytearray(counters_size)
    for index in range(num_data):
        (_, _, counter_ptr, _, values, num_counters, sites_calls,
         sites_memops) = layout.fmt.unpack_from(data, index * layout.size)
        relative = (counter_ptr ^ sign) - sign
        first = data_address + index * layout.size + relative - counters_address
        last = first + counter_size * num_counters
        if num_counters == 0 or first < 0 or last > counters_size or any(used[first:last]):
            raise ProfrawError(f"{elf_path}: record {index} points outside {CNTS} or at "
                               f"another record's counters")
        used[first:last] = b"\x01" * (last - first)
        if sites_calls or sites_memops or values:
            raise ProfrawError(f"{elf_path}: value profiling is on (record {index} has value "
                               f"sites); it needs a runtime the modules lack: compile with "
                               f"-fprofile-instr-generate without -mllvm -enable-value-profiling, "
                               f"or -fprofile-generate with -mllvm -disable-vp")
    if counter_size == 8 and not all(used):  # (single-byte counters may leave alignment gaps)
        raise ProfrawError(f"{elf_path}: the records do not account for every counter of {CNTS}")


# --- reading a profraw back (tests, diagnostics) ---------------------------------------------

def read_names(section: bytes) -> List[str]:
    """The function names of a __llvm_prf_names section: chunks of ULEB128 uncompressed size,
    ULEB128 compressed size (0: not compressed), then the names separated by \\x01."""
    def uleb(at: int) -> Tuple[int, int]:
        value = shift = 0
        while True:
            byte = section[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, at
    names, at = [], 0
    while at < len(section):
        if section[at] == 0:  # padding between chunks
            at += 1
            continue
        size, at = uleb(at)
        compressed, at = uleb(at)
        if compressed:
            blob = zlib.decompress(section[at:at + compressed])
            at += compressed
        else:
            blob = section[at:at + size]
            at += size
        if len(blob) != size:
            raise ProfrawError("names section: a chunk's size does not match")
        names.extend(blob.decode().split("\x01"))
    return names


def name_ref(name: str) -> int:
    """The NameRef of a function: the low 64 bits of the MD5 of its PGO name, little-endian."""
    return int.from_bytes(hashlib.md5(name.encode()).digest()[:8], "little")


@dataclass(frozen=True)
class RawRecord:
    name: str
    func_hash: int
    counts: Tuple[int, ...]


def parse_profraw(raw: bytes) -> Tuple[Dict[str, int], List[RawRecord]]:
    """(header fields, records) of a single-profile raw file, decoded the way llvm-profdata 14
    does: counters found through CountersDelta, which drops by one record size per record."""
    header = dict(zip(HEADER_FIELDS, HEADER.unpack_from(raw, 0)))
    if header["Magic"] not in (MAGIC_32, MAGIC_64):
        raise ProfrawError(f"bad magic {header['Magic']:#x}")
    if header["Version"] & ~VARIANT_MASKS_ALL != RAW_VERSION:
        raise ProfrawError(f"raw version {header['Version'] & ~VARIANT_MASKS_ALL}, expected 8")
    layout = RecordLayout(4 if header["Magic"] == MAGIC_32 else 8)
    counter_size = 1 if header["Version"] & VARIANT_MASK_BYTE_COVERAGE else 8
    data_at = HEADER.size + header["BinaryIdsSize"]
    counters_at = data_at + header["DataSize"] * layout.size + header["PaddingBytesBeforeCounters"]
    counters_bytes = header["CountersSize"] * counter_size
    names_at = counters_at + counters_bytes + header["PaddingBytesAfterCounters"]
    names = read_names(raw[names_at:names_at + header["NamesSize"]])
    by_ref = {name_ref(name): name for name in names}
    delta = header["CountersDelta"]
    records = []
    for index in range(header["DataSize"]):
        ref, func_hash, counter_ptr, _, _, num_counters, _, _ = layout.fmt.unpack_from(
            raw, data_at + index * layout.size)
        offset = (counter_ptr - delta) & ((1 << (8 * layout.pointer_size)) - 1)
        if offset + num_counters * counter_size > counters_bytes:
            raise ProfrawError(f"record {index}: counters outside the counters section")
        if counter_size == 8:
            counts = struct.unpack_from(f"<{num_counters}Q", raw, counters_at + offset)
        else:  # single-byte coverage: 0 means covered
            counts = tuple(int(b == 0) for b in raw[counters_at + offset:
                                                    counters_at + offset + num_counters])
        records.append(RawRecord(by_ref.get(ref, f"<{ref:#018x}>"), func_hash, counts))
        delta = (delta - layout.size) & ((1 << 64) - 1)
    return header, records


# --- llvm-profdata ---------------------------------------------------------------------------

def find_llvm_profdata() -> str:
    """The llvm-profdata to run: $LLVM_PROFDATA, else the first of PROFDATA_TOOLS on PATH."""
    wanted = os.environ.get("LLVM_PROFDATA")
    if wanted:
        return wanted
    for name in PROFDATA_TOOLS:
        found = shutil.which(name)
        if found:
            return found
    raise ProfrawError("llvm-profdata not found; install it with: apt-get install -y llvm")


def merge(profraws: Sequence[Union[str, os.PathLike]], out: Union[str, os.PathLike],
          tool: Optional[str] = None) -> Path:
    """llvm-profdata merge -o out profraws...: the indexed .profdata -fprofile-instr-use reads."""
    if not profraws:
        raise ProfrawError("no raw profiles to merge")
    argv = [tool or find_llvm_profdata(), "merge", "-o", os.fspath(out),
            *[os.fspath(p) for p in profraws]]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ProfrawError(f"{' '.join(argv)} failed ({proc.returncode}): "
                           f"{proc.stderr.strip() or proc.stdout.strip()}")
    return Path(out)


def profdata_from_serial(serial_lines: Union[str, Iterable[str]], elfs: Dict[str, str],
                         out_dir: Union[str, os.PathLike],
                         tool: Optional[str] = None) -> Dict[str, Path]:
    """For each module dumped in the serial output with an ELF in `elfs` (name -> path): writes
    <out_dir>/<name>.profraw and <name>.profdata; returns {name: .profdata path}. A dumped module
    without an ELF is an error, so that no profile is silently dropped."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for name, (start, memory) in extract_dumps(serial_lines).items():
        if name not in elfs:
            raise ProfrawError(f"module {name} was dumped but no ELF was given for it")
        raw_path = out_dir / f"{name}.profraw"
        raw_path.write_bytes(profraw_for_module(elfs[name], start, memory))
        result[name] = merge([raw_path], out_dir / f"{name}.profdata", tool)
    return result
