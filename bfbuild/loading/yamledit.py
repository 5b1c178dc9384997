"""Appending an item to a YAML list by editing the text, so comments, anchors and layout stay.

Re-dumping parsed YAML would drop every comment and anchor of a hand-written file; instead the
item goes on a new line after the last one (block list) or before the ']' (one-line flow list),
and the result is parsed again to check that the list, and only the list, grew.
"""
from __future__ import annotations

import re
from typing import Callable

from bfbuild.errors import BfError
from bfbuild.loading.yamlload import load_yaml

# After 'key:' an optional anchor (&name), then the value.
_AFTER_KEY = re.compile(r"^(?P<head>\s*[^\s:#][^:#]*:\s*(?:&\S+\s*)?)(?P<value>.*)$")


def append_to_list(text: str, file: str, find: Callable[[object], object], item: str) -> str:
    """The text with `item` appended to the list `find(parsed)` (a LocatedList, or None for an
    empty value). `find` gets the parsed file and returns the list's owning mapping and key as
    (mapping, key)."""
    parsed = load_yaml(text, file)
    mapping, key = find(parsed)
    lines = text.splitlines(keepends=True)
    key_line = mapping.line_of(key)
    current = mapping.get(key)
    if current:
        last = current.line_of(len(current) - 1)
        if last > key_line and lines[last - 1].lstrip().startswith("- "):
            lines.insert(last, _block_item(lines[last - 1], item))
        else:
            lines[key_line - 1] = _flow_insert(lines[key_line - 1], item, file, key_line, key)
    else:
        lines[key_line - 1] = _flow_insert(lines[key_line - 1], item, file, key_line, key)
    edited = "".join(lines)
    _check(parsed, edited, file, find, item)
    return edited


def _block_item(previous: str, item: str) -> str:
    indent = previous[:len(previous) - len(previous.lstrip())]
    return f"{indent}- {item}\n"


def _flow_insert(line: str, item: str, file: str, number: int, key: str) -> str:
    body, newline = (line[:-1], "\n") if line.endswith("\n") else (line, "")
    code, hash_, comment = body.partition(" #")
    spacing = code[len(code.rstrip()):]  # between the value and its comment
    code = code.rstrip()
    match = _AFTER_KEY.match(code)
    value = match["value"].rstrip() if match else None
    if value == "":  # 'key:' with nothing: an empty (null) list
        code = code + f" [{item}]"
    elif value is not None and value.startswith("[") and value.endswith("]"):
        inner = value[1:-1].strip()
        code = match["head"] + (f"[{inner}, {item}]" if inner else f"[{item}]")
    else:
        raise BfError(f"cannot add {item} to '{key}': its list is not a block list or a one-line "
                      "[...] list", file=file, line=number, hint=f"add '{item}' to it by hand")
    return code + (spacing + hash_ + comment if hash_ else "") + newline


def _check(parsed, edited: str, file: str, find, item: str) -> None:
    """The edited file must parse to the original with the item appended (aliases of the list,
    such as `*modules`, grow with it), and to nothing else."""
    mapping, key = find(parsed)
    if mapping.get(key) is None:
        mapping[key] = [item]
    else:
        mapping[key].append(item)
    if load_yaml(edited, file) != parsed:
        raise BfError(f"editing '{key}' in {file} went wrong; the file was left unchanged",
                      hint=f"add '{item}' to it by hand")
