"""The Python step of the fat-disk rule: an mtools FAT16 volume holding the module blobs and
the root files, sized from them (`size_mb` 0), with fixed timestamps.

The volume serial is fixed and, since mtools stamps directory entries with the current time,
every entry's timestamps are then set to 1980-01-01 00:00, so the disk is reproducible.
FAT16 holds at most 65524 clusters of up to 32 KiB: 2 GiB; mformat picks the cluster size.
"""
import os
import struct
import subprocess

from bfbuild.api import StepError

MIB = 1024 * 1024
MIN_MB, MAX_MB = 16, 2047
# Room beyond the files' bytes: a partly used cluster per file and directory (at most 32 KiB
# each), the FATs and the root folder.
SLACK_MB = 4


def size_from_contents(paths) -> int:
    """MiB for a disk holding these files: their size, a tenth more, SLACK_MB, at least 16."""
    total = sum(os.path.getsize(p) for p in paths)
    mb = -(-(total + total // 10) // MIB) + SLACK_MB
    if mb > MAX_MB:
        raise StepError(f"the data disk's files take {total} bytes: more than a FAT16 volume "
                        f"holds ({MAX_MB} MiB); use a smaller (e.g. q8) model")
    return max(MIN_MB, mb)


FAT_EPOCH_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest FAT date
DIR_ENTRY = 32


def clear_timestamps(disk: str) -> None:
    """Set the creation, access and write times of every directory entry to the FAT epoch."""
    with open(disk, "r+b") as handle:
        boot = handle.read(512)
        sector, per_cluster, reserved = struct.unpack_from("<HBH", boot, 11)
        fats, root_entries, _, _, fat_sectors = struct.unpack_from("<BHHBH", boot, 16)
        root_start = (reserved + fats * fat_sectors) * sector
        data_start = root_start + root_entries * DIR_ENTRY
        cluster_bytes = sector * per_cluster
        handle.seek(reserved * sector)
        fat = handle.read(fat_sectors * sector)

        def clusters(first):
            while 2 <= first < 0xFFF8:
                yield data_start + (first - 2) * cluster_bytes
                first = struct.unpack_from("<H", fat, first * 2)[0]

        def clear(offset: int, length: int) -> None:
            handle.seek(offset)
            entries = bytearray(handle.read(length))
            subdirs = []
            for at in range(0, length, DIR_ENTRY):
                first_byte, attr = entries[at], entries[at + 11]
                if first_byte == 0:
                    break
                if first_byte == 0xE5 or attr == 0x0F:  # deleted, long-name part
                    continue
                struct.pack_into("<BHHHHHH", entries, at + 13, 0, 0, FAT_EPOCH_DATE,
                                 FAT_EPOCH_DATE, 0, 0, FAT_EPOCH_DATE)
                start = struct.unpack_from("<H", entries, at + 26)[0]
                if attr & 0x10 and entries[at:at + 2] not in (b". ", b".."):
                    subdirs.append(start)
            handle.seek(offset)
            handle.write(entries)
            for first in subdirs:
                for cluster in clusters(first):
                    clear(cluster, cluster_bytes)

        clear(root_start, root_entries * DIR_ENTRY)


def make_disk(inputs, outputs, params):
    """Python step: an empty FAT16 volume, then /MODULES/<NAME>.MOD for every blob."""
    disk = outputs[0]
    size_mb = params["size_mb"] or size_from_contents(inputs)
    with open(disk, "wb") as handle:
        handle.truncate(size_mb * MIB)
    tools = params["tools"]

    def run(argv):
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            raise StepError(f"{' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}")

    run([tools["mformat"], "-i", disk, "-v", params["volume"], "-N", "00000000", "::"])
    run([tools["mmd"], "-i", disk, "::/MODULES"])
    folders = {path.rsplit("/", 1)[0] for path in params["paths"]}
    for folder in sorted(folders | {f.rsplit("/", 1)[0] for f in folders}):
        if folder != "MODULES":
            run([tools["mmd"], "-i", disk, f"::/{folder}"])
    blobs = inputs[:len(params["paths"])]
    for blob, path in zip(blobs, params["paths"]):
        run([tools["mcopy"], "-i", disk, blob, f"::/{path}"])
    for path, name in zip(inputs[len(blobs):], params["files"]):
        run([tools["mcopy"], "-i", disk, path, f"::/{name}"])
    clear_timestamps(disk)
    return (f"data disk: {len(params['paths'])} module blob(s), {len(params['files'])} other file(s), "
            f"{size_mb} MiB FAT16")
