"""cache-registry: generate (Jinja2) the C table of module blobs an image embeds, and compute on
the host the result each module must print, by running its reference script."""
import hashlib
import json
import os
from typing import Dict, Optional
import subprocess
import sys

import jinja2

from bfbuild import hookimpl
from bfbuild.engine.steps import StepError
from bfbuild.pgo import plan, thresholds
from bfbuild.profile import validate_profile
from bfbuild.providers import DefaultInfo, ModuleInfo, RegistryInfo
from bfbuild.rules import Rule
from bfbuild.schema import Attr, SourceFile
from bfbuild.tools import Tool

TEMPLATE = os.path.join(os.path.dirname(__file__), "cache_registry.c.j2")

ATTRS = {
    "modules": Attr("label_list", required=True, doc="embed-module targets, in the order they run"),
    "work": Attr("int", default=1, doc="the work argument passed to every module"),
    "default_calls": Attr("int", default=10, doc="calls per module when 'calls' names no count"),
    "calls": Attr("string_dict", doc="module name -> number of calls (profiling weights)"),
    "pgo_profile": Attr("string", default="",
                        doc="the checked-in profile that the pgo=on configuration classifies, e.g. "
                            "profiles/tinyllama-$(cpu).json; each module is then built at the level "
                            "its profile earns (bfbuild.pgo)"),
    "ir_pgo": Attr("bool", default=False,
                   doc="also clang IR PGO: modules get profile counters under pgo=instrument, and "
                       "under pgo=ir are optimised with the .profdata files checked in beside "
                       "pgo_profile (profiles/<image>-<cpu>/<module>.profdata)"),
    "variants": Attr("string_list", doc="CPUs to embed every module for (a fat image); the kernel "
                                        "runs the variant with the most features its CPU has. "
                                        "Empty: the configuration's CPU only"),
}


def _template_digest() -> str:
    """Part of the step's parameters, so that editing the template re-renders every registry."""
    with open(TEMPLATE, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def render_registry(inputs, outputs, params):
    """Python step: blobs -> registry.c."""
    modules = []
    for path, meta in zip(inputs, params["modules"]):
        data = open(path, "rb").read()
        hexes = [f"0x{byte:02x}," for byte in data]
        rows = [" ".join(hexes[i:i + 16]) for i in range(0, len(hexes), 16)]
        modules.append({**meta, "size": len(data), "rows": rows})
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    with open(TEMPLATE, encoding="utf-8") as handle:
        text = env.from_string(handle.read()).render(modules=modules, work=params["work"],
                                                     label=params["label"],
                                                     profile=params["profile"])
    with open(outputs[0], "w", encoding="utf-8") as handle:
        handle.write(text)
    if params.get("plan"):  # the PGO plan the levels came from, as a JSON artifact
        with open(outputs[1], "w", encoding="utf-8") as handle:
            json.dump(params["plan"], handle, indent=1, sort_keys=True)


def run_references(inputs, outputs, params):
    """Python step: each module's reference script -> one JSON of expected results."""
    expected = {}
    for script, name in zip(inputs, params["names"]):
        proc = subprocess.run([sys.executable, script, "--work", str(params["work"])],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise StepError(f"reference {script} failed ({proc.returncode}):\n{proc.stderr}")
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise StepError(f"reference {script} printed no JSON line: {proc.stdout!r}") from None
        if result.get("module") != name or "expect" not in result:
            raise StepError(f"reference {script} must print {{\"module\": \"{name}\", \"expect\": ...}}, "
                            f"got {result}")
        expected[name] = {"expect": result["expect"], "tolerance": int(result.get("tolerance", 0))}
    with open(outputs[0], "w", encoding="utf-8") as handle:
        json.dump({"work": params["work"], "modules": expected}, handle, indent=1, sort_keys=True)


def _pgo_plan(ctx):
    """In the pgo=on configuration: the plan made from the checked-in profile, else None."""
    if not ctx.attr["pgo_profile"] or ctx.config.get("pgo") != "on":
        return None
    if ctx.attr["variants"]:
        raise ctx.fail("a registry with 'variants' cannot also follow a profile (pgo=on)")
    path = ctx.attr["pgo_profile"].replace("$(cpu)", ctx.config["cpu"])
    try:
        profile = json.loads(ctx.read_source(path))
    except FileNotFoundError:
        raise ctx.fail(f"no checked-in profile {path} for the pgo=on configuration",
                       hint=f"make it with: bfbuild pgo <image> --cpu {ctx.config['cpu']}") from None
    except ValueError as exc:
        raise ctx.fail(f"{path} is not valid JSON: {exc}") from None
    problems = validate_profile(profile)
    if problems:
        raise ctx.fail(f"{path} is not a valid profile: {problems[0]}")
    baselines = {ctx.dep(label).get(ModuleInfo).name: ctx.dep(label).get(ModuleInfo).opt_level
                 for label in ctx.attr["modules"]}
    return plan(profile, baselines, thresholds(ctx.setting("pgo")))


def ir_profile_dir(pattern: str, cpu: str) -> str:
    """Where the clang profiles of an image live: beside its cycle profile, without '.json'."""
    path = pattern.replace("$(cpu)", cpu)
    return path[:-len(".json")] if path.endswith(".json") else path + ".d"


def _ir_overrides(ctx, name: str) -> Optional[Dict]:
    """The attribute changes IR PGO makes to module `name` in this configuration, or None."""
    mode = ctx.config.get("pgo")
    if not ctx.attr["ir_pgo"] or mode not in ("instrument", "ir"):
        return None
    if ctx.config.get("toolchain") != "clang":
        raise ctx.fail("IR PGO needs the clang toolchain (its profile format is clang 14's)")
    if mode == "instrument":
        return {"ir_pgo": "generate"}
    path = f"{ir_profile_dir(ctx.attr['pgo_profile'], ctx.config['cpu'])}/{name}.profdata"
    if not os.path.exists(os.path.join(ctx.workspace_root, path)):
        raise ctx.fail(f"no checked-in clang profile {path} for --pgo ir",
                       hint=f"make it with: bfbuild pgo <image> --cpu {ctx.config['cpu']}")
    ctx.note_input(path)
    return {"ir_profile": SourceFile(path)}


def _module_variants(ctx, levels=None):
    """ModuleInfo of every module in every variant, grouped by module; with `levels` (a PGO
    plan), each module built at its planned level; with IR PGO, instrumented or optimised with
    its clang profile."""
    variants = list(dict.fromkeys(ctx.attr["variants"]))
    modules = []
    for label in ctx.attr["modules"]:
        name = ctx.dep(label).get(ModuleInfo).name
        ir = _ir_overrides(ctx, name)
        if levels is not None:
            configured = [ctx.dep_in(label, overrides={"opt": levels[name]})]
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
    pgo_plan = _pgo_plan(ctx)
    modules = _module_variants(ctx, pgo_plan["levels"] if pgo_plan else None)
    names = list(dict.fromkeys(m.name for m in modules))
    keys = [(m.name, m.cpu_tag) for m in modules]
    duplicates = sorted({f"{n} ({t})" for n, t in keys if keys.count((n, t)) > 1})
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
    plan_file = ctx.output("pgo_plan.json") if pgo_plan else None
    meta = [{"name": m.name, "opt": m.opt_level, "cpu": m.cpu_tag, "calls": calls[m.name],
             "features": " ".join(m.features)} for m in modules]
    ctx.python_action("REGISTRY", "bfbuild_plugins.cache_registry:render_registry",
                      {"modules": meta, "work": ctx.attr["work"], "label": str(ctx.label),
                       "template_sha256": _template_digest(),
                       "profile": pgo_plan["profile_sha256"][:16] if pgo_plan else "",
                       "plan": pgo_plan},
                      inputs=[m.blob for m in modules],
                      outputs=[registry_c] + ([plan_file] if plan_file else []))
    missing = sorted({m.name for m in modules if not m.reference})
    if missing:
        raise ctx.fail(f"modules without a 'reference' script cannot be checked: {', '.join(missing)}")
    references = {m.name: m.reference for m in modules}
    expected = ctx.output("expected.json")
    python = Tool("python", sys.executable, sys.version.split()[0])
    ctx.python_action("REFERENCE", "bfbuild_plugins.cache_registry:run_references",
                      {"names": names, "work": ctx.attr["work"]},
                      inputs=[references[n] for n in names], outputs=[expected], tools=[python])
    return [DefaultInfo((registry_c,)),
            RegistryInfo(modules=tuple(modules), expected=expected, work=ctx.attr["work"],
                         plan=plan_file,
                         instrumented=_ir_overrides(ctx, names[0]) is not None
                         and ctx.config.get("pgo") == "instrument")]


@hookimpl
def bfbuild_register_rules():
    return [Rule("cache-registry", ATTRS, analyse, doc=__doc__,
                 axes_of=lambda attrs: frozenset({"pgo"} if attrs["pgo_profile"] else ()))]
