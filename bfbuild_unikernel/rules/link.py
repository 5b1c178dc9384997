"""link: link objects and archives with ld.lld under a Jinja2 linker-script template, then make
the flat binary the boot loader loads (llvm-objcopy -O binary)."""
import jinja2

from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule, StepError
from bfbuild_unikernel.providers import ElfInfo, ObjectsInfo

ATTRS = {
    "deps": Attr("label_list", required=True, doc="clang, asm (elf32) and archive targets to link"),
    "linker_script": Attr("source", required=True, doc="a Jinja2 template of the linker script"),
    "script_vars": Attr("string_dict", doc="values for the template's variables"),
    "flat": Attr("bool", default=True, doc="also write the flat binary (objcopy -O binary)"),
}


def render_template(inputs, outputs, params):
    """Python step: render the linker script; an undefined variable fails the step by name."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    with open(inputs[0], encoding="utf-8") as handle:
        template = env.from_string(handle.read())
    try:
        text = template.render(**params["vars"])
    except jinja2.UndefinedError as exc:
        raise StepError(f"{inputs[0]}: {exc.message}; set it under 'script_vars'") from None
    with open(outputs[0], "w", encoding="utf-8") as handle:
        handle.write(text)


def analyse(ctx):
    ld, objcopy = ctx.tool("ld"), ctx.tool("objcopy")
    template = ctx.files("linker_script")[0]
    script = ctx.output(f"{ctx.label.name}.ld")
    ctx.python_action("LDSCRIPT", "bfbuild_unikernel.rules.link:render_template",
                      {"vars": ctx.attr["script_vars"]}, inputs=[template], outputs=[script])
    objects = []
    for dep in ctx.deps("deps"):
        info = dep.get(ObjectsInfo)
        if info is None:
            raise ctx.fail(f"dependency {dep.label} provides nothing to link")
        objects.extend(info.objects)
    elf = ctx.output(f"{ctx.label.name}.elf")
    link_map = ctx.output(f"{ctx.label.name}.map")
    argv = [*ld.argv, "-m", "elf_i386", "-nostdlib", "--build-id=none", "-T", script,
            f"-Map={link_map}", "-o", elf, *objects]
    ctx.action("LINK", argv, inputs=[script, *objects], outputs=[elf, link_map], tools=[ld])
    files = [elf]
    flat = None
    if ctx.attr["flat"]:
        flat = ctx.output(f"{ctx.label.name}.bin")
        ctx.action("OBJCOPY", [*objcopy.argv, "-O", "binary", elf, flat], inputs=[elf],
                   outputs=[flat], tools=[objcopy])
        files.append(flat)
    return [DefaultInfo(tuple(files)), ElfInfo(elf=elf, flat=flat, map=link_map)]


@hookimpl
def bfbuild_register_rules():
    return [Rule("link", ATTRS, analyse, axes=frozenset({"toolchain"}), doc=__doc__)]
