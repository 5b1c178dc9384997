"""module-registry: the modules an image embeds, in one C table (generated from the blobs), and
the result each module must print, computed on the host by its reference script. Under the PGO
configurations the modules are built at the levels of bfbuild_unikernel.pgo.levels."""
import sys

from bfbuild.api import Attr, DefaultInfo, Rule, Tool, hookimpl
from bfbuild_unikernel.pgo.levels import baseline_levels, ir_overrides, pgo_plan
from bfbuild_unikernel.providers import ModuleInfo, RegistryInfo
from bfbuild_unikernel.rules.module_registry_steps import template_digest
from bfbuild_unikernel.rules.module_registry_tiers import (DEFAULT_THRESHOLDS, thresholds,
                                                           tiered_modules)

STEPS = "bfbuild_unikernel.rules.module_registry_steps"

ATTRS = {
    "modules": Attr("label_list", required=True, doc="embed-module targets, in the order they run"),
    "work": Attr("int", default=1, doc="the work argument passed to every module"),
    "default_calls": Attr("int", default=10, doc="calls per module when 'calls' names no count"),
    "calls": Attr("string_dict", doc="module name -> number of calls (profiling weights)"),
    "pgo_profile": Attr("string", default="",
                        doc="the checked-in profile that the pgo=on configuration classifies, e.g. "
                            "profiles/tinyllama-$(cpu).json; each module is then built at the level "
                            "its profile earns (bfbuild_unikernel.pgo.classify)"),
    "ir_pgo": Attr("bool", default=False,
                   doc="also clang IR PGO: modules get profile counters under pgo=instrument, and "
                       "under pgo=ir are optimised with the .profdata files checked in beside "
                       "pgo_profile (profiles/<image>-<cpu>/<module>.profdata)"),
    "variants": Attr("string_list", doc="CPUs to embed every module for (a fat image); the kernel "
                                        "runs the variant with the most features its CPU has. "
                                        "Empty: the configuration's CPU only"),
    "tiers": Attr("string_list", doc="build every module in these tiers, lowest first (quick, O2, "
                                     "O3, pgo); the kernel promotes hot modules at run time "
                                     "(docs/tiers.md). Empty: one build per module"),
    "tier_thresholds": Attr("string", default=DEFAULT_THRESHOLDS,
                            doc="calls after which a module tries its next tier, one count per "
                                "promotion"),
    "tier_profiles": Attr("string", default="",
                          doc="the folder of the pgo tier's clang profiles, <module>.profdata "
                              "(e.g. profiles/tinyllama-$(cpu))"),
}


def _module_variants(ctx, levels=None):
    """ModuleInfo of every module in every variant, grouped by module; with `levels` (a PGO
    plan), each module built at its planned level; with IR PGO, instrumented or optimised with
    its clang profile."""
    variants = list(dict.fromkeys(ctx.attr["variants"]))
    modules = []
    for label in ctx.attr["modules"]:
        own = ctx.dep(label).get(ModuleInfo)
        name = own.name
        ir = ir_overrides(ctx, name)
        if levels is not None and levels[name] != own.opt_level:
            configured = [ctx.dep_in(label, overrides={"opt": levels[name]})]
        elif levels is not None:  # the module's own level: the very blob of the other builds
            configured = [ctx.dep(label)]
        elif ir is not None:
            configured = [ctx.dep_in(label, overrides=ir)]
        else:
            configured = [ctx.dep_in(label, cpu=cpu) for cpu in variants] or [ctx.dep(label)]
        for dep in configured:
            info = dep.get(ModuleInfo)
            if info is None:
                raise ctx.fail(f"{dep.label} is not an embed-module target")
            modules.append(info)
    return modules


def analyse(ctx):
    tiers = ctx.attr["tiers"]
    plan = None if tiers else pgo_plan(ctx)
    if tiers:
        modules = tiered_modules(ctx, ctx.attr["modules"], ModuleInfo)
    else:
        modules = _module_variants(ctx, plan["levels"] if plan else baseline_levels(ctx))
    names = list(dict.fromkeys(m.name for m in modules))
    keys = [(m.name, m.cpu_tag, m.tier) for m in modules]
    duplicates = sorted({f"{n} ({t})" for n, t, tier in keys if keys.count((n, t, tier)) > 1})
    if duplicates:
        raise ctx.fail(f"modules appear twice: {', '.join(duplicates)}")
    unknown = sorted(set(ctx.attr["calls"]) - set(names))
    if unknown:
        raise ctx.fail(f"'calls' names modules not in 'modules': {', '.join(unknown)}")
    calls = {}
    for name in names:
        text = ctx.attr["calls"].get(name, str(ctx.attr["default_calls"]))
        if not text.isdigit() or int(text) < 1:
            raise ctx.fail(f"calls of module {name} must be a positive integer, not '{text}'")
        calls[name] = int(text)
    registry_c = ctx.output("registry.c")
    plan_file = ctx.output("pgo_plan.json") if plan else None
    meta = [{"name": m.name, "opt": m.opt_level, "cpu": m.cpu_tag, "calls": calls[m.name],
             "features": " ".join(m.features), "tier": m.tier} for m in modules]
    ctx.python_action("REGISTRY", f"{STEPS}:render_registry",
                      {"modules": meta, "work": ctx.attr["work"], "label": str(ctx.label),
                       "template_sha256": template_digest(),
                       "profile": plan["profile_sha256"][:16] if plan else "",
                       "plan": plan,
                       **({"thresholds": thresholds(ctx, tiers)} if tiers else {})},
                      inputs=[m.blob for m in modules],
                      outputs=[registry_c] + ([plan_file] if plan_file else []))
    missing = sorted({m.name for m in modules if not m.reference})
    if missing:
        raise ctx.fail(f"modules without a 'reference' script cannot be checked: {', '.join(missing)}")
    references = {m.name: m.reference for m in modules}
    libs = list(dict.fromkeys(lib for m in modules for lib in m.reference_libs))
    expected = ctx.output("expected.json")
    python = Tool("python", sys.executable, sys.version.split()[0])
    scripts = [references[n] for n in names]
    ctx.python_action("REFERENCE", f"{STEPS}:run_references",
                      {"names": names, "scripts": scripts, "work": ctx.attr["work"]},
                      inputs=[*scripts, *libs], outputs=[expected], tools=[python])
    return [DefaultInfo((registry_c,)),
            RegistryInfo(modules=tuple(modules), expected=expected, work=ctx.attr["work"],
                         plan=plan_file,
                         instrumented=ir_overrides(ctx, names[0]) is not None
                         and ctx.config.get("pgo") == "instrument")]


@hookimpl
def bfbuild_register_rules():
    return [Rule("module-registry", ATTRS, analyse, doc=__doc__,
                 axes_of=lambda attrs: frozenset({"pgo"} if attrs["pgo_profile"] else ()))]
