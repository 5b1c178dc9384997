"""fat-disk: a FAT16 data disk (mtools) carrying module blobs in /MODULES, attached to QEMU as the
second IDE drive. The kernel reads it through its ATA PIO driver and prefers a valid blob found
there to the copy embedded in the image.

Files get 8.3 names (the kernel reads no long names): /MODULES/<CPU TAG>/<OPT>/<NAME>.MOD, tag
and module name cut to 8 characters and upper-cased; two modules that would share a path are
refused. The disk is the persistent optimisation cache: each module variant (CPU, level) has its
own place, and the kernel loads the one its registry asks for.
The volume serial is fixed and, since mtools stamps directory entries with the current time,
every entry's timestamps are then set to 1980-01-01 00:00, so the disk is reproducible.
"""
import struct
import subprocess

from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule, StepError
from bfbuild_unikernel.providers import DataDiskInfo, ModuleInfo, RegistryInfo

ATTRS = {
    "modules": Attr("label_list", doc="embed-module targets to put in /MODULES"),
    "registry": Attr("label", doc="a module-registry target: put all of its modules in /MODULES"),
    "files": Attr("source_list", doc="other files (sources or targets' outputs) for the root folder, "
                                      "named NAME.EXT from the first 8 and 3 characters, upper case"),
    "size_mb": Attr("int", default=16, doc="disk size in MiB (16 to 2047 gives FAT16)"),
    "volume": Attr("string", default="BFDATA", doc="volume label (at most 11 characters)"),
}


def module_path(module: str, cpu_tag: str, opt: str) -> str:
    return f"MODULES/{cpu_tag[:8].upper()}/{opt.upper()}/{module[:8].upper()}.MOD"


def root_name(path: str) -> str:
    """The 8.3 name a file gets in the root folder: model.bin -> MODEL.BIN."""
    stem, _, ext = path.rsplit("/", 1)[-1].partition(".")
    name = "".join(c for c in stem.upper() if c.isalnum() or c == "_")[:8]
    ext = "".join(c for c in ext.rsplit(".", 1)[-1].upper() if c.isalnum())[:3]
    return f"{name}.{ext}" if ext else name


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
    with open(disk, "wb") as handle:
        handle.truncate(params["size_mb"] * 1024 * 1024)
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
            f"{params['size_mb']} MiB FAT16")


def analyse(ctx):
    modules = []
    for dep in ctx.deps("modules"):
        info = dep.get(ModuleInfo)
        if info is None:
            raise ctx.fail(f"{dep.label} is not an embed-module target")
        modules.append(info)
    if ctx.attr["registry"] is not None:
        registry = ctx.dep(ctx.attr["registry"]).get(RegistryInfo)
        if registry is None:
            raise ctx.fail("'registry' must be a module-registry target")
        modules.extend(registry.modules)
    paths = [module_path(m.name, m.cpu_tag, m.tier or m.opt_level) for m in modules]
    clashes = sorted({p for p in paths if paths.count(p) > 1})
    if clashes:
        raise ctx.fail(f"modules share the 8.3 path {', '.join(clashes)}; rename one")
    files = ctx.files("files")
    roots = [root_name(f) for f in files]
    clashes = sorted({r for r in roots if roots.count(r) > 1})
    if clashes:
        raise ctx.fail(f"files share the 8.3 name {', '.join(clashes)}; rename one")
    if not 16 <= ctx.attr["size_mb"] <= 2047:
        raise ctx.fail("'size_mb' must be between 16 and 2047 for a FAT16 volume")
    if len(ctx.attr["volume"]) > 11:
        raise ctx.fail("'volume' is at most 11 characters")
    tools = {name: ctx.host_tool(name) for name in ("mformat", "mmd", "mcopy")}
    disk = ctx.output(f"{ctx.label.name}.img")
    ctx.python_action("FATDISK", "bfbuild_unikernel.rules.fat_disk:make_disk",
                      {"paths": paths, "files": roots, "size_mb": ctx.attr["size_mb"],
                       "volume": ctx.attr["volume"], "tools": {k: t.path for k, t in tools.items()}},
                      inputs=[m.blob for m in modules] + files, outputs=[disk],
                      tools=list(tools.values()))
    return [DefaultInfo((disk,)), DataDiskInfo(disk)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("fat-disk", ATTRS, analyse, doc=__doc__)]
