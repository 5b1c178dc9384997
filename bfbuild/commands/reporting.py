"""Building from a command: analysis, execution and the summary lines every command prints."""
from __future__ import annotations

import time
from typing import List

from bfbuild.commands.options import cache_options


def build_and_report(invocation, labels, configs, keep_going=None):
    session, options = invocation.session, invocation.options
    analysed_from = time.time()
    analysis = session.analyse(labels, configs, shard=options.shard)
    executed_from = time.time()
    invocation.hold_lock()
    shared = f", {analysis.shared_actions} shared between configurations" if len(configs) > 1 else ""
    shard = f" (shard {options.shard[0]}/{options.shard[1]}: {len(analysis.top)} pairs)" if options.shard else ""
    header = (f"bfbuild: {len(labels)} target(s) x {len(configs)} configuration(s){shard}: "
              f"{len(analysis.graph.actions)} actions{shared}")
    print(header)
    invocation.header = header
    result = session.execute(analysis, jobs=options.jobs,
                             keep_going=options.keep_going if keep_going is None else keep_going,
                             cache=cache_options(options))
    ran, cached = len(result.ran), len(result.from_cache)
    print(f"bfbuild: {'done' if result.ok else 'FAILED'}: {ran} action(s) run, {cached} from cache, "
          f"{result.total_actions - ran - cached} up to date, {result.seconds:.2f}s "
          f"({time.time() - options.started:.2f}s wall)")
    if options.profile:
        from bfbuild.engine.trace import write_trace

        write_trace(options.profile, [("loading", options.started, analysed_from),
                                      ("analysis", analysed_from, executed_from),
                                      ("execution", executed_from, time.time())], result.executed)
        print(f"bfbuild: trace written to {options.profile}")
    return analysis, result


def record_noop(invocation, analysis, lines: List[str], outputs=None) -> None:
    """After a success: the report a repeat of this command line may replay (bfbuild.noop).
    `outputs`: the outputs' stat_record.snapshot() taken as the build ended, if it was taken."""
    from bfbuild import noop
    from bfbuild.incremental import graph_digest

    session = invocation.session
    noop.write(session.root, invocation.options.argv, session.dependency_files(analysis),
               {"lines": lines, "actions": len(analysis.graph.actions),
                "graph": graph_digest(analysis.graph.to_json())},
               invocation.options.started,
               outputs or [output for action in analysis.graph.actions for output in action.outputs])
