"""bfbuild/llvm_profraw.py: kernel memory dumps -> LLVM raw profiles (version 8, LLVM 14).

The pure-Python tests use small ELF files written here. With a toolchain on the host, two more
checks: a profile written for a real instrumented module goes through llvm-profdata, and for a
hosted program the writer gives, byte for byte, what compiler-rt's own runtime wrote.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import jinja2
import pytest
from elftools.elf.elffile import ELFFile

from bfbuild_unikernel.pgo import llvm_profraw as lp

REPO = Path(__file__).resolve().parents[2]

# --- a minimal ELF32 writer ------------------------------------------------------------------

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB = 1, 2, 3
SHF_WRITE, SHF_ALLOC = 1, 2


def write_elf32(path: Path, sections, symbols=()):
    """An ELF32 little-endian executable with `sections` [(name, address, data, flags)] and
    `symbols` [(name, value, section index from 1)] in a .symtab."""
    names = [s[0] for s in sections] + ([".symtab", ".strtab"] if symbols else []) + [".shstrtab"]
    shstrtab = b"\0"
    name_at = {}
    for name in names:
        name_at[name] = len(shstrtab)
        shstrtab += name.encode() + b"\0"
    body = bytearray()
    headers = [struct.pack("<10I", *([0] * 10))]
    offset0 = 52

    def place(data: bytes) -> int:
        while len(body) % 8:
            body.append(0)
        at = offset0 + len(body)
        body.extend(data)
        return at

    for name, address, data, flags in sections:
        headers.append(struct.pack("<10I", name_at[name], SHT_PROGBITS, flags, address,
                                   place(data), len(data), 0, 0, 8, 0))
    if symbols:
        strtab = b"\0"
        symtab = struct.pack("<IIIBBH", 0, 0, 0, 0, 0, 0)
        for name, value, index in symbols:
            symtab += struct.pack("<IIIBBH", len(strtab), value, 8, 0x11, 0, index)
            strtab += name.encode() + b"\0"
        strtab_index = len(headers) + 1
        headers.append(struct.pack("<10I", name_at[".symtab"], SHT_SYMTAB, 0, 0, place(symtab),
                                   len(symtab), strtab_index, 1, 4, 16))
        headers.append(struct.pack("<10I", name_at[".strtab"], SHT_STRTAB, 0, 0, place(strtab),
                                   len(strtab), 0, 0, 1, 0))
    headers.append(struct.pack("<10I", name_at[".shstrtab"], SHT_STRTAB, 0, 0, place(shstrtab),
                               len(shstrtab), 0, 0, 1, 0))
    shoff = place(b"")
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x00200000, 0, shoff, 0, 52, 32, 0, 40,
                               len(headers), len(headers) - 1)
    path.write_bytes(ehdr + bytes(body) + b"".join(headers))
    return path


def names_section(names, compress=False) -> bytes:
    blob = "\x01".join(names).encode()

    def uleb(value):
        out = bytearray()
        while True:
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)
    if compress:
        packed = zlib.compress(blob)
        return uleb(len(blob)) + uleb(len(packed)) + packed
    return uleb(len(blob)) + uleb(0) + blob


def record32(name, func_hash, counter_ptr, num_counters, values=0, sites=(0, 0)):
    return struct.pack("<QQIIIIHH", lp.name_ref(name), func_hash, counter_ptr & 0xFFFFFFFF, 0,
                       values, num_counters, *sites)


SLOT = 0x00200000
CNTS_AT, DATA_AT, NAMES_AT = 0x00200100, 0x00200128, 0x0020019C  # as ld.lld lays them out
FUNCTIONS = [("module_main", 0x18, 1), ("fib.c:fib_rec", 0x1835B, 2), ("fib.c:fib_iter", 0x11B458, 2)]


def synthetic_module(tmp_path, functions=FUNCTIONS, symbols=(), records=None):
    """An instrumented-looking module ELF: counters, records (40-byte stride, the last one 36
    bytes, as in a linked i386 module) and names, laid out like the module linker script."""
    data, first = b"", 0
    for index, (name, func_hash, count) in enumerate(functions):
        record_at = DATA_AT + 40 * index
        rec = record32(name, func_hash, CNTS_AT + 8 * first - record_at, count)
        data += rec + (bytes(4) if index < len(functions) - 1 else b"")
        first += count
    if records is not None:
        data = records
    names = names_section([f[0] for f in functions])
    sections = [(".text", SLOT, b"\xc3" * 0x100, SHF_ALLOC),
                (lp.CNTS, CNTS_AT, bytes(8 * first), SHF_ALLOC | SHF_WRITE),
                (lp.DATA, DATA_AT, data, SHF_ALLOC | SHF_WRITE),
                (lp.NAMES, NAMES_AT, names, SHF_ALLOC)]
    path = write_elf32(tmp_path / "module.elf", sections, symbols)
    return path, first, data, names


def memory_with(counts, data, names):
    """The payload as the kernel dumps it: .text, the counters, the records and the names."""
    memory = bytearray(NAMES_AT - SLOT + len(names))
    memory[:0x100] = b"\xc3" * 0x100
    memory[CNTS_AT - SLOT:CNTS_AT - SLOT + 8 * len(counts)] = struct.pack(f"<{len(counts)}Q", *counts)
    memory[DATA_AT - SLOT:DATA_AT - SLOT + len(data)] = data
    memory[NAMES_AT - SLOT:] = names
    return bytes(memory)


# --- dumps -----------------------------------------------------------------------------------

def dump_lines(name, start, memory, per_line=32):
    lines = [f"--- BEGIN MODULE MEMORY {name} 0x{start:08x} {len(memory)} ---"]
    for at in range(0, len(memory), per_line):
        lines.append(f"{start + at:08x} {memory[at:at + per_line].hex()}")
    lines.append("--- END MODULE MEMORY ---")
    return lines


def test_extract_dumps_reads_every_module_and_ignores_the_rest():
    a, b = bytes(range(70)), b"\xff\x00\x10"
    serial = ["stage2: loading 104 sectors", *dump_lines("fibonacci", SLOT, a),
              "RESULT fibonacci source=disk | rec=6765", *dump_lines("sum", 0x1000, b), "tail"]
    text = "\r\n".join(serial) + "\r\n"  # the serial port's line ends
    assert lp.extract_dumps(text) == {"fibonacci": (SLOT, a), "sum": (0x1000, b)}
    assert lp.extract_dumps(serial) == lp.extract_dumps(text)


def test_extract_dumps_accepts_an_empty_dump_and_a_prefix_before_the_marker():
    lines = ["[serial] " + line for line in dump_lines("m", SLOT, b"")]
    assert lp.extract_dumps(lines) == {"m": (SLOT, b"")}


@pytest.mark.parametrize("mutate, message", [
    (lambda ls: ls[:-1], "no '--- END MODULE MEMORY ---'"),
    (lambda ls: ls[:2] + ls[3:], "jumps to"),
    (lambda ls: [ls[0].replace(" 70 ", " 71 ")] + ls[1:], "70 bytes, the header said 71"),
    (lambda ls: [ls[0].replace(" 70 ", " 60 ")] + ls[1:], "more than the 60 bytes"),
    (lambda ls: [ls[0].replace("0x", "0xZZ")] + ls[1:], "malformed dump header"),
    (lambda ls: ls[:2] + ["PANIC: something"] + ls[2:], "interrupted by"),
    (lambda ls: ls + ls, "dumped twice"),
])
def test_extract_dumps_refuses_a_damaged_dump(mutate, message):
    lines = mutate(dump_lines("fibonacci", SLOT, bytes(range(70))))
    with pytest.raises(lp.ProfrawError, match=re.escape(message)):
        lp.extract_dumps(lines)


def test_iter_dumps_keeps_repeated_dumps_in_order():
    lines = dump_lines("m", SLOT, b"\x01") + dump_lines("m", SLOT, b"\x02")
    assert [d.memory for d in lp.iter_dumps(lines)] == [b"\x01", b"\x02"]


# --- the raw profile -------------------------------------------------------------------------

def test_name_ref_is_the_low_half_of_the_md5_little_endian():
    # The NameRef compiler-rt 14 wrote for module_main in a real i386 profile.
    assert lp.name_ref("module_main") == 0x5D553CC51B7BC93C
    assert lp.name_ref("x") == int.from_bytes(hashlib.md5(b"x").digest()[:8], "little")


def test_header_fields_and_layout_of_a_32_bit_module(tmp_path):
    elf, ncounters, data, names = synthetic_module(tmp_path)
    counts = [7, 153237, 76615, 7, 70000]
    raw = lp.profraw_for_module(elf, SLOT, memory_with(counts, data, names))
    header = dict(zip(lp.HEADER_FIELDS, struct.unpack_from("<11Q", raw)))
    assert header == {
        "Magic": 0xFF6C70726F665281,          # 'R': 32-bit pointers
        "Version": 8,                         # front-end instrumentation: no variant bits
        "BinaryIdsSize": 0,
        "DataSize": 3,                        # records, 116 bytes rounded up to 3 x 40
        "PaddingBytesBeforeCounters": 0,
        "CountersSize": 5,                    # counters, not bytes
        "PaddingBytesAfterCounters": 0,
        "NamesSize": len(names),
        "CountersDelta": (CNTS_AT - DATA_AT) & 0xFFFFFFFF,  # a uintptr_t: zero-extended
        "NamesDelta": NAMES_AT,
        "ValueKindLast": 1,
    }
    assert len(data) == 116
    at = 88
    assert raw[at:at + 116] == data and raw[at + 116:at + 120] == bytes(4)
    at += 120
    assert struct.unpack_from("<5Q", raw, at) == tuple(counts)
    at += 40
    assert raw[at:at + len(names)] == names
    at += len(names)
    assert raw[at:] == bytes(lp.padding8(len(names))) and len(raw) % 8 == 0


def test_parse_profraw_finds_each_functions_counters(tmp_path):
    elf, _, data, names = synthetic_module(tmp_path)
    raw = lp.profraw_for_module(elf, SLOT, memory_with([7, 153237, 76615, 7, 70000], data, names))
    _, records = lp.parse_profraw(raw)
    assert [(r.name, r.func_hash, r.counts) for r in records] == [
        ("module_main", 0x18, (7,)), ("fib.c:fib_rec", 0x1835B, (153237, 76615)),
        ("fib.c:fib_iter", 0x11B458, (7, 70000))]


def test_the_ir_instrumentation_version_comes_from_the_elf(tmp_path):
    version = 8 | lp.VARIANT_MASK_IR_PROF | lp.VARIANT_MASK_INSTR_ENTRY
    elf, _, data, names = synthetic_module(tmp_path)
    sections = [(".text", SLOT, b"\xc3" * 0x100, SHF_ALLOC),
                (".rodata", 0x00200300, struct.pack("<Q", version), SHF_ALLOC)]
    with open(elf, "rb") as handle:
        reader = ELFFile(handle)
        for name in (lp.CNTS, lp.DATA, lp.NAMES):
            section = reader.get_section_by_name(name)
            sections.append((name, section["sh_addr"], section.data(), section["sh_flags"]))
    ir = write_elf32(tmp_path / "ir.elf", sections, [(lp.RAW_VERSION_SYMBOL, 0x00200300, 2)])
    raw = lp.profraw_for_module(ir, SLOT, memory_with([1, 2, 3, 4, 5], data, names))
    assert struct.unpack_from("<Q", raw, 8)[0] == version


def test_a_module_without_instrumentation_is_refused(tmp_path):
    elf = write_elf32(tmp_path / "plain.elf", [(".text", SLOT, b"\xc3", SHF_ALLOC)])
    with pytest.raises(lp.ProfrawError, match="not compiled with -fprofile-instr-generate"):
        lp.profraw_for_module(elf, SLOT, b"\xc3")


def test_counters_outside_the_dump_are_refused(tmp_path):
    elf, _, data, names = synthetic_module(tmp_path)
    memory = memory_with([0] * 5, data, names)
    with pytest.raises(lp.ProfrawError, match="is not in the dumped memory"):
        lp.profraw_for_module(elf, SLOT, memory[:CNTS_AT - SLOT + 16])
    with pytest.raises(lp.ProfrawError, match="is not in the dumped memory"):
        lp.profraw_for_module(elf, SLOT + 0x1000, memory)
    # Only the counters dumped is enough.
    lp.profraw_for_module(elf, CNTS_AT, memory[CNTS_AT - SLOT:CNTS_AT - SLOT + 40])


def test_a_dump_of_another_build_is_refused(tmp_path):
    elf, _, data, names = synthetic_module(tmp_path)
    memory = bytearray(memory_with([0] * 5, data, names))
    memory[DATA_AT - SLOT + 8] ^= 1  # a function hash of another build
    with pytest.raises(lp.ProfrawError, match="from another build"):
        lp.profraw_for_module(elf, SLOT, bytes(memory))


def test_value_profiling_is_refused(tmp_path):
    records = record32("module_main", 0x18, CNTS_AT - DATA_AT, 1, sites=(1, 0))
    elf, _, _, names = synthetic_module(tmp_path, functions=[("module_main", 0x18, 1)],
                                        records=records)
    with pytest.raises(lp.ProfrawError, match="value profiling"):
        lp.profraw_for_module(elf, SLOT, memory_with([1], records, names))


def test_a_record_pointing_outside_the_counters_is_refused(tmp_path):
    records = record32("module_main", 0x18, CNTS_AT - DATA_AT + 64, 1)
    elf, _, _, names = synthetic_module(tmp_path, functions=[("module_main", 0x18, 1)],
                                        records=records)
    with pytest.raises(lp.ProfrawError, match="outside __llvm_prf_cnts"):
        lp.profraw_for_module(elf, SLOT, memory_with([1], records, names))


def test_records_of_another_raw_version_are_refused(tmp_path):
    # LLVM 18+ records are 44 bytes with 32-bit pointers (a bitmap pointer and size more).
    records = bytes(48 * 2 + 44)
    elf, _, _, names = synthetic_module(tmp_path, records=records)
    with pytest.raises(lp.ProfrawError, match="not a whole number of 36-byte records"):
        lp.profraw_for_module(elf, CNTS_AT, bytes(40))


def test_counters_no_record_accounts_for_are_refused(tmp_path):
    records = record32("module_main", 0x18, CNTS_AT - DATA_AT, 1)
    elf, _, _, names = synthetic_module(tmp_path, functions=[("module_main", 0x18, 2)],
                                        records=records)
    with pytest.raises(lp.ProfrawError, match="do not account for every counter"):
        lp.profraw_for_module(elf, SLOT, memory_with([1, 0], records, names))


def test_read_names_handles_compressed_and_several_chunks():
    section = names_section(["a", "fib.c:b"], compress=True) + names_section(["c"])
    assert lp.read_names(section) == ["a", "fib.c:b", "c"]


# --- with the real LLVM tools ---------------------------------------------------------------

def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"no {name} on this host")
    return path


def _show(profdata) -> dict:
    """{function: (function count, block counts)} from llvm-profdata show --all-functions --counts."""
    out = subprocess.run([_tool("llvm-profdata"), "show", "--all-functions", "--counts",
                          str(profdata)], capture_output=True, text=True, check=True).stdout
    functions = {}
    for match in re.finditer(r"^  (\S+):\n    Hash: \S+\n    Counters: \d+\n"
                             r"    Function count: (\d+)\n(?:    Block counts: \[([\d, ]*)\])?",
                             out, re.M):
        blocks = tuple(int(x) for x in match.group(3).split(",") if x.strip()) if match.group(3) else ()
        functions[match.group(1)] = (int(match.group(2)), blocks)
    return functions


def test_llvm_profdata_reads_a_synthetic_profile(tmp_path):
    elf, _, data, names = synthetic_module(tmp_path)
    raw = tmp_path / "m.profraw"
    raw.write_bytes(lp.profraw_for_module(elf, SLOT, memory_with([7, 153237, 76615, 7, 70000],
                                                                  data, names)))
    profdata = lp.merge([raw], tmp_path / "m.profdata", tool=_tool("llvm-profdata"))
    assert _show(profdata) == {"module_main": (7, ()), "fib.c:fib_rec": (153237, (76615,)),
                               "fib.c:fib_iter": (7, (70000,))}


MODULE_C = """
#include "bf/module.h"
static unsigned square_sum(unsigned n)
{
    unsigned s = 0;
    for (unsigned i = 0; i < n; i++)
        s += i * i;
    return s;
}
int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    api->format(result->text, sizeof result->text, "s=%u", square_sum(10u * work));
    return 0;
}
"""
FREESTANDING = ["--target=i686-unknown-none-elf", "-march=i686", "-mno-sse", "-mno-mmx", "-m32",
                "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector", "-fno-builtin",
                "-nostdlib", "-nostdlibinc", "-fno-asynchronous-unwind-tables", "-std=c11", "-Wall",
                "-Wextra", "-Werror", "-O2"]


def _counter_offsets(data_section, counters_section) -> dict:
    """{NameRef: offset of the function's first counter in __llvm_prf_cnts} of a linked i386
    module, from its records (CounterPtr is relative to the record)."""
    layout, data = lp.RecordLayout(4), data_section.data() + bytes(4)
    offsets = {}
    for index in range(len(data) // layout.size):
        ref, _, ptr, _, _, _, _, _ = layout.fmt.unpack_from(data, index * layout.size)
        relative = ptr - (1 << 32) if ptr & 0x80000000 else ptr
        offsets[ref] = (data_section["sh_addr"] + index * layout.size + relative
                        - counters_section["sh_addr"])
    return offsets


def test_a_real_instrumented_module_links_into_the_payload_and_round_trips(tmp_path):
    clang, lld = _tool("clang"), _tool("ld.lld")
    (tmp_path / "m.c").write_text(MODULE_C)
    includes = [f"-I{REPO / 'kernel/include'}", f"-I{REPO / 'modules/common'}"]
    objects = []
    for src, extra in ((tmp_path / "m.c", []), (REPO / "modules/common/modlib.c", ["-DBF_PROFILE_INSTR"])):
        obj = tmp_path / (src.stem + ".o")
        subprocess.run([clang, *FREESTANDING, "-fprofile-instr-generate", *includes, *extra, "-c",
                        str(src), "-o", str(obj)], check=True, capture_output=True)
        objects.append(str(obj))
    script = tmp_path / "module.ld"
    script.write_text(jinja2.Template((REPO / "kernel/linker/module.ld.j2").read_text())
                      .render(slot=hex(SLOT)))
    elf = tmp_path / "m.elf"
    proc = subprocess.run([lld, "-m", "elf_i386", "-nostdlib", "--build-id=none", "-T", str(script),
                           "-o", str(elf), *objects], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr  # nothing undefined
    with open(elf, "rb") as handle:
        reader = ELFFile(handle)
        allocated = [s for s in reader.iter_sections() if s["sh_flags"] & SHF_ALLOC and s["sh_size"]]
        loaded = [s for s in allocated if s["sh_type"] != "SHT_NOBITS"]
        bss_start = min((s["sh_addr"] for s in allocated if s["sh_type"] == "SHT_NOBITS"),
                        default=None)
        payload = bytearray(max(s["sh_addr"] + s["sh_size"] for s in loaded) - SLOT)
        for s in loaded:
            payload[s["sh_addr"] - SLOT:s["sh_addr"] - SLOT + s["sh_size"]] = s.data()
        by_name = {s.name: s for s in loaded}
        for name in (lp.CNTS, lp.DATA, lp.NAMES):
            assert name in by_name, f"{name} is not in the payload"
            assert bss_start is None or by_name[name]["sh_addr"] < bss_start
        assert not any(s.name.startswith(".init_array") for s in reader.iter_sections())
        counters = by_name[lp.CNTS]
        symbols = reader.get_section_by_name(".symtab")
        assert not [s.name for s in symbols.iter_symbols()
                    if s["st_shndx"] == "SHN_UNDEF" and s.name]
        offsets = {name: offset for ref, offset in _counter_offsets(by_name[lp.DATA], counters).items()
                   for name in ("module_main", "m.c:square_sum") if lp.name_ref(name) == ref}
    # What 5 calls leave: module_main entered 5 times, the loop body run 5 x 10 times.
    at = counters["sh_addr"] - SLOT
    struct.pack_into("<Q", payload, at + offsets["module_main"], 5)
    struct.pack_into("<QQ", payload, at + offsets["m.c:square_sum"], 5, 50)
    raw = tmp_path / "m.profraw"
    raw.write_bytes(lp.profraw_for_module(elf, SLOT, bytes(payload)))
    shown = _show(lp.merge([raw], tmp_path / "m.profdata"))
    assert shown["module_main"] == (5, ())
    assert shown["m.c:square_sum"] == (5, (50,))
    assert shown["memcpy"][0] == 0
    # And clang takes the profile back with -Werror.
    subprocess.run([clang, *FREESTANDING, f"-fprofile-instr-use={tmp_path / 'm.profdata'}",
                    *includes, "-c", str(tmp_path / "m.c"), "-o", str(tmp_path / "m2.o")],
                   check=True, capture_output=True)


HOST_MAIN_C = """
#include <stdarg.h>
#include <stdio.h>
#include "bf/module.h"
int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result);
static int format(char *buf, uint32_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
int main(void)
{
    struct bf_module_api api = {1, printf, format, 0, 0};
    struct bf_module_result result;
    for (int i = 0; i < 3; i++)
        module_main(&api, 1, &result);
    return 0;
}
"""


@pytest.mark.parametrize("flags", [["-m32", "-fprofile-instr-generate"],
                                   ["-m64", "-fprofile-instr-generate"],
                                   ["-m32", "-fprofile-generate", "-mllvm", "-disable-vp"]],
                         ids=["i386-frontend", "x86_64-frontend", "i386-ir"])
def test_the_writer_matches_compiler_rt_byte_for_byte(tmp_path, flags):
    """A hosted build of a module with compiler-rt's profile runtime writes its own .profraw; from
    the same ELF and the counters it wrote, the writer must give the same bytes."""
    clang = _tool("clang")
    (tmp_path / "host_main.c").write_text(HOST_MAIN_C)
    exe = tmp_path / "host"
    proc = subprocess.run([clang, *flags, "-O2", "-no-pie", "-Wl,--build-id=none",
                           f"-I{REPO / 'kernel/include'}", f"-I{REPO / 'modules/common'}",
                           str(REPO / "modules/fibonacci/fibonacci.c"), str(tmp_path / "host_main.c"),
                           "-o", str(exe)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot link a hosted {flags[0]} program with the profile runtime: "
                    f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")
    written = tmp_path / "host.profraw"
    subprocess.run([str(exe)], check=True, capture_output=True,
                   env={"LLVM_PROFILE_FILE": str(written)})
    real = written.read_bytes()
    header, records = lp.parse_profraw(real)
    counts = {r.name: r.counts for r in records}
    if "-fprofile-instr-generate" in flags:  # the first counter is the function's entry count
        assert counts["module_main"][0] == 3 and counts["main"][0] == 1
    assert any(counts["module_main"])  # IR instrumentation: counters on edges, in its own order
    with open(exe, "rb") as handle:
        reader = ELFFile(handle)
        cnts = reader.get_section_by_name(lp.CNTS)
        layout = lp.RecordLayout(reader.elfclass // 8)
        address, size = cnts["sh_addr"], cnts["sh_size"]
    at = lp.HEADER.size + header["BinaryIdsSize"] + header["DataSize"] * layout.size
    assert lp.profraw_for_module(exe, address, real[at:at + size]) == real
