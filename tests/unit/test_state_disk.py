"""The state disk's host side: the kernel's slot format read back (torn and foreign slots never
trusted), the FAT16 reader and its consistency check, and the state disk made, kept, replaced
and reset beside a build output that is never written."""
import shutil
import struct
import subprocess
import zlib

import pytest

from bfbuild.api import BfError
from bfbuild_unikernel.state import disk as state_disk
from bfbuild_unikernel.state.fat16 import Fat16, FatError
from bfbuild_unikernel.state.slots import (HEADER_SIZE, RecordError, choose, decode_slot,
                                           encode_slot, read_record, record_names)

MTOOLS = all(shutil.which(tool) for tool in ("mformat", "mmd", "mcopy"))


def _slot(seq, payload=b"tiers" * 40, name="TIERS", size=4096):
    return encode_slot(name, seq, payload, size)


def test_a_slot_round_trips_and_matches_the_kernel_layout():
    data = _slot(7, b"abc", size=64)
    assert data[:4] == b"BFST" and len(data) == 64
    assert struct.unpack_from("<HHIII", data, 4) == (1, HEADER_SIZE, 7, 3, zlib.crc32(b"abc"))
    assert data[20:28] == b"TIERS\0\0\0"
    assert struct.unpack_from("<I", data, 28)[0] == zlib.crc32(data[:28])
    slot = decode_slot("tiers", 0, data)
    assert slot.valid and slot.sequence == 7 and slot.payload == b"abc"


@pytest.mark.parametrize("damage, why", [
    (lambda d: d[:HEADER_SIZE + 5] + bytes([d[HEADER_SIZE + 5] ^ 1]) + d[HEADER_SIZE + 6:],
     "torn payload (checksum mismatch)"),
    (lambda d: d[:8] + b"\x09" + d[9:], "torn header (checksum mismatch)"),
    (lambda d: b"\0" * len(d), "no header (never written)"),
    (lambda d: d[:20], "shorter than a header"),
    (lambda d: d[:HEADER_SIZE + 10], "length beyond the slot"),
])
def test_a_torn_or_damaged_slot_is_never_valid(damage, why):
    slot = decode_slot("TIERS", 1, damage(_slot(3)))
    assert not slot.valid and slot.why == why


def test_another_records_slot_is_refused():
    assert decode_slot("OTHER", 0, _slot(3)).why == "another record's slot"


def test_the_newest_valid_slot_wins_and_a_torn_newer_one_is_skipped():
    old, new = decode_slot("TIERS", 0, _slot(4, b"old")), decode_slot("TIERS", 1, _slot(5, b"new"))
    assert choose("TIERS", [old, new]).payload == b"new"
    torn = decode_slot("TIERS", 1, _slot(5, b"new")[:-4096 + HEADER_SIZE + 1] + b"\xff" * 4000)
    record = choose("TIERS", [old, torn])
    assert (record.slot, record.sequence, record.payload) == (0, 4, b"old")
    with pytest.raises(RecordError, match=r"slot 0: torn payload .*slot 1: missing"):
        choose("TIERS", [decode_slot("TIERS", 0, _slot(4)[:40] + b"x" * 300),
                         decode_slot("TIERS", 1, None)])
    with pytest.raises(RecordError, match="no record TIERS saved yet"):
        choose("TIERS", [decode_slot("TIERS", 0, None), decode_slot("TIERS", 1, None)])


def test_bad_record_names_are_refused():
    with pytest.raises(RecordError, match="1 to 8 of A-Z"):
        encode_slot("TOO_LONG_NAME", 1, b"")


def _disk(tmp_path, files):
    disk = tmp_path / "disk.img"
    with open(disk, "wb") as handle:
        handle.truncate(16 * 1024 * 1024)
    subprocess.run(["mformat", "-i", disk, "-v", "BFDATA", "-N", "00000000", "::"], check=True)
    subprocess.run(["mmd", "-i", disk, "::/STATE"], check=True)
    for name, data in files.items():
        source = tmp_path / name.replace("/", "_")
        source.write_bytes(data)
        subprocess.run(["mcopy", "-i", disk, source, f"::/{name}"], check=True)
    return disk


@pytest.mark.skipif(not MTOOLS, reason="mtools missing: ./bfw installs it")
def test_records_are_read_from_a_fat16_disk_and_its_check_finds_damage(tmp_path):
    disk = _disk(tmp_path, {"STATE/TIERS.S0": _slot(8, b"eight"), "STATE/TIERS.S1": _slot(9, b"nine"),
                            "STATE/NOTE.TXT": b"hello"})
    volume = Fat16.open(disk)
    assert volume.read("/state/note.txt") == b"hello"
    assert record_names(volume) == ["TIERS"]
    record = read_record(disk, "tiers")
    assert (record.slot, record.sequence, record.payload) == (1, 9, b"nine")
    assert volume.check() == []
    with pytest.raises(RecordError, match="no record OTHER"):
        read_record(volume, "OTHER")
    # The second FAT copy out of step with the first: a write that updated one FAT only.
    data = bytearray(disk.read_bytes())
    fat2 = volume.fat_offset + volume.fat_sectors * 512
    data[fat2 + 2 * 40] ^= 0x01
    assert Fat16(bytes(data)).check() == ["FAT copy 1 differs from FAT copy 0"]
    data[fat2 + 2 * 40] ^= 0x01
    data[volume.fat_offset + 2 * 3000:volume.fat_offset + 2 * 3000 + 2] = b"\xff\xff"
    assert any("in no file" in p for p in Fat16(bytes(data)).check())
    with pytest.raises(FatError, match="no boot sector"):
        Fat16(b"\0" * 1024)


@pytest.mark.skipif(not MTOOLS, reason="mtools missing: ./bfw installs it")
def test_the_state_disk_is_made_kept_replaced_and_reset_and_the_output_never_written(tmp_path):
    data_disk = "bfout/any-any-any/apps/x/disk/disk.img"
    built = tmp_path / data_disk
    built.parent.mkdir(parents=True)
    shutil.copy(_disk(tmp_path, {}), built)
    original = built.read_bytes()
    state = state_disk.state_disk_path("bfout/i686-any-clang/images/x/x.img")
    assert state == "bfout/state/i686-any-clang/images/x.img"

    assert "made from the data disk" in state_disk.prepare(tmp_path, data_disk, state)
    (tmp_path / state).write_bytes(b"learned")  # what a boot wrote
    assert "kept from earlier boots" in state_disk.prepare(tmp_path, data_disk, state)
    assert (tmp_path / state).read_bytes() == b"learned"

    built.write_bytes(original[:-1] + b"\x01")  # the data disk rebuilt with other contents
    line = state_disk.prepare(tmp_path, data_disk, state)
    assert line.startswith(f"bfbuild: state disk {state} replaced: the data disk was rebuilt")
    assert "\n" not in line and (tmp_path / state).read_bytes() == built.read_bytes()

    (tmp_path / state).write_bytes(b"learned")
    assert " reset: " in state_disk.prepare(tmp_path, data_disk, state, reset="cmd-1")
    (tmp_path / state).write_bytes(b"learned again")  # a second boot of the same command
    assert "kept" in state_disk.prepare(tmp_path, data_disk, state, reset="cmd-1")
    assert (tmp_path / state).read_bytes() == b"learned again"
    assert " reset: " in state_disk.prepare(tmp_path, data_disk, state, reset="cmd-2")
    assert built.read_bytes() == original[:-1] + b"\x01"  # never written by any of this


def test_the_state_disk_replaces_the_data_disk_on_the_command_line():
    argv = ["qemu", "-drive", "file=a.img,format=raw,if=ide,index=0,snapshot=on",
            "-drive", "file=d.img,format=raw,if=ide,index=1,snapshot=on", "-m", "64M"]
    changed = state_disk.with_state_disk(argv, "bfout/state/s.img")
    assert changed[4] == "file=bfout/state/s.img,format=raw,if=ide,index=1"
    assert changed[:4] == argv[:4] and changed[5:] == argv[5:]
    with pytest.raises(BfError, match="no data disk"):
        state_disk.with_state_disk(argv[:3], "s.img")
    with pytest.raises(BfError, match="not an output"):
        state_disk.state_disk_path("images/x.img")


@pytest.mark.skipif(not MTOOLS, reason="mtools missing: ./bfw installs it")
def test_bfbuild_state_describes_each_record_and_the_volume(tmp_path):
    from bfbuild_unikernel.commands.state import describe

    state = "bfout/state/i686-any-clang/images/x.img"
    with pytest.raises(BfError, match="no state disk"):
        describe(tmp_path, state)
    torn = _slot(4, b"four")[:HEADER_SIZE] + b"FOUR"  # the payload changed after the header
    disk = _disk(tmp_path, {"STATE/TIERS.S0": _slot(3, b"three"), "STATE/TIERS.S1": torn,
                            "STATE/PROFILE.S1": torn})
    (tmp_path / state).parent.mkdir(parents=True)
    shutil.copy(disk, tmp_path / state)
    lines, _ = describe(tmp_path, state)
    assert lines[1:] == [
        "  volume: consistent",
        "  PROFILE  no slot of PROFILE holds a valid record (slot 0: missing; "
        "slot 1: another record's slot)",
        "  TIERS    slot 0, sequence 3, 5 bytes (slot 1: torn payload (checksum mismatch))"]


def test_state_options_reach_boot_tests_and_run_refuses_a_boot_without_data_disk(tmp_path):
    from argparse import Namespace
    from types import SimpleNamespace

    from bfbuild_unikernel.state import options

    image = SimpleNamespace(image="bfout/i686-any-clang/images/x/x.img",
                            data_disk="bfout/any-any-any/apps/x/disk/disk.img")
    options.configure(Namespace(command="test", state=False, reset_state=False, started=1.0))
    assert options.for_boot_test(image) is None  # without --state: the built data disk
    options.configure(Namespace(command="test", state=False, reset_state=True, started=1.0))
    state = options.for_boot_test(image)
    assert state["disk"] == "bfout/state/i686-any-clang/images/x.img" and state["reset"]
    assert options.for_boot_test(SimpleNamespace(image=image.image, data_disk=None)) is None
    options.configure(Namespace(command="build"))  # another command: no state
    assert options.for_boot_test(image) is None
    run_options = Namespace(state=True, reset_state=False, started=1.0, no_data_disk=True)
    with pytest.raises(BfError, match="without a data disk"):
        options.use_state_disk(tmp_path, image, ["qemu"], run_options)
    assert options.use_state_disk(tmp_path, image, ["qemu"], Namespace(no_data_disk=False)) == ["qemu"]
