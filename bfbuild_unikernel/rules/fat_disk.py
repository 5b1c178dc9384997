"""fat-disk: a FAT16 data disk (mtools) carrying module blobs in /MODULES, attached to QEMU as the
second IDE drive. The kernel reads it through its ATA PIO driver and prefers a valid blob found
there to the copy embedded in the image.

Files get 8.3 names (the kernel reads no long names): /MODULES/<CPU TAG>/<OPT>/<NAME>.MOD, tag
and module name cut to 8 characters and upper-cased; two modules that would share a path are
refused. The disk is the persistent optimisation cache: each module variant (CPU, level) has its
own place, and the kernel loads the one its registry asks for.
The disk is sized from its contents unless `size_mb` says otherwise, and reproducible
(fat_disk_steps.py).
"""
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule
from bfbuild_unikernel.providers import DataDiskInfo, ModuleInfo, RegistryInfo

ATTRS = {
    "modules": Attr("label_list", doc="embed-module targets to put in /MODULES"),
    "registry": Attr("label", doc="a module-registry target: put all of its modules in /MODULES"),
    "files": Attr("source_list", doc="other files (sources or targets' outputs) for the root folder, "
                                      "named NAME.EXT from the first 8 and 3 characters, upper case"),
    "size_mb": Attr("int", default=0, doc="disk size in MiB (16 to 2047 gives FAT16); 0: sized "
                                          "from the contents, at least 16"),
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
    if ctx.attr["size_mb"] and not 16 <= ctx.attr["size_mb"] <= 2047:
        raise ctx.fail("'size_mb' must be 0 (from the contents) or between 16 and 2047 for a "
                       "FAT16 volume")
    if len(ctx.attr["volume"]) > 11:
        raise ctx.fail("'volume' is at most 11 characters")
    tools = {name: ctx.host_tool(name) for name in ("mformat", "mmd", "mcopy")}
    disk = ctx.output(f"{ctx.label.name}.img")
    ctx.python_action("FATDISK", "bfbuild_unikernel.rules.fat_disk_steps:make_disk",
                      {"paths": paths, "files": roots, "size_mb": ctx.attr["size_mb"],
                       "volume": ctx.attr["volume"], "tools": {k: t.path for k, t in tools.items()}},
                      inputs=[m.blob for m in modules] + files, outputs=[disk],
                      tools=list(tools.values()))
    return [DefaultInfo((disk,)), DataDiskInfo(disk)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("fat-disk", ATTRS, analyse, doc=__doc__)]
