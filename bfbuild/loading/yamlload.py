"""YAML reading that remembers line numbers, so every later error can name file:line."""
from __future__ import annotations

import re
from typing import Any, Optional

import yaml

from bfbuild.errors import BfError, clip, describe_value, excerpt

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedDict(dict):
    """A YAML mapping with the line of the mapping and of each key (1-based), and the text as
    written of keys and values that YAML read as something else than a string (42, 1.10, yes)."""

    line: int = 0
    key_lines: dict
    texts: dict = {}
    key_texts: dict = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_of(self, key) -> Optional[str]:
        """The YAML text of the value of key when it is not a string, else None."""
        return self.texts.get(key)

    def key_text(self, key) -> Optional[str]:
        return self.key_texts.get(key)


class LocatedList(list):
    """A YAML sequence with the line of each item (1-based), and the text as written of items
    YAML read as something else than a string."""

    line: int = 0
    item_lines: list
    texts: dict = {}

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line

    def text_of(self, index: int) -> Optional[str]:
        return self.texts.get(index)


# ':name' right after '[' or ',' (or opening a continuation line of a flow list) breaks YAML.
_RELATIVE_LABEL_IN_FLOW = re.compile(r"(^|[\[,])\s*:[A-Za-z0-9_]")


class _Loader(_BaseLoader):
    pass


# Nodes that aliases (*name) may add to a document, beyond those written out. An "alias bomb"
# (anchors nesting aliases of aliases) reaches billions with a few lines; real files stay far below.
MAX_ALIAS_NODES = 100_000


def _check_aliases(root: yaml.Node, text: str, filename: str) -> None:
    """Refuse a document whose aliases expand to more than MAX_ALIAS_NODES nodes, in time linear
    in the nodes written: each distinct node's expanded size is computed once."""
    size: dict = {}  # id(node) -> its expanded size, or None while its children are counted
    stack = [(root, False)]
    while stack:
        node, children_counted = stack.pop()
        key = id(node)
        if children_counted:
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
        elif key not in size:
            size[key] = None
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
        elif size[key] is None:  # met again below itself: only an alias can do that
            raise BfError("a YAML alias refers to a collection it is part of",
                          file=filename, line=node.start_mark.line + 1,
                          hint="an alias (*name) may only repeat a value completed before it")
    expanded = size[id(root)] - len(size)
    if expanded > MAX_ALIAS_NODES:
        raise BfError(f"YAML aliases expand to {expanded} values, more than the {MAX_ALIAS_NODES} "
                      f"allowed (nested anchors and aliases, a 'billion laughs' document?)",
                      file=filename, line=_alias_line(text),
                      hint="write the values out, or repeat smaller values with fewer nested aliases")


def _children(node: yaml.Node):
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return ()


def _alias_line(text: str):
    """The line of the alias whose expansion passes MAX_ALIAS_NODES, from the event stream."""
    anchors: dict = {}
    open_sizes: list = []
    through_aliases = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            open_sizes.append([1, event.anchor])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            count, anchor = open_sizes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            count, anchor = 1, event.anchor
        elif isinstance(event, yaml.AliasEvent):
            count, anchor = anchors.get(event.anchor, 1), None
            through_aliases += count
            if through_aliases > MAX_ALIAS_NODES:
                return event.start_mark.line + 1
        else:
            continue
        if anchor is not None:
            anchors[anchor] = count
        if open_sizes:
            open_sizes[-1][0] += count
    return None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    written = {id(key_node) for key_node, _ in node.value}
    loader.flatten_mapping(node)  # puts keys merged in by '<<' first, which written keys override
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.texts, result.key_texts = {}, {}
    explicit = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, (list, dict)):
            raise BfError(f"a mapping key must be a name, not {describe_value(key)}",
                          file=loader.bf_filename, line=line,
                          hint="write 'name: value'; a key in [...] or {...} is not a name")
        if id(key_node) in written:
            if key in explicit:
                raise BfError(f"duplicate key {excerpt(key)} (first defined on line {result.key_lines[key]})",
                              file=loader.bf_filename, line=line,
                              hint="each key may appear once in a mapping; rename or remove one")
            explicit.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
        if _non_string_scalar(key_node):
            result.key_texts[key] = key_node.value
        if _non_string_scalar(value_node):
            result.texts[key] = value_node.value
    return result


def _non_string_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:str"


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    texts = {index: child.value for index, child in enumerate(node.value) if _non_string_scalar(child)}
    if texts:
        result.texts = texts
    return result


_SCALAR_WORDS = {"int": "an integer", "float": "a number", "timestamp": "a date"}


def _guarded(construct):
    """A scalar constructor whose ValueError (a 5000-digit integer, month 13) names file:line."""

    def run(loader: _Loader, node: yaml.ScalarNode):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError) as exc:
            what = _SCALAR_WORDS.get(node.tag.rsplit(":", 1)[-1], "a value")
            raise BfError(f"YAML reads {excerpt(node.value)} as {what} but cannot convert it: "
                          f"{clip(str(exc), 100)}",
                          file=loader.bf_filename, line=node.start_mark.line + 1,
                          hint="quote it to keep it as a string") from None

    return run


for _tag in ("int", "float", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _guarded(_BaseLoader.yaml_constructors[
        f"tag:yaml.org,2002:{_tag}"]))
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, filename: str) -> Any:
    """Parse YAML text; syntax errors become BfError naming filename:line."""
    loader = _Loader(text)
    loader.bf_filename = filename
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node, text, filename)
        return loader.construct_document(node)
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
    except yaml.reader.ReaderError as exc:
        line = text.encode("utf-8", "surrogatepass")[:exc.position].count(b"\n") + 1
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise BfError(f"YAML refuses the character {character!r} ({exc.reason})", file=filename,
                      line=line, hint="remove it, or write it as an escape inside double quotes "
                                      "(\"\\t\", \"\\x01\")") from None
    except yaml.YAMLError as exc:
        raise BfError(f"YAML error: {clip(str(exc), 200)}", file=filename) from None
    finally:
        loader.dispose()


def load_yaml_file(path, display_name: str) -> Any:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BfError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                      file=display_name, line=line,
                      hint="save the file as UTF-8 text (is a binary file in the place of a YAML "
                           "file?)") from None
    return load_yaml(text, display_name)
