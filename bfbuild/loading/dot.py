"""`bfbuild graph`: the target graph below some labels as Graphviz dot, or SVG through `dot`.

Nodes are targets (label and rule), edges point from a target to what it depends on, and each
package is a cluster. Left to right reads like the build: what you asked for on the left, the
sources it is made from on the right.
"""
from __future__ import annotations

import shutil
import zlib
import subprocess
from typing import Dict, Iterable, List, Tuple

from bfbuild.errors import BfError
from bfbuild.labels import Label
from bfbuild.loading.targets import TargetSet

# A soft colour per kind of rule, so the eye finds the targets of one rule at once. The colour is
# chosen from the rule's name, so any plugin's rule gets one, the same in every drawing.
_PALETTE = ("#f4cccc", "#fce5cd", "#fff2cc", "#d9ead3", "#d0e0e3", "#cfe2f3", "#d9d2e9",
            "#ead1dc", "#eeeeee", "#e6f2d9")


def _colour(rule_name: str) -> str:
    return _PALETTE[zlib.crc32(rule_name.encode()) % len(_PALETTE)]


def closure(targets: TargetSet, roots: Iterable[Label]) -> List[Label]:
    """The roots and everything they depend on, in a stable order."""
    seen: Dict[Label, None] = {}
    stack = list(roots)
    while stack:
        label = stack.pop()
        if label in seen:
            continue
        seen[label] = None
        stack.extend(dep.label for dep in targets[label].deps)
    return sorted(seen)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(targets: TargetSet, roots: Iterable[Label], title: str = "") -> str:
    roots = list(roots)
    labels = closure(targets, roots)
    by_package: Dict[str, List[Label]] = {}
    for label in labels:
        by_package.setdefault(label.package, []).append(label)
    groups = _groups(by_package)
    lines = ["digraph bfbuild {",
             "  rankdir=LR; ranksep=0.6; nodesep=0.15; newrank=true;",
             '  graph [fontname="Helvetica", fontsize=12, labeljust=l, style="rounded", '
             'color="#999999"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
             'height=0.3, margin="0.1,0.03"];',
             '  edge [color="#777777", arrowsize=0.6];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t; fontsize=14;")
    for index, (title_, members) in enumerate(groups):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_quote(title_)};")
        for label, name in members:
            rule = targets[label].rule.name
            colour = _colour(rule)
            # The cluster names the package; the node its target, with the rule below, smaller.
            # (A table, not <BR/>: the rows then keep an underscore clear of the line below.)
            text = (f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1"><TR><TD>{_html(name)}</TD>'
                    f'</TR><TR><TD><FONT POINT-SIZE="9" COLOR="#555555">{_html(rule)}</FONT></TD>'
                    f'</TR></TABLE>>')
            border = ', penwidth=2' if label in roots else ''
            lines.append(f"    {_quote(str(label))} [label={text}, fillcolor={_quote(colour)}, "
                         f"tooltip={_quote(str(label) + ' (' + rule + ')')}{border}];")
        lines.append("  }")
    for label in labels:
        for dep in dict.fromkeys(d.label for d in targets[label].deps):
            lines.append(f"  {_quote(str(label))} -> {_quote(str(dep))};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _groups(by_package: Dict[str, List[Label]]) -> List[Tuple[str, List[Tuple[Label, str]]]]:
    """Clusters as (title, [(label, node text)]): one per package, except that packages holding
    just their namesake target (//modules/sum is //modules/sum:sum) share one cluster per parent
    folder, shown by their short label; a dozen one-node boxes would hide the graph."""
    groups: Dict[str, List[Tuple[Label, str]]] = {}
    for package, members in sorted(by_package.items()):
        parent, _, leaf = package.rpartition("/")
        if parent and len(members) == 1 and members[0].name == leaf:
            groups.setdefault(f"//{parent}/...", []).append((members[0], f"//{package}"))
        else:
            groups[f"//{package}"] = [(label, f":{label.name}") for label in members]
    return sorted(groups.items())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(dot_text: str, fmt: str) -> bytes:
    """Run Graphviz's `dot -T<fmt>` on the text."""
    program = shutil.which("dot")
    if program is None:
        raise BfError("Graphviz's 'dot' program is not installed, so no SVG",
                      hint="install it (apt-get install -y graphviz), or use --format dot")
    proc = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True)
    if proc.returncode != 0:
        raise BfError(f"dot -T{fmt} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
