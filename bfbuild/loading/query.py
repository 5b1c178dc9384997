"""The query language over the target graph: deps, rdeps, somepath, allpaths, kind, patterns.

    deps(EXPR)            EXPR and everything it depends on, transitively
    deps(EXPR, N)         ... up to depth N
    rdeps(EXPR)           every target that depends on EXPR (in the whole workspace)
    rdeps(UNIVERSE, EXPR) ... within UNIVERSE
    somepath(FROM, TO)    one dependency path from FROM to TO, in order
    allpaths(FROM, TO)    every target on some path from FROM to TO
    kind(RULE, EXPR)      the targets of EXPR whose rule name matches the regex RULE
    //pkg:name, //pkg:all, //pkg/..., //...
"""
from __future__ import annotations

import re
from collections import deque
from typing import Dict, List, Optional, Set

from bfbuild.errors import BfError, did_you_mean
from bfbuild.labels import Label, parse_pattern
from bfbuild.loading.targets import TargetSet

FUNCTIONS = ("deps", "rdeps", "somepath", "allpaths", "kind")


class Query:
    def __init__(self, targets: TargetSet):
        self.targets = targets
        self.forward: Dict[Label, List[Label]] = {
            label: list(dict.fromkeys(dep.label for dep in target.deps))
            for label, target in targets.targets.items()}
        self.reverse: Dict[Label, List[Label]] = {label: [] for label in targets.targets}
        for label, deps in self.forward.items():
            for dep in deps:
                self.reverse[dep].append(label)

    def evaluate(self, text: str) -> List[Label]:
        """Labels in a stable order (dependency order for somepath)."""
        parser = _Parser(text)
        node = parser.expression()
        parser.end()
        return self._eval(node)

    def _eval(self, node) -> List[Label]:
        if isinstance(node, str):
            return self.targets.match([parse_pattern(node)])
        name, args = node
        if name == "deps":
            depth = self._depth(args, 1)
            return self._closure(self._eval(args[0]), self.forward, depth)
        if name == "rdeps":
            if len(args) == 1:
                return self._closure(self._eval(args[0]), self.reverse, None)
            universe = set(self._closure(self._eval(args[0]), self.forward, None))
            depth = self._depth(args, 2)
            return [l for l in self._closure(self._eval(args[1]), self.reverse, depth) if l in universe]
        if name == "somepath":
            self._arity(name, args, 2)
            return self._somepath(self._eval(args[0]), set(self._eval(args[1])))
        if name == "allpaths":
            self._arity(name, args, 2)
            down = set(self._closure(self._eval(args[0]), self.forward, None))
            up = set(self._closure(self._eval(args[1]), self.reverse, None))
            return sorted(down & up)
        if name == "kind":
            self._arity(name, args, 2)
            if not isinstance(args[0], str):
                raise BfError("kind() takes a rule name pattern first, e.g. kind(clang, //...)")
            regex = re.compile(args[0])
            return [l for l in self._eval(args[1]) if regex.search(self.targets[l].rule.name)]
        raise AssertionError(name)

    @staticmethod
    def _arity(name: str, args, count: int) -> None:
        if len(args) != count:
            raise BfError(f"{name}() takes {count} arguments, got {len(args)}")

    @staticmethod
    def _depth(args, index: int) -> Optional[int]:
        if len(args) <= index:
            return None
        if not isinstance(args[index], str) or not args[index].isdigit():
            raise BfError(f"depth must be a number, got {args[index]!r}")
        return int(args[index])

    @staticmethod
    def _closure(start: List[Label], edges: Dict[Label, List[Label]], depth: Optional[int]) -> List[Label]:
        seen: Dict[Label, int] = {label: 0 for label in start}
        queue = deque(start)
        while queue:
            label = queue.popleft()
            if depth is not None and seen[label] >= depth:
                continue
            for nxt in edges[label]:
                if nxt not in seen:
                    seen[nxt] = seen[label] + 1
                    queue.append(nxt)
        return sorted(seen)

    def _somepath(self, sources: List[Label], goals: Set[Label]) -> List[Label]:
        for source in sources:
            parent: Dict[Label, Optional[Label]] = {source: None}
            queue = deque([source])
            while queue:
                label = queue.popleft()
                if label in goals:
                    path = []
                    node: Optional[Label] = label
                    while node is not None:
                        path.append(node)
                        node = parent[node]
                    return path[::-1]
                for nxt in self.forward[label]:
                    if nxt not in parent:
                        parent[nxt] = label
                        queue.append(nxt)
        return []


class _Parser:
    """expression := WORD | WORD '(' expression (',' expression)* ')'"""

    def __init__(self, text: str):
        self.text = text
        self.tokens = re.findall(r"[(),]|[^\s(),]+", text)
        self.pos = 0

    def _peek(self) -> Optional[str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: Optional[str] = None) -> str:
        token = self._peek()
        if token is None or (expected and token != expected):
            raise BfError(f"query syntax error in {self.text!r}: expected {expected or 'a term'}, "
                          f"got {token or 'the end'}",
                          hint="write e.g. deps(//images:tinyllama) or somepath(//a:x, //b:y)")
        self.pos += 1
        return token

    def expression(self):
        word = self._take()
        if self._peek() == "(":
            if word not in FUNCTIONS:
                raise BfError(f"unknown query function '{word}'",
                              hint=did_you_mean(word, FUNCTIONS) or f"known: {', '.join(FUNCTIONS)}")
            self._take("(")
            args = [self.expression()]
            while self._peek() == ",":
                self._take(",")
                args.append(self.expression())
            self._take(")")
            return (word, args)
        return word

    def end(self) -> None:
        if self._peek() is not None:
            raise BfError(f"query syntax error in {self.text!r}: unexpected '{self._peek()}'")
