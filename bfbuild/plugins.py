"""The plugin manager: built-in and third-party rules through entry points, workspace-local ones
listed in BUILD.yaml."""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pluggy

import bfbuild
import bfbuild.hookspecs as hookspecs
from bfbuild.analysis import toolchains
from bfbuild.errors import BfError, clip
from bfbuild.loading.rules import Rule
from bfbuild.analysis.configuration import Axis, sorted_axes
from bfbuild.loading.workspace import BUILD_FILE, Workspace, check_root_keys

ENTRY_POINT_GROUP = "bfbuild.plugins"


def make_plugin_manager(workspace: Workspace = None, builtins=()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("bfbuild")
    manager.add_hookspecs(hookspecs)
    manager.register(toolchains, name="bfbuild.toolchains")  # the core's own axis
    for name, module in builtins:  # the core's own plugins (its commands), registered first
        manager.register(module, name=name)
    try:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a broken third-party package must not crash with a traceback
        raise BfError(f"a plugin of the '{ENTRY_POINT_GROUP}' entry-point group failed to load: "
                      f"{_what_happened(exc)}{_provider(exc)}", hint=_entry_point_hint(exc)) from exc
    if workspace is not None:
        for index, entry in enumerate(workspace.plugins):
            module = _import_workspace_plugin(workspace, entry, index)
            if not manager.is_registered(module):
                manager.register(module, name=f"workspace:{entry}")
        check_workspace_settings(workspace, manager)
    return manager


def _checkout_venv() -> Optional[Path]:
    """The .venv of the checkout this bfbuild was imported from, when it has one."""
    venv = Path(bfbuild.__file__).resolve().parents[1] / ".venv"
    return venv if (venv / "bin" / "python").exists() else None


def _venv_active(venv: Path) -> bool:
    return Path(sys.prefix).resolve() == venv.resolve()


def _unimportable_entry_points() -> List[Tuple[str, str, str]]:
    """(distribution, version, entry point) of each entry point of the group whose module this
    Python cannot import: what an old or foreign bfbuild installation leaves behind."""
    found = []
    for dist in importlib.metadata.distributions():
        for point in dist.entry_points:
            if point.group != ENTRY_POINT_GROUP:
                continue
            try:
                missing = importlib.util.find_spec(point.module) is None
            except (ImportError, ValueError):
                missing = True
            if missing:
                found.append((dist.metadata["Name"] or "?", dist.version or "?",
                              f"{point.name} = {point.value}"))
    return found


def _provider(exc: BaseException) -> str:
    """' (entry point X of package P V)' when the failure is an entry point that cannot be
    imported."""
    if not isinstance(exc, ImportError):
        return ""
    points = _unimportable_entry_points()
    if not points:
        return ""
    name, version, point = points[0]
    return f" (entry point '{point}' of the installed package {name} {version})"


def _entry_point_hint(exc: BaseException) -> str:
    """The likely cause: a Python other than the checkout's .venv (a system python3 -m pytest
    finding an old bfbuild's entry points), else a broken third-party package."""
    venv = _checkout_venv()
    checkout = Path(bfbuild.__file__).resolve().parents[1]
    if isinstance(exc, ImportError) and (venv is None or not _venv_active(venv)):
        runner = os.path.relpath(checkout / "bfw")
        runner = runner if runner.startswith((".", "/")) else "./" + runner
        python = os.path.relpath(checkout / ".venv" / "bin" / "python")
        if venv is None:
            return (f"this Python ({sys.executable}) is not the checkout's virtual environment, "
                    f"and {checkout}/.venv does not exist yet: `{runner} pytest` creates it and "
                    f"runs the tests in it (`{runner} COMMAND` for bfbuild itself)")
        return (f"the checkout's virtual environment is not active: this is {sys.executable}, "
                f"which finds another bfbuild installation's entry points. Run `{runner} pytest` "
                f"(or `{python} -m pytest`), or activate it first: "
                f"`. {os.path.relpath(venv / 'bin' / 'activate')}`")
    points = _unimportable_entry_points() if isinstance(exc, ImportError) else []
    if points:
        return f"reinstall {points[0][0]}, or uninstall it (pip uninstall {points[0][0]})"
    return "reinstall or uninstall the package that provides it (pip list)"


def _import_workspace_plugin(workspace: Workspace, entry: str, index: int):
    line = workspace.settings["plugins"].line_of(index)
    module = None
    try:
        if entry.endswith(".py"):
            path = workspace.path(entry)
            if not path.is_file():
                raise BfError(f"plugin file '{entry}' does not exist", file=BUILD_FILE, line=line,
                              hint="paths under 'plugins:' are relative to the workspace root")
            name = "bfbuild_workspace_plugin_" + entry[:-3].replace("/", "_").replace("-", "_")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
        return importlib.import_module(entry)
    except BfError:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: sys.exit() in a plugin must not end bfbuild
        if module is not None and sys.modules.get(module.__name__) is module:
            del sys.modules[module.__name__]  # half imported: a later import must start afresh
        at = _failure_place(workspace, exc)
        raise BfError(f"plugin '{entry}' failed to import: {_what_happened(exc)}{at}",
                      file=BUILD_FILE, line=line,
                      hint="fix the plugin module, or remove it from 'plugins:'") from exc


def _what_happened(exc: BaseException) -> str:
    """A plugin's exception in one short line; sys.exit() is named as such."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({clip(repr(exc.code), 40)})"
    text = clip(" ".join(str(exc).split()), 200)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure_place(workspace: Workspace, exc: BaseException) -> str:
    """' (at FILE:LINE)' of the innermost workspace file where the import failed, else ''."""
    places = []
    if isinstance(exc, SyntaxError) and exc.filename:
        places.append((exc.filename, exc.lineno))
    else:
        tb = exc.__traceback__
        while tb is not None:
            places.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
            tb = tb.tb_next
    root = str(workspace.root)
    for filename, number in reversed(places):
        if filename.startswith(root + "/"):
            return f" (at {filename[len(root) + 1:]}:{number})"
    return ""


def _call_each(manager: pluggy.PluginManager, hook_name: str):
    """(plugin name, result) of every implementation of a hook, a failing plugin reported."""
    for impl in getattr(manager.hook, hook_name).get_hookimpls():
        try:
            result = impl.function()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            code = impl.function.__code__
            raise BfError(f"plugin '{impl.plugin_name}' failed in {hook_name}: "
                          f"{_what_happened(exc)}"
                          f"{_raise_place(exc) or f' (at {_short_path(code.co_filename)}:{code.co_firstlineno})'}",
                          hint="fix the plugin, or remove it") from exc
        yield impl.plugin_name, result


def collect_named(manager, hook_name: str, kind: type, what: str) -> Dict[str, object]:
    found: Dict[str, object] = {}
    owners: Dict[str, str] = {}
    for plugin_name, registered in _call_each(manager, hook_name):
        for item in list(registered or []):
            if not isinstance(item, kind):
                raise BfError(f"plugin '{plugin_name}' registered {item!r}, which is not a "
                              f"{kind.__module__}.{kind.__name__}")
            if item.name in found:
                raise BfError(f"{what} '{item.name}' is registered twice: by '{owners[item.name]}' "
                              f"and by '{plugin_name}'", hint=f"rename one of the {what}s")
            found[item.name] = item
            owners[item.name] = plugin_name
    return found


def collect_rules(manager: pluggy.PluginManager) -> Dict[str, Rule]:
    return collect_named(manager, "bfbuild_register_rules", Rule, "rule")


def collect_axes(manager: pluggy.PluginManager) -> List[Axis]:
    return sorted_axes(collect_named(manager, "bfbuild_axes", Axis, "configuration axis").values())


def collect_mapping(manager: pluggy.PluginManager, hook_name: str) -> Dict[str, object]:
    """The merged dicts of a hook returning {name: value} (workspace settings, scaffolds)."""
    merged: Dict[str, object] = {}
    for plugin_name, given in _call_each(manager, hook_name):
        for key, value in (given or {}).items():
            if key in merged:
                raise BfError(f"'{key}' of {hook_name} is registered twice (again by '{plugin_name}')")
            merged[key] = value
    return merged


def check_workspace_settings(workspace: Workspace, manager: pluggy.PluginManager) -> None:
    """Root keys of BUILD.yaml: the core's, or one a plugin reads and checks."""
    checks = collect_mapping(manager, "bfbuild_workspace_settings")
    check_root_keys(workspace, checks)
    for key, check in checks.items():
        if key in workspace.settings:
            check(workspace.settings[key], workspace.settings.line_of(key))


def _raise_place(exc: BaseException) -> str:
    """' (at FILE:LINE)' of the innermost frame of the exception's traceback, else ''."""
    tb = exc.__traceback__
    place = ""
    while tb is not None:
        place = f" (at {_short_path(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno})"
        tb = tb.tb_next
    return place


def _short_path(filename: str) -> str:
    """filename relative to the current folder when it is below it."""
    relative = os.path.relpath(filename)
    return filename if relative.startswith("..") else relative
