"""bfbuild_unikernel.rules.image: the image step checks stage 1, stage 2's loader info and the kernel header."""
import struct

import pytest

from bfbuild.engine.steps import StepError
from bfbuild_unikernel.rules.image import (KERNEL_MAGIC, LoaderInfo, assemble_image, read_kernel_header,
                                   read_loader_info)

SECTOR = 512
LOAD_ADDRESS = 0x10000
MAX_SECTORS = 896
MEMORY_END = LOAD_ADDRESS + MAX_SECTORS * SECTOR  # 0x80000


def stage1(signature=b"\x55\xaa", size=SECTOR):
    body = bytearray(b"\xeb\xfe" + b"\x90" * (size - 2))
    if size >= SECTOR:
        body[510:512] = signature
    return bytes(body)


def stage2(lba=9, max_sectors=MAX_SECTORS, address=LOAD_ADDRESS, size=4096, magic=b"BFL2"):
    body = bytearray(size)
    body[0:4] = b"\xfa\xfc\x31\xc0"
    body[4:16] = magic + struct.pack("<HHI", lba, max_sectors, address)
    return bytes(body)


def kernel(sectors, length=None, magic=KERNEL_MAGIC, header_sectors=None, entry=0x10018,
           bss_end=0x20000):
    length = sectors * SECTOR if length is None else length
    header = struct.pack("<IIIIII", magic, sectors if header_sectors is None else header_sectors,
                         entry, length, bss_end, 1)
    return header + b"\xcc" * (length - len(header))


@pytest.fixture
def image(tmp_path):
    """image(stage1, stage2, kernel) -> (returned text, image path) after assemble_image."""

    def run(s1, s2, k):
        paths = []
        for name, data in (("stage1.bin", s1), ("stage2.bin", s2), ("kernel.bin", k)):
            path = tmp_path / name
            path.write_bytes(data)
            paths.append(str(path))
        out = tmp_path / "disk.img"
        return assemble_image(paths, [str(out)], {}), out

    return run


def test_good_image_is_stage1_stage2_and_padded_kernel(image):
    s1, s2 = stage1(), stage2()
    k = kernel(3, length=2 * SECTOR + 100)  # 3 sectors once padded
    text, out = image(s1, s2, k)
    data = out.read_bytes()
    assert len(data) == SECTOR + 4096 + 3 * SECTOR
    assert data[:SECTOR] == s1
    assert data[SECTOR:SECTOR + 4096] == s2
    assert data[9 * SECTOR:9 * SECTOR + len(k)] == k  # the kernel starts at the LBA stage 2 names
    assert data[9 * SECTOR + len(k):] == b"\0" * (3 * SECTOR - len(k))
    assert text == f"image: kernel {len(k)} bytes, 3/896 sectors (0% of the loader's limit)"


def test_stage2_is_padded_to_a_sector(image):
    s2 = stage2(lba=9, size=4000)  # 4000 bytes pad to 8 sectors: the kernel is at LBA 1 + 8
    _, out = image(stage1(), s2, kernel(1))
    data = out.read_bytes()
    assert data[SECTOR:SECTOR + 4000] == s2
    assert data[SECTOR + 4000:9 * SECTOR] == b"\0" * 96
    assert data[9 * SECTOR:9 * SECTOR + 4] == struct.pack("<I", KERNEL_MAGIC)


def test_kernel_at_the_limit_is_accepted(image):
    text, out = image(stage1(), stage2(), kernel(MAX_SECTORS, bss_end=MEMORY_END))
    assert "896/896 sectors (100% of the loader's limit)" in text
    assert out.stat().st_size == (9 + MAX_SECTORS) * SECTOR


def test_kernel_too_large_names_both_sizes(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(), kernel(900))
    message = str(info.value)
    assert message.startswith("kernel too large:")
    assert "(900 sectors)" in message
    assert f"{900 * SECTOR} bytes" in message
    assert "at most 896 sectors" in message
    assert f"({896 * SECTOR} bytes)" in message


def test_no_image_is_written_when_refused(image, tmp_path):
    with pytest.raises(StepError):
        image(stage1(), stage2(), kernel(900))
    assert not (tmp_path / "disk.img").exists()


def test_wrong_kernel_magic(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(), kernel(2, magic=0x7F454C46))
    message = str(info.value)
    assert "kernel.bin: kernel signature is 0x7f454c46, expected 0x464c5544" in message


def test_header_sector_count_disagreeing_with_file_size(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(), kernel(4, header_sectors=3))
    message = str(info.value)
    assert "kernel header says 3 sectors, the file has 4" in message
    assert "linker script" in message


@pytest.mark.parametrize("s1, size", [
    (stage1(signature=b"\x00\x00"), 512),
    (stage1(signature=b"\xaa\x55"), 512),
    (stage1(size=511), 511),
    (stage1() + b"\0", 513),
])
def test_stage1_must_be_one_sector_ending_55aa(image, s1, size):
    with pytest.raises(StepError) as info:
        image(s1, stage2(), kernel(1))
    message = str(info.value)
    assert "stage1.bin: stage 1 must be exactly 512 bytes ending 55 AA" in message
    assert f"(it is {size} bytes)" in message


def test_bss_beyond_the_stack_is_refused(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(), kernel(8, bss_end=MEMORY_END + 0x1000))
    message = str(info.value)
    assert "kernel memory too large" in message
    assert "0x81000" in message and "0x80000" in message


def test_bss_ending_exactly_at_the_stack_is_accepted(image):
    _, out = image(stage1(), stage2(), kernel(8, bss_end=MEMORY_END))
    assert out.exists()


def test_stage2_without_loader_info(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(magic=b"XXXX"), kernel(1))
    assert "has no loader-info block ('BFL2' at offset 4)" in str(info.value)


def test_stage2_size_disagreeing_with_kernel_lba(image):
    with pytest.raises(StepError) as info:
        image(stage1(), stage2(lba=10), kernel(1))
    assert "stage 2 is 4096 bytes but says the kernel starts at LBA 10" in str(info.value)


def test_kernel_too_short_for_its_header(image):
    with pytest.raises(StepError, match="kernel is 10 bytes: too short for its header"):
        image(stage1(), stage2(), b"\0" * 10)


def test_read_loader_info():
    assert read_loader_info(stage2()) == LoaderInfo(9, 896, 0x10000)
    with pytest.raises(StepError, match="stage2.bin has no loader-info block"):
        read_loader_info(b"\0" * 10, "stage2.bin")


def test_read_kernel_header():
    header = read_kernel_header(kernel(5, entry=0x10020, bss_end=0x30000))
    assert header.magic == KERNEL_MAGIC
    assert (header.sectors, header.entry, header.file_bytes, header.bss_end, header.version) == \
        (5, 0x10020, 5 * SECTOR, 0x30000, 1)
