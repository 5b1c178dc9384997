"""Loading: read every package's YAML, validate each target against its rule, check references."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bfbuild.errors import BfError, describe_value, did_you_mean, excerpt
from bfbuild.layout import OUTPUT_DIR
from bfbuild.labels import Label, Pattern, parse_label
from bfbuild.loading.rules import Rule
from bfbuild.loading.schema import ValidationContext, Where, describe_attrs, validate_value
from bfbuild.loading.workspace import BUILD_FILE, Workspace
from bfbuild.loading.yamlload import LocatedDict, load_yaml_file


@dataclass
class Dependency:
    """One edge of the target graph, with the place it was written."""

    attr: str
    label: Label
    where: Where


@dataclass
class Target:
    """A validated target: its rule and typed attributes, and where it was defined."""

    label: Label
    rule: Rule
    attrs: Dict[str, object]
    where: Where
    deps: List[Dependency] = field(default_factory=list)


@dataclass
class TargetSet:
    """Every target of the workspace, by label."""

    targets: Dict[Label, Target]
    package_files: Dict[str, str]

    def __contains__(self, label: Label) -> bool:
        return label in self.targets

    def __getitem__(self, label: Label) -> Target:
        return self.targets[label]

    def match(self, patterns: Sequence[Pattern]) -> List[Label]:
        """Labels matched by the patterns; a pattern that matches nothing is an error."""
        chosen: Dict[Label, None] = {}
        for pattern in patterns:
            hits = sorted(label for label in self.targets if pattern.matches(label))
            if not hits:
                raise self.unknown(pattern)
            chosen.update(dict.fromkeys(hits))
        return list(chosen)

    def unknown(self, pattern: Pattern) -> BfError:
        if pattern.name and pattern.package in self.package_files:
            names = [l.name for l in self.targets if l.package == pattern.package]
            hint = did_you_mean(pattern.name, names)
            return BfError(f"no target '{pattern.name}' in package //{pattern.package} "
                           f"({self.package_files[pattern.package]})",
                           hint=hint or f"targets there: {', '.join(sorted(names)) or 'none'}")
        packages = [f"//{p}" for p in self.package_files]
        hint = did_you_mean(f"//{pattern.package}", packages) or "run 'bfbuild query //...' to list targets"
        return BfError(f"no package //{pattern.package} matches '{pattern}'", hint=hint)


class Loader:
    """Reads package files and validates targets against the registered rules."""

    def __init__(self, workspace: Workspace, rules: Dict[str, Rule]):
        self.workspace = workspace
        self.rules = rules
        self._listing_cache: Dict[str, List[str]] = {}

    def load_all(self) -> TargetSet:
        package_files = self.workspace.package_files()
        targets: Dict[Label, Target] = {}
        for package, file in package_files.items():
            for target in self.load_package(package, file):
                targets[target.label] = target
        target_set = TargetSet(targets, package_files)
        check_references(target_set)
        return target_set

    def load_package(self, package: str, file: str) -> List[Target]:
        data = load_yaml_file(self.workspace.path(file), file)
        if package == "" and file == BUILD_FILE:
            data = data.get("targets") or LocatedDict()
        if data is None:
            return []
        if not isinstance(data, dict):
            raise BfError("a package file must be a mapping of target names to targets",
                          file=file, line=getattr(data, "line", 1),
                          hint="write 'name:' then the target's 'rule:' and attributes, indented")
        return [self._target(package, file, name, body, data.line_of(name))
                for name, body in data.items()]

    def _target(self, package: str, file: str, name, body, line: int) -> Target:
        where = Where(file, line)
        if not isinstance(name, str):
            raise where.error(f"target name {excerpt(name)} must be a string",
                              hint="quote it: YAML reads a bare number or yes/no/on/off/true/false "
                                   "as something else than a name")
        try:
            label = parse_label(f"//{package}:{name}")
        except BfError as exc:
            raise where.error(exc.message, exc.hint) from None
        if not isinstance(body, dict):
            raise where.error(f"target {excerpt(name)} must be a mapping with a 'rule:' key, got "
                              f"{describe_value(body)}",
                              hint="write 'rule:' and the attributes on the next lines, indented")
        rule_name = body.get("rule")
        if rule_name is None:
            raise where.error(f"target {excerpt(name)} has no 'rule:'",
                              hint=f"known rules: {', '.join(sorted(self.rules))}")
        rule = self.rules.get(rule_name) if isinstance(rule_name, str) else None
        if rule is None:
            hint = did_you_mean(rule_name, self.rules) if isinstance(rule_name, str) else None
            hint = hint or f"known rules: {', '.join(sorted(self.rules))}"
            raise Where(file, body.line_of("rule")).error(f"unknown rule {excerpt(rule_name)}", hint)
        schema = rule.all_attrs()
        attrs: Dict[str, object] = {}
        deps: List[Dependency] = []
        for key in body:
            if key not in schema:
                suggestion = did_you_mean(str(key), schema)
                hint = (suggestion + " " if suggestion else "") + \
                    f"rule '{rule_name}' takes: {describe_attrs(rule.attrs)}"
                raise Where(file, body.line_of(key)).error(
                    f"unknown attribute {excerpt(key)} for rule '{rule_name}' in target {excerpt(name)}",
                    hint)
        for key, attr in schema.items():
            if key not in body:
                if attr.required:
                    raise where.error(f"target {excerpt(name)} misses required attribute '{key}' of rule "
                                      f"'{rule_name}'", hint=attr.doc or None)
                attrs[key] = attr.empty()
                continue
            value_where = Where(file, body.line_of(key))
            ctx = ValidationContext(package, value_where, self._source_exists,
                                    lambda: self._package_listing(package), body.text_of(key))
            value = validate_value(key, attr, body[key], ctx)
            attrs[key] = value
            deps.extend(_dependencies(key, value, body[key], value_where))
        return Target(label, rule, attrs, where, deps)

    def _source_exists(self, path: str) -> bool:
        return self.workspace.path(path).is_file()

    def _package_listing(self, package: str) -> List[str]:
        if package not in self._listing_cache:
            base = self.workspace.path(package)
            names: List[str] = []
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != OUTPUT_DIR]
                for filename in filenames:
                    names.append(os.path.relpath(os.path.join(dirpath, filename), base))
                if len(names) > 2000:
                    break
            self._listing_cache[package] = names
        return self._listing_cache[package]


def _dependencies(attr_name: str, value, raw, where: Where) -> Iterable[Dependency]:
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        if isinstance(item, Label):
            line = raw.line_of(index) if hasattr(raw, "line_of") else where.line
            yield Dependency(attr_name, item, Where(where.file, line))


def check_references(target_set: TargetSet) -> None:
    """Every dependency names an existing target; the graph has no cycle."""
    for target in target_set.targets.values():
        for dep in target.deps:
            if dep.label not in target_set:
                same_package = [str(l) for l in target_set.targets if l.package == dep.label.package]
                hint = did_you_mean(str(dep.label), same_package or [str(l) for l in target_set.targets])
                if hint is None and dep.label.package not in target_set.package_files:
                    hint = did_you_mean(f"//{dep.label.package}", [f"//{p}" for p in target_set.package_files])
                raise dep.where.error(
                    f"target {target.label} depends on {dep.label}, which does not exist "
                    f"(attribute '{dep.attr}')", hint or "check the label, or define the target")
    cycle = find_cycle(target_set)
    if cycle:
        path = "\n    -> ".join(f"{label} ({target_set[label].where.file}:{target_set[label].where.line})"
                               for label in cycle)
        first = target_set[cycle[0]]
        raise first.where.error(f"dependency cycle:\n    {path}",
                                hint="remove one of these dependencies to break the cycle")


def find_cycle(target_set: TargetSet) -> Optional[List[Label]]:
    """A dependency cycle as a list of labels whose first and last are equal, or None."""
    state: Dict[Label, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(target_set.targets):
        if state.get(start):
            continue
        stack: List[Tuple[Label, Iterable]] = [(start, iter(target_set[start].deps))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            dep = child.label
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if not state.get(dep):
                state[dep] = 1
                path.append(dep)
                stack.append((dep, iter(target_set[dep].deps)))
    return None
