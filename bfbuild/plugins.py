"""The plugin manager: built-in and third-party rules through entry points, workspace-local ones
listed in BUILD.yaml."""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Dict

import pluggy

from . import hookspecs
from .errors import BfError, clip
from .rules import Rule
from .workspace import BUILD_FILE, Workspace

ENTRY_POINT_GROUP = "bfbuild.plugins"


def make_plugin_manager(workspace: Workspace = None) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("bfbuild")
    manager.add_hookspecs(hookspecs)
    try:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a broken third-party package must not crash with a traceback
        raise BfError(f"a plugin of the '{ENTRY_POINT_GROUP}' entry-point group failed to load: "
                      f"{_what_happened(exc)}",
                      hint="reinstall or uninstall the package that provides it (pip list)") from exc
    if workspace is not None:
        for index, entry in enumerate(workspace.plugins):
            module = _import_workspace_plugin(workspace, entry, index)
            if not manager.is_registered(module):
                manager.register(module, name=f"workspace:{entry}")
    return manager


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


def collect_rules(manager: pluggy.PluginManager) -> Dict[str, Rule]:
    rules: Dict[str, Rule] = {}
    owners: Dict[str, str] = {}
    for impl in manager.hook.bfbuild_register_rules.get_hookimpls():
        plugin_name = impl.plugin_name
        try:
            registered = list(impl.function() or [])
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            code = impl.function.__code__
            raise BfError(f"plugin '{plugin_name}' failed in bfbuild_register_rules: "
                          f"{_what_happened(exc)}"
                          f"{_raise_place(exc) or f' (at {_short_path(code.co_filename)}:{code.co_firstlineno})'}",
                          hint="fix the plugin, or remove it") from exc
        for rule in registered:
            if not isinstance(rule, Rule):
                raise BfError(f"plugin '{plugin_name}' registered {rule!r}, which is not a bfbuild.rules.Rule")
            if rule.name in rules:
                raise BfError(f"rule '{rule.name}' is registered twice: by '{owners[rule.name]}' "
                              f"and by '{plugin_name}'", hint="rename one of the rules")
            rules[rule.name] = rule
            owners[rule.name] = plugin_name
    return rules


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
