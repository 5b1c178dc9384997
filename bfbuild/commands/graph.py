"""`bfbuild graph TARGET... [-o FILE]`: the target graph below some targets, as dot or SVG."""
import sys

from bfbuild.commands import EXIT_OK, NEEDS_TARGETS, Command
from bfbuild.loading.dot import render, to_dot


def _arguments(parser):
    parser.add_argument("patterns", nargs="+", metavar="TARGET")
    parser.add_argument("--format", choices=["dot", "svg"], default=None,
                        help="dot text or an SVG drawn by Graphviz (default: from -o's suffix, else dot)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    labels = session.labels(options.patterns)
    fmt = options.format or ("svg" if (options.output or "").endswith(".svg") else "dot")
    text = to_dot(session.targets, labels)
    data = render(text, fmt) if fmt == "svg" else text.encode()
    if options.output:
        with open(options.output, "wb") as handle:
            handle.write(data)
        print(f"bfbuild: {len(labels)} target(s), graph written to {options.output}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


COMMAND = Command("graph", "draw the target graph below some targets (dot or SVG)", run,
                  _arguments, needs=NEEDS_TARGETS)
