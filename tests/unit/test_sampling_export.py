"""The host side of the sampling profiler: reading the kernel's export (refusing damaged ones
with a clear message), naming frames, folding, the speedscope file, the SVG and the table."""
import json
import zlib
import xml.etree.ElementTree as ET

import pytest

from bfbuild.api import BfError
from bfbuild_unikernel.sampling import outputs
from bfbuild_unikernel.sampling.export import BEGIN, END, Load, Sample, parse_samples
from bfbuild_unikernel.sampling.flame import flame_svg
from bfbuild_unikernel.sampling.symbols import Symbolizer, SymbolTable


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode(records):
    """What sampler_export.c prints, from ("load", index, name, tag) and address tuples."""
    payload, previous, count = bytearray(), (), 0
    for record in records:
        if record[0] == "load":
            _, index, name, tag = record
            payload += varint(0) + varint(index) + varint(len(name)) + name.encode() + \
                varint(len(tag)) + tag.encode()
            continue
        shared = 0
        while shared < min(len(record), len(previous)) and \
                record[-1 - shared] == previous[-1 - shared]:
            shared += 1
        payload += varint(len(record)) + varint(shared)
        for address in record[:len(record) - shared]:
            payload += varint(address)
        previous, count = record, count + 1
    hexed = payload.hex()
    lines = [hexed[i:i + 128] for i in range(0, len(hexed), 128)]
    return ["noise before", BEGIN, f"BFS1 cpu=0 hz=99432 samples={count} dropped=3", *lines,
            f"BFS1 end bytes={len(payload)} crc32={zlib.crc32(bytes(payload)):08x}", END,
            "tinyllama: ok"]


RECORDS = [(0x10100, 0x10200, 0x10048), (0x10104, 0x10200, 0x10048),
           ("load", 0, "fib", "i686"), (0x200010, 0x200020, 0x10300, 0x10048),
           (0x10104, 0x10200, 0x10048)] * 40


def test_an_export_reads_back_with_its_loads():
    [cpu] = parse_samples([line + "\r" for line in encode(RECORDS)])
    assert (cpu.cpu, cpu.hz, cpu.dropped, len(cpu.samples)) == (0, 99432, 3, 160)
    assert cpu.samples[0] == Sample((0x10100, 0x10200, 0x10048), None)
    assert cpu.samples[2] == Sample((0x200010, 0x200020, 0x10300, 0x10048), Load(0, "fib", "i686"))
    assert len(cpu.loads) == 40


def test_a_changed_byte_fails_the_checksum():
    lines = encode(RECORDS)
    at = lines.index(BEGIN) + 2
    lines[at] = ("1" if lines[at][0] != "1" else "2") + lines[at][1:]
    with pytest.raises(BfError, match=r"checksum mismatch: the payload's CRC-32 is [0-9a-f]{8}, "
                                      r"the end line says [0-9a-f]{8}"):
        parse_samples(lines)


def test_a_lost_line_is_reported():
    lines = encode(RECORDS)
    del lines[lines.index(BEGIN) + 3]
    with pytest.raises(BfError, match="payload bytes, the end line says .*: lines were lost"):
        parse_samples(lines)


@pytest.mark.parametrize("cut", [3, 6])
def test_a_truncated_export_is_refused(cut):
    lines = encode(RECORDS)
    with pytest.raises(BfError, match=f"truncated: '{BEGIN}' has no '{END}'"):
        parse_samples(lines[:lines.index(BEGIN) + cut])


def test_no_export_and_garbage_are_refused():
    with pytest.raises(BfError, match="no '--- BEGIN SAMPLES ---' line") as info:
        parse_samples(["tinyllama: ok"])
    assert "sampling build" in info.value.hint
    lines = encode(RECORDS)
    lines[lines.index(BEGIN) + 2] = "zz" + lines[lines.index(BEGIN) + 2][2:]
    with pytest.raises(BfError, match="is not hex"):
        parse_samples(lines)


def test_a_version_this_reader_does_not_know_is_refused():
    lines = [line.replace("BFS1", "BFS2") for line in encode(RECORDS)]
    with pytest.raises(BfError, match="format version 2"):
        parse_samples(lines)


def table(entries):
    return SymbolTable([e[0] for e in entries], [e[1] for e in entries], [e[2] for e in entries])


def symbolizer():
    sym = Symbolizer.__new__(Symbolizer)
    sym.kernel = table([(0x10040, 0x10060, "_start"), (0x10100, 0x10180, "leaf"),
                        (0x10180, 0x10280, "caller"), (0x10280, 0x10400, "run_module")])
    sym.module_elfs, sym.modules = {}, {("fib", "i686"): table([(0x200000, 0x200100, "fib_rec")])}
    return sym


def test_frames_are_named_from_the_kernel_and_the_loaded_module():
    sym = symbolizer()
    load = Load(0, "fib", "i686")
    assert sym.stack(Sample((0x10100, 0x10200, 0x10048), None)) == ("_start", "caller", "leaf")
    # A return address that is the first byte of the next function belongs to the call before.
    assert sym.stack(Sample((0x10104, 0x10180, 0x10048), None)) == ("_start", "leaf", "leaf")
    assert sym.stack(Sample((0x200010, 0x200020, 0x10300, 0x10048), load)) == (
        "_start", "run_module", "fib[i686]:fib_rec", "fib[i686]:fib_rec")
    assert sym.stack(Sample((0x200010,), Load(1, "other", "i686"))) == (
        "[partial stack]", "other[i686]:0x200010")
    assert sym.stack(Sample((0x9999,), None)) == ("[partial stack]", "0x9999")


def test_folded_speedscope_svg_and_table():
    stacks = [("_start", "kmain", "matmul")] * 3 + [("_start", "kmain", "rope")] + \
        [("_start", "kmain", "fib[i686]:fib rec;x")]
    folded = outputs.fold(stacks)
    assert outputs.folded_text(folded).splitlines() == [
        "_start;kmain;fib[i686]:fib_rec:x 1", "_start;kmain;matmul 3", "_start;kmain;rope 1"]
    doc = outputs.speedscope(stacks, "t", 100)
    assert doc["profiles"][0]["samples"][0] == [0, 1, 2] and len(doc["shared"]["frames"]) == 5
    json.dumps(doc)
    svg = flame_svg(folded, "title <&>", "sub")
    root = ET.fromstring(svg)  # well-formed, names escaped
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "matmul: 3 samples, 60.00%" in titles
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    text = outputs.table(folded)
    assert text.splitlines()[2].split() == ["matmul", "3", "60.0%", "3", "60.0%"]
    assert outputs.share_under(folded, "kmain", "matmul") == (3, 5)
