"""A read-only FAT16 reader for data and state disks (a volume filling the whole disk, as mformat
makes it), and a check of what the kernel's writer must keep true: both FAT copies equal, every
file's chain as long as its size, no cluster in two chains, none allocated and unreachable."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Union

SECTOR = 512
DIR_ENTRY = 32
ATTR_DIRECTORY = 0x10
ATTR_VOLUME_ID = 0x08
ATTR_LONG_NAME = 0x0F
END_OF_CHAIN = 0xFFF8


class FatError(Exception):
    """The disk is not a FAT16 volume, or a path or chain on it is wrong."""


class NotFound(FatError):
    """No file or folder at that path."""


@dataclass(frozen=True)
class Entry:
    name: str  # "NAME.EXT"
    attr: int
    first_cluster: int
    size: int

    @property
    def is_dir(self) -> bool:
        return bool(self.attr & ATTR_DIRECTORY)


def _name(raw: bytes) -> str:
    base = raw[:8].rstrip(b" ")
    if base[:1] == b"\x05":
        base = b"\xe5" + base[1:]
    ext = raw[8:11].rstrip(b" ")
    text = base.decode("latin-1")
    return f"{text}.{ext.decode('latin-1')}" if ext else text


class Fat16:
    def __init__(self, data: bytes, name: str = "disk"):
        self.data, self.name = data, name
        if len(data) < SECTOR or data[510:512] != b"\x55\xaa":
            raise FatError(f"{name}: no boot sector")
        (bytes_per_sector, self.per_cluster, reserved, self.fats, root_entries, total16, _,
         self.fat_sectors) = struct.unpack_from("<HBHBHHBH", data, 11)
        total = total16 or struct.unpack_from("<I", data, 32)[0]
        if bytes_per_sector != SECTOR or not self.per_cluster or not self.fats or not root_entries:
            raise FatError(f"{name}: not a FAT16 volume of 512-byte sectors")
        self.fat_offset = reserved * SECTOR
        self.root_offset = self.fat_offset + self.fats * self.fat_sectors * SECTOR
        self.root_size = root_entries * DIR_ENTRY
        self.data_offset = self.root_offset + -(-self.root_size // SECTOR) * SECTOR
        self.cluster_size = self.per_cluster * SECTOR
        self.clusters = (total * SECTOR - self.data_offset) // self.cluster_size
        if not 4085 <= self.clusters <= 65524 or total * SECTOR > len(data):
            raise FatError(f"{name}: {self.clusters} clusters is not a FAT16 volume")

    @classmethod
    def open(cls, path: Union[str, Path]) -> "Fat16":
        return cls(Path(path).read_bytes(), str(path))

    def fat(self, copy: int = 0) -> List[int]:
        start = self.fat_offset + copy * self.fat_sectors * SECTOR
        count = min(self.clusters + 2, self.fat_sectors * SECTOR // 2)
        return list(struct.unpack_from(f"<{count}H", self.data, start))

    def chain(self, first: int) -> List[int]:
        fat, chain = self.fat(), []
        cluster = first
        while 2 <= cluster < END_OF_CHAIN:
            if cluster >= self.clusters + 2 or len(chain) > self.clusters:
                raise FatError(f"{self.name}: the chain from cluster {first} leaves the disk or loops")
            chain.append(cluster)
            cluster = fat[cluster]
        if chain and cluster < 2:
            raise FatError(f"{self.name}: the chain from cluster {first} runs into a free cluster")
        return chain

    def _cluster(self, cluster: int) -> bytes:
        at = self.data_offset + (cluster - 2) * self.cluster_size
        return self.data[at:at + self.cluster_size]

    def _entries(self, first_cluster: int) -> List[Entry]:
        raw = (self.data[self.root_offset:self.root_offset + self.root_size] if first_cluster == 0
               else b"".join(self._cluster(c) for c in self.chain(first_cluster)))
        found = []
        for at in range(0, len(raw), DIR_ENTRY):
            entry = raw[at:at + DIR_ENTRY]
            if entry[0] == 0:
                break
            attr = entry[11]
            if entry[0] == 0xE5 or attr == ATTR_LONG_NAME or attr & ATTR_VOLUME_ID:
                continue
            first, size = struct.unpack_from("<HI", entry, 26)
            found.append(Entry(_name(entry[:11]), attr, first, 0 if attr & ATTR_DIRECTORY else size))
        return found

    def lookup(self, path: str) -> Entry:
        entry = Entry("/", ATTR_DIRECTORY, 0, 0)
        for part in [p for p in path.split("/") if p]:
            if not entry.is_dir:
                raise FatError(f"{self.name}: {path}: {entry.name} is not a folder")
            matches = [e for e in self._entries(entry.first_cluster) if e.name == part.upper()]
            if not matches:
                raise NotFound(f"{self.name}: no {path}")
            entry = matches[0]
        return entry

    def listdir(self, path: str = "/") -> List[Entry]:
        entry = self.lookup(path)
        if not entry.is_dir:
            raise FatError(f"{self.name}: {path} is a file, not a folder")
        return [e for e in self._entries(entry.first_cluster) if e.name not in (".", "..")]

    def read(self, path: str) -> bytes:
        entry = self.lookup(path)
        if entry.is_dir:
            raise FatError(f"{self.name}: {path} is a folder")
        data = b"".join(self._cluster(c) for c in self.chain(entry.first_cluster))
        if len(data) < entry.size:
            raise FatError(f"{self.name}: {path} is {entry.size} bytes but its chain holds {len(data)}")
        return data[:entry.size]

    def check(self) -> List[str]:
        """Every inconsistency of the volume, as sentences; [] for a sound one."""
        problems = [f"FAT copy {i} differs from FAT copy 0" for i in range(1, self.fats)
                    if self.fat(i) != self.fat(0)]
        owner: Dict[int, str] = {}

        def walk(path: str, first: int) -> None:
            for entry in self._entries(first):
                if entry.name in (".", ".."):
                    continue
                where = f"{path}/{entry.name}"
                try:
                    chain = self.chain(entry.first_cluster)
                except FatError as exc:
                    problems.append(str(exc))
                    continue
                for cluster in chain:
                    if cluster in owner:
                        problems.append(f"cluster {cluster} is in {owner[cluster]} and {where}")
                    owner[cluster] = where
                if entry.is_dir:
                    walk(where, entry.first_cluster)
                elif len(chain) != -(-entry.size // self.cluster_size):
                    problems.append(f"{where} is {entry.size} bytes but has {len(chain)} cluster(s)")

        walk("", 0)
        fat = self.fat()
        lost = [c for c in range(2, self.clusters + 2) if fat[c] != 0 and c not in owner]
        if lost:
            problems.append(f"{len(lost)} cluster(s) allocated but in no file (first {lost[0]})")
        return problems
