"""`bfbuild build TARGET...`: build targets in every requested configuration."""
from bfbuild import analysis_cache
from bfbuild.commands import EXIT_FAILED, EXIT_OK, Command
from bfbuild.commands.options import cache_options
from bfbuild.commands.reporting import record_noop
from bfbuild.outcome import settled
from bfbuild.stat_record import snapshot


def _arguments(parser):
    parser.add_argument("patterns", nargs="+", metavar="TARGET", help="labels or patterns (//pkg/...)")


def run(invocation) -> int:
    session = invocation.session
    labels = session.labels(invocation.options.patterns)
    analysis, result = invocation.build(labels, invocation.configurations())
    if not result.ok:
        return EXIT_FAILED
    lines = [f"  {configured.label} ({configured.config.name}): {path}"
             for configured in analysis.top for path in configured.files()]
    print("\n".join(lines))
    outputs = snapshot(session.root, [out for action in analysis.graph.actions
                                      for out in action.outputs])  # as they are when it ends
    settled(EXIT_OK)  # the records below are for the next command (bfbuild.outcome)
    record_noop(invocation, analysis, lines, outputs)
    analysis_cache.store(invocation, analysis, invocation.header, lines,
                         cache_options(invocation.options))
    return EXIT_OK


COMMAND = Command("build", "build targets", run, _arguments, builds=True, replayable=True)
