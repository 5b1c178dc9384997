"""`bfbuild query EXPR`: the target graph's query language (deps, rdeps, somepath, kind...)."""
from bfbuild.commands import EXIT_OK, NEEDS_TARGETS, Command
from bfbuild.loading.query import Query


def _arguments(parser):
    parser.add_argument("expression", help="e.g. 'deps(//images:tinyllama)', 'somepath(//a:x, //b:y)'")


def run(invocation) -> int:
    session = invocation.session
    for label in Query(session.targets).evaluate(invocation.options.expression):
        target = session.targets[label]
        print(f"{label}" + (f"  ({target.rule.name})" if invocation.options.verbose else ""))
    return EXIT_OK


COMMAND = Command("query", "query the target graph", run, _arguments, needs=NEEDS_TARGETS)
