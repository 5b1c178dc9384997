"""embed-module: compile a module, link it to run in the module slot, and wrap it in a blob.

The blob is a 64-byte header (kernel/include/bf/module.h) followed by the payload: the linked
ELF's allocated sections with contents, laid out from the slot address. The zero-initialised
sections are not in the payload (a flat binary has no .bss); their size goes in the header and
the loader zeroes them. The step refuses a module with no code, a .bss that is not last, or a
payload that does not fit the slot, so a size of 0 can never ship.
"""
import struct
import zlib

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from bfbuild_unikernel.axes import cpu_of
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule, StepError
from bfbuild_unikernel.providers import ModuleInfo
from bfbuild_unikernel.rules.clang import COMPILE_ATTRS, compile_c

MAGIC = 0x4D4F4442
FORMAT = 1
HEADER = struct.Struct("<IHH20s12sIIIIIBBBx")
FLAG_PROFILE_COUNTERS = 0x01  # BF_MODULE_FLAG_PROFILE_COUNTERS in module.h
DEFAULT_SLOT = 0x00200000
SLOT_SIZE = 0x00200000
ENTRY_SYMBOL = "module_main"
OPT_CODES = {"O0": 0, "O1": 1, "O2": 2, "O3": 3, "Os": 4, "Oz": 5}
TIERS = ("", "quick", "O2", "O3", "pgo", "model")  # BF_MODULE_TIER_NAMES in module.h

ATTRS = {
    **COMPILE_ATTRS,
    "module_name": Attr("string", doc="name in the blob header (default: the target name)"),
    "linker_script": Attr("source", required=True, doc="module linker-script template (//kernel:module_ld)"),
    "slot": Attr("string", default=hex(DEFAULT_SLOT), doc="load address, BF_MODULE_SLOT"),
    "reference": Attr("source", doc="host script printing the expected result as JSON (--work N)"),
    "reference_libs": Attr("source_list", doc="Python files the reference imports "
                                              "(//modules/common:modlib_py): inputs of the "
                                              "REFERENCE action, the only ones it can import"),
    "ir_pgo": Attr("string", default="", values=["", "generate"],
                   doc="'generate': compile with clang's profile counters (-fprofile-instr-generate); "
                       "the kernel then dumps them after the module ran (docs/ir-pgo.md)"),
    "ir_profile": Attr("source", doc="a .profdata to optimise with (-fprofile-instr-use)"),
    "tier": Attr("string", default="", values=list(TIERS), doc="its tier (set by a tiered module-registry)"),
}


def _payload(elf: ELFFile, base: int, name: str):
    """(payload bytes, bss size, text size) from the ELF's allocated sections."""
    loaded, zeroed = [], []
    for section in elf.iter_sections():
        if not section["sh_flags"] & SH_FLAGS.SHF_ALLOC or section["sh_size"] == 0:
            continue
        (zeroed if section["sh_type"] == "SHT_NOBITS" else loaded).append(section)
    if not loaded:
        raise StepError(f"module {name}: the linked ELF has no code")
    end = max(s["sh_addr"] + s["sh_size"] for s in loaded)
    if any(s["sh_addr"] < base for s in loaded):
        raise StepError(f"module {name}: a section starts below the slot address {base:#x}")
    payload = bytearray(end - base)
    for section in loaded:
        offset = section["sh_addr"] - base
        payload[offset:offset + section["sh_size"]] = section.data()
    bss = 0
    if zeroed:
        bss_start = min(s["sh_addr"] for s in zeroed)
        bss_end = max(s["sh_addr"] + s["sh_size"] for s in zeroed)
        if bss_start < end:
            raise StepError(f"module {name}: zero-initialised data lies before initialised data; "
                            f"the module linker script must put .bss last")
        bss = bss_end - end
    text = sum(s["sh_size"] for s in loaded if s["sh_flags"] & SH_FLAGS.SHF_EXECINSTR)
    return bytes(payload), bss, text


def make_blob(inputs, outputs, params):
    """Python step: the linked module ELF -> header + payload."""
    name, cpu_tag, base = params["name"], params["cpu_tag"], int(params["slot"], 0)
    with open(inputs[0], "rb") as handle:
        elf = ELFFile(handle)
        symbols = elf.get_section_by_name(".symtab")
        entry_symbols = symbols.get_symbol_by_name(ENTRY_SYMBOL) if symbols else None
        if not entry_symbols:
            raise StepError(f"module {name}: no '{ENTRY_SYMBOL}' function; every module exports "
                            f"int {ENTRY_SYMBOL}(const struct bf_module_api *, uint32_t, "
                            f"struct bf_module_result *)")
        entry = entry_symbols[0]["st_value"]
        payload, bss, text = _payload(elf, base, name)
        flags = FLAG_PROFILE_COUNTERS if elf.get_section_by_name("__llvm_prf_cnts") else 0
    if text == 0:
        raise StepError(f"module {name}: code size is 0")
    if len(payload) + bss > SLOT_SIZE:
        raise StepError(f"module {name}: {len(payload)} bytes + {bss} bytes of .bss exceed the "
                        f"{SLOT_SIZE}-byte module slot")
    if not base <= entry < base + len(payload):
        raise StepError(f"module {name}: entry {entry:#x} is outside its code")
    header = HEADER.pack(MAGIC, HEADER.size, FORMAT, name.encode(), cpu_tag.encode(), base, entry, len(payload),
                         bss, zlib.crc32(payload), OPT_CODES[params["opt"]], flags, TIERS.index(params.get("tier", "")))
    with open(outputs[0], "wb") as handle:
        handle.write(header + payload)
    return (f"module {name} ({params['variant']}): {len(payload)} bytes ({text} of code), "
            f"{bss} bytes .bss")


def analyse(ctx):
    name = ctx.attr["module_name"] or ctx.label.name
    if len(name.encode()) > 19 or not name.replace("_", "").isalnum():
        raise ctx.fail(f"module name '{name}' must be at most 19 letters, digits or '_'")
    cpu_tag = ctx.config["cpu"]
    if len(cpu_tag.encode()) > 11:
        raise ctx.fail(f"CPU tag '{cpu_tag}' is longer than the 11 bytes the blob header holds")
    pgo_flags = []
    if ctx.attr["ir_pgo"] == "generate":
        pgo_flags.append("-fprofile-instr-generate")
    profile = ctx.files("ir_profile")
    if profile:
        if ctx.attr["ir_pgo"]:
            raise ctx.fail("'ir_pgo: generate' and 'ir_profile' exclude each other")
        pgo_flags.append(f"-fprofile-instr-use={profile[0]}")
    compiled = compile_c(ctx, subdir="obj/", extra_flags=pgo_flags, extra_inputs=profile)
    ld = ctx.tool("ld")
    script = ctx.output("module.ld")
    ctx.python_action("LDSCRIPT", "bfbuild_unikernel.rules.link:render_template",
                      {"vars": {"slot": ctx.attr["slot"]}}, inputs=ctx.files("linker_script"),
                      outputs=[script])
    elf = ctx.output(f"{name}.elf")
    objects = [*compiled.objects, *compiled.dep_objects]
    ctx.action("LINK", [*ld.argv, "-m", "elf_i386", "-nostdlib", "--build-id=none", "-T", script,
                        "-o", elf, *objects], inputs=[script, *objects], outputs=[elf], tools=[ld])
    blob = ctx.output(f"{name}.mod")
    # What tells this build of the module from the others of one build (matrix, fat, PGO).
    variant = ", ".join([ctx.config.name, ctx.attr["opt"],
                         *([f"tier {ctx.attr['tier']}"] if ctx.attr["tier"] else []),
                         *(["profile counters"] if ctx.attr["ir_pgo"] else []),
                         *(["clang profile"] if profile else [])])
    ctx.python_action("BLOB", "bfbuild_unikernel.rules.embed_module:make_blob",
                      {"name": name, "cpu_tag": cpu_tag, "slot": ctx.attr["slot"],
                       "opt": ctx.attr["opt"], "variant": variant,
                       **({"tier": ctx.attr["tier"]} if ctx.attr["tier"] else {})},
                      inputs=[elf], outputs=[blob])
    reference = ctx.files("reference")
    return [DefaultInfo((blob,)),
            ModuleInfo(name=name, blob=blob, elf=elf, opt_level=ctx.attr["opt"], cpu_tag=cpu_tag,
                       reference=reference[0] if reference else None,
                       reference_libs=tuple(ctx.files("reference_libs")),
                       features=cpu_of(ctx).required_features, tier=ctx.attr["tier"])]


@hookimpl
def bfbuild_register_rules():
    return [Rule("embed-module", ATTRS, analyse, axes=frozenset({"cpu", "toolchain"}), doc=__doc__)]
