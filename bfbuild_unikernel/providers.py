"""Providers of the unikernel wing: objects, ELF files, images, CPUs, modules and their registry.

Rules hand them to the rules that depend on them (`ctx.dep(label).get(ImageInfo)`), exactly as a
third-party plugin's own dataclasses would travel.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class ObjectsInfo:
    """Relocatable objects to link."""

    objects: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ElfInfo:
    """A linked ELF executable, its flat binary, and its linker map."""

    elf: str
    flat: Optional[str] = None
    map: Optional[str] = None


@dataclass(frozen=True)
class ImageInfo:
    """A bootable raw disk image, and how to boot it."""

    image: str
    kernel_elf: Optional[str] = None
    qemu_system: str = "qemu-system-i386"
    data_disk: Optional[str] = None  # attached as the second IDE drive when booting
    stage2: Optional[str] = None  # the loader, whose info block gives the kernel size limit
    processors: int = 1  # QEMU -smp when booting (qemu/smp.py)


@dataclass(frozen=True)
class CpuInfo:
    """A CPU definition: compiler flags, CPUID features the kernel needs, QEMU model to test it."""

    tag: str
    cflags: Tuple[str, ...] = ()
    required_features: Tuple[str, ...] = ()
    qemu_cpu: str = "qemu32"


@dataclass(frozen=True)
class CcInfo:
    """What C compiles of dependants need: include folders and the headers behind them."""

    includes: Tuple[str, ...] = ()
    headers: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleInfo:
    """A module blob (header + payload) and what is needed to check its result on the host."""

    name: str
    blob: str
    elf: str
    opt_level: str
    cpu_tag: str
    reference: Optional[str] = None  # script printing the expected result as JSON
    reference_libs: Tuple[str, ...] = ()  # Python files the reference imports (modlib.py)
    features: Tuple[str, ...] = ()  # CPUID features the code needs (the CPU target's)
    tier: str = ""  # the tier of a tiered registry (docs/tiers.md), "" otherwise


@dataclass(frozen=True)
class RegistryInfo:
    """The modules an image embeds, the work they do, and the host's expected results."""

    modules: Tuple[ModuleInfo, ...]
    expected: str  # JSON file: {module: {"expect": text, "tolerance": k}}
    work: int = 1
    plan: Optional[str] = None  # the PGO plan (pgo=on): JSON of the level of each module
    instrumented: bool = False  # modules carry clang profile counters (pgo=instrument, ir_pgo)


@dataclass(frozen=True)
class DataDiskInfo:
    """A FAT16 data disk attached to QEMU as the second IDE drive."""

    disk: str
