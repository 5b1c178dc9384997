"""Name sampled addresses from ELF symbol tables (pyelftools): the kernel's for kernel addresses,
and for an address in the module slot, the ELF of the module variant loaded there at the time."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from bfbuild.api import BfError
from bfbuild_unikernel.sampling.export import Load, Sample

MODULE_SLOT, MODULE_SLOT_SIZE = 0x200000, 0x200000  # bf/module.h
ROOT = "_start"  # where every complete stack ends (kernel/runtime/entry.asm)
TRUNCATED = "[partial stack]"


@dataclass
class SymbolTable:
    """The functions of one ELF file, sorted by address."""

    starts: List[int]
    ends: List[int]
    names: List[str]

    @classmethod
    def read(cls, path: str) -> "SymbolTable":
        functions: Dict[int, Tuple[int, str]] = {}
        try:
            with open(path, "rb") as handle:
                elf = ELFFile(handle)
                code = {i for i, s in enumerate(elf.iter_sections()) if s["sh_flags"] & 0x4}
                for section in elf.iter_sections():
                    if not isinstance(section, SymbolTableSection):
                        continue
                    for symbol in section.iter_symbols():
                        kind = symbol["st_info"]["type"]
                        # Functions and asm labels in code; not linker-script values (SHN_ABS).
                        if kind not in ("STT_FUNC", "STT_NOTYPE") or not symbol.name or \
                                symbol.name.startswith(".") or symbol["st_shndx"] not in code:
                            continue
                        start, size = symbol["st_value"], symbol["st_size"]
                        # A sized function wins over a label (asm) at the same address.
                        if start not in functions or (size and not functions[start][0]):
                            functions[start] = (size, symbol.name)
        except (OSError, ValueError) as exc:
            raise BfError(f"cannot read the symbols of {path}: {exc}") from None
        starts = sorted(functions)
        ends = []
        for i, start in enumerate(starts):
            size = functions[start][0]
            following = starts[i + 1] if i + 1 < len(starts) else start + 0x1000
            ends.append(start + size if size else following)  # asm labels: up to the next
        return cls(starts, ends, [functions[s][1] for s in starts])

    def name(self, address: int) -> Optional[str]:
        i = bisect.bisect_right(self.starts, address) - 1
        if i >= 0 and address < self.ends[i]:
            return self.names[i]
        return None


class Symbolizer:
    """Turns samples into stacks of names, root first."""

    def __init__(self, kernel_elf: str, module_elfs: Dict[Tuple[str, str], str]):
        self.kernel = SymbolTable.read(kernel_elf)
        self.module_elfs = module_elfs
        self.modules: Dict[Tuple[str, str], SymbolTable] = {}

    def _module(self, load: Optional[Load]) -> Tuple[str, Optional[SymbolTable]]:
        if load is None:
            return "[module slot]", None
        key = (load.name, load.cpu_tag)
        label = f"{load.name}[{load.cpu_tag}]" if load.cpu_tag else load.name
        if key not in self.modules and key in self.module_elfs:
            self.modules[key] = SymbolTable.read(self.module_elfs[key])
        return label, self.modules.get(key)

    def frame(self, address: int, load: Optional[Load]) -> str:
        if MODULE_SLOT <= address < MODULE_SLOT + MODULE_SLOT_SIZE:
            label, table = self._module(load)
            name = table.name(address) if table else None
            return f"{label}:{name}" if name else f"{label}:{address:#x}"
        return self.kernel.name(address) or f"{address:#x}"

    def stack(self, sample: Sample) -> Tuple[str, ...]:
        """Root first. A return address is named at address - 1, inside its call instruction
        (the return may be the first byte of the next function). A stack whose root is not
        _start was cut (a bad frame pointer, or deeper than the kernel records): it starts with
        "[partial stack]"."""
        names = [self.frame(a if i == 0 else a - 1, sample.load)
                 for i, a in enumerate(sample.addresses)]
        names.reverse()
        if names[0] != ROOT:
            names.insert(0, TRUNCATED)
        return tuple(names)


def stacks(symbolizer: Symbolizer, samples: Sequence[Sample]) -> List[Tuple[str, ...]]:
    return [symbolizer.stack(sample) for sample in samples]
