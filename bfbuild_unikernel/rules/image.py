"""image: a bootable raw disk image: stage 1 (MBR), stage 2, then the kernel, sector aligned.

The layout is not configured here: stage 2 carries a loader-info block (magic 'BFL2', the kernel's
LBA, the most sectors it can load, the load address) and the kernel carries its own header (magic
0x464C5544, its sector count computed at link time). The image step reads both, checks that they
agree, and refuses a kernel larger than stage 2 can load, naming both sizes.
"""
import struct
from dataclasses import dataclass

from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule, StepError
from bfbuild_unikernel.providers import DataDiskInfo, ElfInfo, ImageInfo
from bfbuild_unikernel.qemu.smp import MAX_PROCESSORS

SECTOR = 512
LOADER_INFO_MAGIC = b"BFL2"
LOADER_INFO_OFFSET = 4
KERNEL_MAGIC = 0x464C5544

ATTRS = {
    "stage1": Attr("label", required=True, doc="asm target (format bin): the 512-byte MBR"),
    "stage2": Attr("label", required=True, doc="asm target (format bin): the second stage"),
    "kernel": Attr("label", required=True, doc="link target whose flat binary is the kernel"),
    "data_disk": Attr("label", doc="fat-disk target attached as the second drive when booting"),
    "processors": Attr("int", default=1, doc="processors QEMU gives the guest when booting (-smp; "
                       "multi-threaded TCG above 1, docs/smp.md), 1 to 8"),
}


@dataclass(frozen=True)
class LoaderInfo:
    kernel_lba: int
    max_sectors: int
    load_address: int


@dataclass(frozen=True)
class KernelHeader:
    magic: int
    sectors: int  # computed by the linker script
    entry: int
    file_bytes: int
    bss_end: int
    version: int


def read_loader_info(stage2: bytes, name: str = "stage 2") -> LoaderInfo:
    block = stage2[LOADER_INFO_OFFSET:LOADER_INFO_OFFSET + 12]
    if len(block) < 12 or block[:4] != LOADER_INFO_MAGIC:
        raise StepError(f"{name} has no loader-info block ('BFL2' at offset {LOADER_INFO_OFFSET})")
    lba, max_sectors, address = struct.unpack_from("<HHI", block, 4)
    return LoaderInfo(lba, max_sectors, address)


def read_kernel_header(kernel: bytes) -> KernelHeader:
    if len(kernel) < 24:
        raise StepError(f"kernel is {len(kernel)} bytes: too short for its header")
    return KernelHeader(*struct.unpack_from("<IIIIII", kernel, 0))


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % SECTOR)


def assemble_image(inputs, outputs, params):
    """Python step: check the pieces and write stage1 + stage2 + kernel to the image."""
    stage1, stage2, kernel = (open(path, "rb").read() for path in inputs[:3])
    if len(stage1) != SECTOR or stage1[510:512] != b"\x55\xaa":
        raise StepError(f"{inputs[0]}: stage 1 must be exactly 512 bytes ending 55 AA "
                        f"(it is {len(stage1)} bytes)")
    info = read_loader_info(stage2, inputs[1])
    if SECTOR + len(_pad(stage2)) != info.kernel_lba * SECTOR:
        raise StepError(f"{inputs[1]}: stage 2 is {len(stage2)} bytes but says the kernel starts "
                        f"at LBA {info.kernel_lba}")
    header = read_kernel_header(kernel)
    if header.magic != KERNEL_MAGIC:
        raise StepError(f"{inputs[2]}: kernel signature is {header.magic:#010x}, "
                        f"expected {KERNEL_MAGIC:#010x}")
    sectors = len(_pad(kernel)) // SECTOR
    if header.sectors != sectors:
        raise StepError(f"{inputs[2]}: kernel header says {header.sectors} sectors, the file has "
                        f"{sectors}: the linker script's size computation is wrong")
    if sectors > info.max_sectors:
        raise StepError(f"kernel too large: {inputs[2]} is {len(kernel)} bytes ({sectors} sectors) "
                        f"but stage 2 loads at most {info.max_sectors} sectors "
                        f"({info.max_sectors * SECTOR} bytes); shrink the kernel or move data to "
                        f"the data disk")
    memory_end = info.load_address + info.max_sectors * SECTOR
    if header.bss_end > memory_end:
        raise StepError(f"kernel memory too large: {inputs[2]} ends its .bss at {header.bss_end:#x} "
                        f"but memory above {memory_end:#x} is the stack; move large buffers to the "
                        f"heap")
    with open(outputs[0], "wb") as handle:
        handle.write(stage1 + _pad(stage2) + _pad(kernel))
    return (f"image: kernel {len(kernel)} bytes, {sectors}/{info.max_sectors} sectors "
            f"({100 * sectors // info.max_sectors}% of the loader's limit)")


def analyse(ctx):
    if not 1 <= ctx.attr["processors"] <= MAX_PROCESSORS:
        raise ctx.fail(f"'processors' is {ctx.attr['processors']}: the kernel runs 1 to "
                       f"{MAX_PROCESSORS} processors")
    parts = []
    for attr in ("stage1", "stage2"):
        files = ctx.dep(ctx.attr[attr]).files()
        if len(files) != 1 or not files[0].endswith(".bin"):
            raise ctx.fail(f"'{attr}' must be an asm target with format: bin")
        parts.append(files[0])
    elf = ctx.dep(ctx.attr["kernel"]).get(ElfInfo)
    if elf is None or not elf.flat:
        raise ctx.fail("'kernel' must be a link target with flat: true")
    parts.append(elf.flat)
    image = ctx.output(f"{ctx.label.name}.img")
    ctx.python_action("IMAGE", "bfbuild_unikernel.rules.image:assemble_image", {}, inputs=parts,
                      outputs=[image])
    data_disk = None
    if ctx.attr["data_disk"] is not None:
        info = ctx.dep(ctx.attr["data_disk"]).get(DataDiskInfo)
        if info is None:
            raise ctx.fail("'data_disk' must be a fat-disk target")
        data_disk = info.disk
    files = (image, data_disk) if data_disk else (image,)
    return [DefaultInfo(files), ImageInfo(image=image, kernel_elf=elf.elf, data_disk=data_disk,
                                           stage2=parts[1], processors=ctx.attr["processors"])]


@hookimpl
def bfbuild_register_rules():
    return [Rule("image", ATTRS, analyse, doc=__doc__)]
