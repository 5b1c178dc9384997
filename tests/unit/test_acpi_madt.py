"""The kernel's processor discovery (kernel/runtime/acpi.c), compiled for the host and run on fake
firmware memory: an RSDP in the EBDA or the BIOS area, its RSDT and MADT, or an MP floating
pointer and configuration table; damaged tables must be refused, never followed."""
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY = 1 << 20

HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <bf/acpi.h>

int main(int argc, char **argv)
{
    static uint8_t mem[1 << 20];
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(mem, 1, sizeof mem, f) != sizeof mem)
        return 2;
    struct bf_cpu_list cpus;
    static const char *const names[] = {"none", "acpi", "mptable"};
    enum bf_cpu_source source = bf_cpus_find((uintptr_t)mem, &cpus);
    printf("%s %u %u %x", names[source], cpus.count, cpus.skipped, cpus.lapic_base);
    for (uint32_t i = 0; i < cpus.count; i++)
        printf(" %u", cpus.apic_id[i]);
    printf("\n");
    return 0;
}
"""


def fix_checksum(table: bytearray, at: int, length: int) -> bytearray:
    table[at] = (-sum(table[:length]) + table[at]) % 256
    return table


def sdt(signature: bytes, body: bytes) -> bytes:
    table = bytearray(signature + struct.pack("<IBB6s8sIII", 36 + len(body), 1, 0, b"BFTEST",
                                              b"BFTABLE ", 1, 0, 0) + body)
    return bytes(fix_checksum(table, 9, len(table)))


def madt(apics, lapic_base=0xFEE00000, extra=b"") -> bytes:
    entries = b"".join(struct.pack("<BBBBI", 0, 8, i, apic_id, flags)
                       for i, (apic_id, flags) in enumerate(apics))
    return sdt(b"APIC", struct.pack("<II", lapic_base, 1) + entries + extra)


def acpi_memory(madt_bytes: bytes, rsdp_at=0xF0000, ebda=0x9FC0) -> bytearray:
    mem = bytearray(MEMORY)
    mem[0x40E:0x410] = struct.pack("<H", ebda)
    mem[0x11000:0x11000 + len(madt_bytes)] = madt_bytes
    rsdt = sdt(b"RSDT", struct.pack("<II", 0x12000, 0x11000))  # an unrelated table first
    mem[0x12000:0x12000 + 36] = sdt(b"FACP", b"")[:36]
    mem[0x10000:0x10000 + len(rsdt)] = rsdt
    rsdp = fix_checksum(bytearray(b"RSD PTR " + b"\0" + b"BFTEST" + b"\0" +
                                  struct.pack("<I", 0x10000)), 8, 20)
    mem[rsdp_at:rsdp_at + 20] = rsdp
    return mem


def add_mptable(mem: bytearray, apics) -> bytearray:
    entries = b"".join(struct.pack("<BBBBII8x", 0, apic_id, 0x14, flags, 0, 0)
                       for apic_id, flags in apics) + struct.pack("<BB6x", 1, 0)  # and a bus
    header = bytearray(b"PCMP" + struct.pack("<HBB8s12sIHHIHBB", 44 + len(entries), 4, 0,
                                             b"BFTEST  ", b"BFTABLE     ", 0, 0,
                                             len(apics) + 1, 0xFEE00000, 0, 0, 0) + entries)
    mem[0x20000:0x20000 + len(header)] = fix_checksum(header, 7, len(header))
    floating = fix_checksum(bytearray(b"_MP_" + struct.pack("<IBBB5x", 0x20000, 1, 4, 0)), 10, 16)
    mem[0xF5000:0xF5010] = floating
    return mem


def compile_harness(folder: Path) -> Path:
    cc = shutil.which("clang") or shutil.which("cc")
    assert cc, "no C compiler: ./bfw installs clang"
    source, exe = folder / "harness.c", folder / "discover"
    source.write_text(HARNESS)
    flags = ["-O1", "-std=c11", "-Wall", "-Werror", f"-I{REPO / 'kernel/include'}"]
    subprocess.run([cc, *flags, str(source), str(REPO / "kernel/runtime/acpi.c"), "-o", str(exe)],
                   check=True)
    return exe


@pytest.fixture(scope="module")
def discover(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acpi")
    exe = compile_harness(folder)

    def run(mem: bytearray) -> str:
        (folder / "mem.bin").write_bytes(bytes(mem))
        return subprocess.run([str(exe), str(folder / "mem.bin")], capture_output=True,
                              text=True, check=True).stdout.strip()
    return run


def test_the_madt_gives_the_enabled_processors_in_order(discover):
    # apic id 2 is disabled (flags 0); the RSDP sits in the BIOS area.
    assert discover(acpi_memory(madt([(0, 1), (1, 1), (2, 0), (3, 1)]))) == "acpi 3 0 fee00000 0 1 3"


def test_the_rsdp_in_the_ebda_and_an_address_override(discover):
    override = struct.pack("<BBHQ", 5, 12, 0, 0xFEC00000)
    mem = acpi_memory(madt([(0, 1), (1, 1)], extra=override), rsdp_at=0x9FC00)
    assert discover(mem) == "acpi 2 0 fec00000 0 1"


def test_more_processors_than_the_kernel_runs_are_counted_not_listed(discover):
    apics = [(i, 1) for i in range(10)]
    assert discover(acpi_memory(madt(apics))) == "acpi 8 2 fee00000 0 1 2 3 4 5 6 7"


def test_a_damaged_acpi_table_falls_back_to_the_mp_table(discover):
    bad_checksum = bytearray(madt([(0, 1), (1, 1)]))
    bad_checksum[40] ^= 1
    overrun = bytearray(madt([(0, 1), (1, 1)]))
    overrun[45] = 60  # the first entry's length runs past the table
    fix_checksum(overrun, 9, len(overrun))
    for table in (bad_checksum, overrun):
        mem = add_mptable(acpi_memory(bytes(table)), [(0, 3), (4, 1), (5, 0)])
        assert discover(mem) == "mptable 2 0 fee00000 0 4"


def test_without_any_table_the_boot_processor_runs_alone(discover):
    assert discover(bytearray(MEMORY)) == "none 0 0 fee00000"
