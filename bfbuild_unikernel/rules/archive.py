"""archive: bundle the objects of clang/asm targets into a static library (llvm-ar)."""
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule
from bfbuild_unikernel.providers import CcInfo, ObjectsInfo

ATTRS = {
    "deps": Attr("label_list", required=True, doc="clang and asm (elf32) targets to bundle"),
}


def analyse(ctx):
    ar = ctx.tool("ar")
    objects, includes, headers = [], [], []
    for dep in ctx.deps("deps"):
        info = dep.get(ObjectsInfo)
        if info is None:
            raise ctx.fail(f"dependency {dep.label} provides no objects",
                           hint="'deps' of an archive takes clang targets and asm targets with format elf32")
        objects.extend(info.objects)
        cc = dep.get(CcInfo)
        if cc:
            includes.extend(cc.includes)
            headers.extend(cc.headers)
    out = ctx.output(f"lib{ctx.label.name}.a")
    # 'D': deterministic (zero timestamps and owners), so archives are reproducible.
    ctx.action("AR", [*ar.argv, "rcsD", out, *objects], inputs=objects, outputs=[out], tools=[ar])
    return [DefaultInfo((out,)), ObjectsInfo((out,)),
            CcInfo(tuple(dict.fromkeys(includes)), tuple(dict.fromkeys(headers)))]


@hookimpl
def bfbuild_register_rules():
    return [Rule("archive", ATTRS, analyse, axes=frozenset({"toolchain"}), doc=__doc__)]
