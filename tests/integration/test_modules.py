"""The module pipeline end to end: blobs as built, the loader refusing a corrupted one, the data
disk preferred to the embedded copy, results checked against the host's references."""
import struct
import zlib

import pytest

from bfbuild_unikernel.qemu.boot import MODULES_FAILED_STATUS, SUCCESS_STATUS, boot, qemu_argv

from tests.integration.conftest import registry_modules

pytestmark = pytest.mark.slow

HEADER = struct.Struct("<IHH20s12sIIIIIB3x")
MODULES = registry_modules()
OUT = "bfout/i686-any-clang"  # modules read no pgo axis; the image does
IMAGE = "bfout/i686-off-clang/images/tinyllama/tinyllama.img"
DISK = "bfout/i686-off-clang/apps/tinyllama/data_disk/data_disk.img"


@pytest.fixture
def built(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    return workspace


def _flip_payload_byte(data: bytearray, module: str) -> int:
    """Flip one payload byte of the blob of `module` found in `data`; returns its offset."""
    needle = struct.pack("<IHH", 0x4D4F4442, 64, 1) + module.encode().ljust(20, b"\0")
    at = bytes(data).find(needle)
    assert at >= 0, f"no blob of {module} found"
    data[at + 64 + 100] ^= 0x5A
    return at


def _boot(workspace, image, disk=None):
    argv = qemu_argv("qemu-system-i386", str(image), "qemu32", data_disk=str(disk) if disk else None)
    return boot(argv, timeout=60)


def test_every_blob_has_a_valid_header_and_the_bss_is_accounted(built):
    with_bss = 0
    for module in MODULES:
        blob = built.path(f"{OUT}/modules/{module}/{module}/{module}.mod").read_bytes()
        magic, size, fmt, name, cpu, load, entry, payload, bss, crc, opt = HEADER.unpack_from(blob)
        assert (magic, size, fmt) == (0x4D4F4442, 64, 1)
        assert name.rstrip(b"\0").decode() == module and cpu.rstrip(b"\0") == b"i686"
        assert payload == len(blob) - 64 > 0, "code_size must never be 0"
        assert load == 0x200000 and load <= entry < load + payload
        assert zlib.crc32(blob[64:]) == crc and opt == 1  # the modules' quick tier, -O1
        with_bss += bss > 0
    assert with_bss >= 6  # zero-initialised statics travel as a size, not as bytes


def test_a_corrupted_embedded_blob_is_refused_by_name_and_the_others_run(built, tmp_path):
    image = bytearray(built.path(IMAGE).read_bytes())
    _flip_payload_byte(image, "sha256")
    patched = tmp_path / "patched.img"
    patched.write_bytes(image)
    result = _boot(built, patched)
    lines = result.lines
    assert result.status == MODULES_FAILED_STATUS, result.describe()
    refusal = [l for l in lines if l.startswith("module sha256: refused (embedded): checksum mismatch")]
    assert refusal, lines
    ran = [l.split()[1] for l in lines if l.startswith("RESULT ")]
    assert ran == [m for m in MODULES if m != "sha256"]
    others = len(MODULES) - 1
    assert f"modules: {others} ran (0 from the data disk, {others} embedded), 1 refused, 0 failed" in lines


def test_a_corrupted_disk_copy_falls_back_to_the_embedded_blob(built, tmp_path):
    disk = bytearray(built.path(DISK).read_bytes())
    _flip_payload_byte(disk, "quicksort")
    patched = tmp_path / "disk.img"
    patched.write_bytes(disk)
    result = _boot(built, built.path(IMAGE), patched)
    assert result.status == SUCCESS_STATUS, result.describe()
    assert any(l.startswith("module quicksort: disk copy /MODULES/I686/O1/QUICKSOR.MOD refused: checksum "
                            "mismatch") for l in result.lines), result.lines
    sources = {l.split()[1]: l.split()[2] for l in result.lines if l.startswith("RESULT ")}
    assert sources.pop("quicksort") == "source=embedded"
    assert set(sources.values()) == {"source=disk"} and len(sources) == len(MODULES) - 1


def test_a_wrong_host_expectation_fails_the_boot_test_naming_the_module(workspace):
    workspace.edit("modules/sum/reference.py", '    return "sum=%d', '    return "sum=9%d')
    proc = workspace.bfbuild("test", "//images:tinyllama_embedded_test", check=1)
    assert "exited with the success status 33, but:" in proc.stdout
    assert "module sum: value 0: expected 'sum=98643075618439', got 'sum=8643075618439'" in proc.stdout
    assert "| RESULT sum " in proc.stdout  # the failing line is shown, not the JSON tail


def test_size_reports_sections_modules_and_the_space_left(built):
    proc = built.bfbuild("size", "//images:tinyllama", check=0)
    assert ".text" in proc.stdout and ".bss" in proc.stdout
    assert "stage 2 loads at most 896 sectors (458752 bytes)" in proc.stdout
    for module in MODULES:
        assert f" {module} " in proc.stdout
