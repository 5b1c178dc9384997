"""`bfbuild size`: what an image is made of, read from the linked ELF files with pyelftools."""
from __future__ import annotations

from pathlib import Path
from typing import List

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from bfbuild.api import ConfiguredTarget, reachable
from bfbuild_unikernel.providers import ImageInfo, ModuleInfo

SECTOR = 512


def _sections(path: Path):
    """(name, address, size, in_file, executable) of the allocated sections."""
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        return [(s.name, s["sh_addr"], s["sh_size"], s["sh_type"] != "SHT_NOBITS",
                 bool(s["sh_flags"] & SH_FLAGS.SHF_EXECINSTR))
                for s in elf.iter_sections()
                if s["sh_flags"] & SH_FLAGS.SHF_ALLOC and s["sh_size"]]


def size_report(root: Path, configured: ConfiguredTarget) -> List[str]:
    from bfbuild_unikernel.rules.image import read_loader_info  # the image rule owns the block's layout

    image = configured.get(ImageInfo)
    lines = [f"{configured.label} ({configured.config.name})"]
    sections = _sections(root / image.kernel_elf)
    lines.append(f"  kernel {image.kernel_elf}")
    lines.append(f"    {'section':<12} {'address':>10} {'bytes':>9}")
    for name, address, size, in_file, _ in sections:
        lines.append(f"    {name:<12} {address:#010x} {size:>9}{'' if in_file else '  (zeroed at boot, not in the file)'}")
    start = min(a for _, a, _, _, _ in sections)
    file_end = max(a + s for _, a, s, f, _ in sections if f)
    file_bytes = file_end - start
    memory_end = max(a + s for _, a, s, _, _ in sections)
    info = read_loader_info((root / image.stage2).read_bytes())
    limit = info.max_sectors * SECTOR
    sectors = -(-file_bytes // SECTOR)
    lines.append(f"    file: {file_bytes} bytes, {sectors} sectors; stage 2 loads at most "
                 f"{info.max_sectors} sectors ({limit} bytes): {limit - file_bytes} bytes "
                 f"({100 * (limit - file_bytes) // limit}%) left")
    lines.append(f"    memory: {start:#x}..{memory_end:#x}, {info.load_address + limit - memory_end} "
                 f"bytes left below {info.load_address + limit:#x}")
    modules = [m for ct in reachable([configured]) for m in [ct.get(ModuleInfo)] if m]
    if modules:
        lines.append(f"  modules: {'name':<14} {'opt':>3} {'text':>7} {'rodata':>7} {'data':>6} {'bss':>6} {'blob':>7}")
        for module in sorted(modules, key=lambda m: m.name):
            parts = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
            for name, _, size, in_file, executable in _sections(root / module.elf):
                kind = "text" if executable else "bss" if not in_file else "rodata" if "rodata" in name else "data"
                parts[kind] += size
            blob = (root / module.blob).stat().st_size
            lines.append(f"           {module.name:<14} {module.opt_level:>3} {parts['text']:>7} "
                         f"{parts['rodata']:>7} {parts['data']:>6} {parts['bss']:>6} {blob:>7}")
    return lines
