"""An SVG flame graph from folded stacks, drawn here: plain SVG with a <title> tooltip per frame,
no script, no font or style from the network, so it shows anywhere, offline, as an <img> too.

The root is at the bottom and each frame's width is its share of the samples; siblings are sorted
by name, so the same samples always give the same file. Kernel frames are warm colours, module
frames (name[cpu]:function) cool ones, a cut stack's "[partial stack]" grey.
"""
from __future__ import annotations

import zlib
from typing import Dict, List, Tuple
from xml.sax.saxutils import escape

Stack = Tuple[str, ...]
WIDTH, FRAME_H, PAD, TOP = 1200, 17, 10, 44
CHAR_W = 6.6  # the average width of a 11px sans-serif character, for cutting labels
MIN_W = 0.3   # frames narrower than this many pixels are left out


class _Node:
    __slots__ = ("name", "count", "children")

    def __init__(self, name: str):
        self.name, self.count, self.children = name, 0, {}


def _tree(folded: Dict[Stack, int]) -> _Node:
    root = _Node("all")
    for stack, count in folded.items():
        root.count += count
        node = root
        for frame in stack:
            node = node.children.setdefault(frame, _Node(frame))
            node.count += count
    return root


def _colour(name: str) -> str:
    h = zlib.crc32(name.encode())
    a, b = (h & 0xFF) / 255, ((h >> 8) & 0xFF) / 255
    if name.startswith("["):
        return "rgb(190,190,190)"
    if ":" in name:  # a module's function
        return f"rgb({int(60 + 60 * a)},{int(160 + 60 * b)},{int(190 + 50 * a)})"
    return f"rgb({int(205 + 50 * a)},{int(80 + 150 * b)},{int(40 * a)})"


def _depth(node: _Node) -> int:
    return 1 + max((_depth(c) for c in node.children.values()), default=0)


def flame_svg(folded: Dict[Stack, int], title: str, subtitle: str = "") -> str:
    root = _tree(folded)
    levels = _depth(root)
    height = TOP + levels * FRAME_H + PAD + 18
    scale = (WIDTH - 2 * PAD) / max(root.count, 1)
    out: List[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Verdana, DejaVu Sans, sans-serif" '
        f'font-size="11">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#f8f8f0"/>',
        f'<text x="{WIDTH / 2}" y="20" font-size="16" text-anchor="middle">{escape(title)}</text>',
        f'<text x="{WIDTH / 2}" y="36" fill="#555" text-anchor="middle">{escape(subtitle)}</text>',
        f'<text x="{PAD}" y="{height - 6}" fill="#555">Hover a frame for its name and samples; '
        f'width = share of samples, root at the bottom.</text>']

    def draw(node: _Node, x: float, depth: int) -> None:
        w = node.count * scale
        if w < MIN_W:
            return
        y = height - PAD - 18 - (depth + 1) * FRAME_H
        share = 100 * node.count / max(root.count, 1)
        label = node.name if depth else f"all ({root.count} samples)"
        tip = f"{label}: {node.count} samples, {share:.2f}%"
        out.append(f'<g><title>{escape(tip)}</title><rect x="{x:.2f}" y="{y}" width="{w:.2f}" '
                   f'height="{FRAME_H - 1}" rx="2" fill="{_colour(node.name) if depth else "#ccc"}"/>')
        chars = int((w - 6) / CHAR_W)
        if chars >= 3:
            text = label if len(label) <= chars else label[:chars - 2] + ".."
            out.append(f'<text x="{x + 3:.2f}" y="{y + FRAME_H - 5}">{escape(text)}</text>')
        out.append("</g>")
        child_x = x
        for name in sorted(node.children):
            child = node.children[name]
            draw(child, child_x, depth + 1)
            child_x += child.count * scale

    draw(root, PAD, 0)
    out.append("</svg>")
    return "\n".join(out) + "\n"
