"""YAML reading that remembers line numbers, so every later error can name file:line."""
from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import BfError

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedDict(dict):
    """A YAML mapping with the line of the mapping and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A YAML sequence with the line of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# ':name' right after '[' or ',' (or opening a continuation line of a flow list) breaks YAML.
_RELATIVE_LABEL_IN_FLOW = re.compile(r"(^|[\[,])\s*:[A-Za-z0-9_]")


class _Loader(_BaseLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    written = {id(key_node) for key_node, _ in node.value}
    loader.flatten_mapping(node)  # puts keys merged in by '<<' first, which written keys override
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    explicit = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if id(key_node) in written:
            if key in explicit:
                raise BfError(f"duplicate key '{key}' (first defined on line {result.key_lines[key]})",
                              file=loader.bf_filename, line=line,
                              hint="each key may appear once in a mapping; rename or remove one")
            explicit.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, filename: str) -> Any:
    """Parse YAML text; syntax errors become BfError naming filename:line."""
    loader = _Loader(text)
    loader.bf_filename = filename
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = "check indentation, a missing ':' or an unclosed quote or bracket"
        lines = text.splitlines()
        nearby = lines[max(0, (line or 1) - 2):line or 0]
        if any(_RELATIVE_LABEL_IN_FLOW.search(source) for source in nearby):
            hint = "inside [...] a label starting with ':' must be quoted (\":name\"), or use a block list"
        raise BfError(f"YAML syntax error: {problem}{context}", file=filename, line=line,
                      hint=hint) from None
    except yaml.YAMLError as exc:
        raise BfError(f"YAML error: {exc}", file=filename) from None
    finally:
        loader.dispose()


def load_yaml_file(path, display_name: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return load_yaml(handle.read(), display_name)
