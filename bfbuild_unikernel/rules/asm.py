"""asm: assemble one NASM source, as a flat binary (-f bin) or an ELF object (-f elf32)."""
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule
from bfbuild_unikernel.providers import ObjectsInfo

ATTRS = {
    "src": Attr("source", required=True, doc="the .asm file"),
    "format": Attr("string", default="elf32", values=["bin", "elf32"],
                   doc="bin: a flat binary (boot sectors); elf32: an object to link"),
    "includes": Attr("string_list", doc="include folders, relative to the package folder"),
    "defines": Attr("string_dict", doc="-D NAME=VALUE definitions"),
    "hdrs": Attr("source_list", doc="files the source %includes (also found via the depfile)"),
}


def analyse(ctx):
    fmt = ctx.attr["format"]
    src = ctx.files("src")[0]
    base = src.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    out = ctx.output(f"{base}.{'bin' if fmt == 'bin' else 'o'}")
    depfile = out + ".d"
    nasm = ctx.host_tool("nasm")
    package_dir = ctx.label.package
    argv = [*nasm.argv, "-f", fmt, "-Werror"]
    for folder in ctx.attr["includes"]:
        argv.append("-I" + "/".join(p for p in (package_dir, folder) if p).rstrip("/") + "/")
    for name, value in sorted(ctx.attr["defines"].items()):
        argv.append(f"-D{name}={value}")
    argv += ["-MD", depfile, "-MT", out, "-o", out, src]
    ctx.action("NASM", argv, inputs=[src, *ctx.files("hdrs")], outputs=[out, depfile],
               tools=[nasm], depfile=depfile)
    providers = [DefaultInfo((out,))]
    if fmt == "elf32":
        providers.append(ObjectsInfo((out,)))
    return providers


@hookimpl
def bfbuild_register_rules():
    return [Rule("asm", ATTRS, analyse, axes=frozenset(), doc=__doc__)]
