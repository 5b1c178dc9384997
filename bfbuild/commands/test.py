"""`bfbuild test [TARGET...]`: build and run test targets; passes are cached by their inputs."""
import time
from pathlib import Path

from bfbuild.analysis.providers import TestInfo, TestReport
from bfbuild.commands import EXIT_FAILED, EXIT_OK, Command
from bfbuild.commands.reporting import record_noop
from bfbuild.engine.test_results import test_result_is_current
from bfbuild.errors import BfError


def _arguments(parser):
    parser.add_argument("patterns", nargs="*", default=["//..."], metavar="TARGET")
    parser.add_argument("--rerun", action="store_true", help="run tests even if a cached pass exists")
    # Test rules that keep state between runs read these through the bfbuild_configure hook
    # (boot tests: the image's writable state disk, docs/state.md). Such runs are never cached.
    parser.add_argument("--state", action="store_true",
                        help="tests use the state they keep between runs (implies --rerun)")
    parser.add_argument("--reset-state", action="store_true",
                        help="start that state again first (implies --state)")


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    labels = [l for l in session.labels(options.patterns) if session.targets[l].rule.test]
    if not labels:
        raise BfError(f"no test targets match {' '.join(options.patterns)}",
                      hint="test targets use a test rule such as 'boot-test'")
    configs = invocation.configurations()
    stateful = getattr(options, "state", False) or getattr(options, "reset_state", False)
    if stateful:
        options.rerun = True  # the state changes under every run: a pass is never reused
    if options.rerun:  # forget cached passes: the result files, and the cache entries behind them
        options.no_cache = True
        invocation.hold_lock()
        for configured in session.analyse(labels, configs, shard=options.shard).top:
            path = session.root / configured.get(TestInfo).result
            if path.exists():
                path.unlink()
    # One failing test must not hide the others.
    analysis, result = invocation.build(labels, configs, keep_going=True)
    ran = {record.outputs for record in result.ran if record.mnemonic == "TEST"}
    attempted = {record.outputs for record in result.executed}
    counts = {"passed": 0, "failed": 0, "cached": 0, "not run": 0}
    cached_lines = []
    for configured in analysis.top:
        info = configured.get(TestInfo)
        state = _state(info, str(session.root), ran, attempted)
        counts[{"PASSED": "passed", "PASSED (cached)": "cached", "FAILED": "failed",
                "NOT RUN": "not run"}[state]] += 1
        where = f"{configured.label} ({configured.config.name})"
        print(f"  {state:16} {where}{_where_to_look(state, info.log, session.root, result)}")
        session.plugins.hook.bfbuild_test_report(report=TestReport(
            str(configured.label), configured.config.name, state, info.log))
        cached_lines.append(f"  {'PASSED (cached)':16} {where}  log: {info.log}")
    passed, cached, failed, not_run = (counts[k] for k in ("passed", "cached", "failed", "not run"))
    print(f"{passed + cached} passed, {failed + not_run} failed"
          + (f" ({not_run} not run: the build failed)" if not_run else "")
          + f"; {cached} of the passes cached; {time.time() - options.started:.2f}s wall")
    if failed == 0 and not_run == 0 and result.ok:
        total = len(analysis.top)
        if not stateful:
            record_noop(invocation, analysis,
                        cached_lines + [f"{total} passed, 0 failed; {total} of the passes cached"])
        return EXIT_OK
    return EXIT_FAILED


def _where_to_look(state: str, log: str, root, result) -> str:
    """What ends a test's line: its log when there is one to read; for a test that never ran,
    the actions whose failure stopped it (a log from an earlier run would describe other code)."""
    if state == "NOT RUN":
        failed = sorted({f"{r.mnemonic} {r.owner}" for r in result.failed})
        if not failed:
            return "  (not run: the build stopped before it)"
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        return f"  (not run: {shown} failed; see FAILED above)"
    if not (Path(root) / log).exists():
        return "  (it stopped before its boot: no log was written)"
    return f"  log: {log}"


def _state(info, root, ran, attempted) -> str:
    done = test_result_is_current(info.result, root)
    fresh = (info.result,) in ran
    if done:
        return "PASSED" if fresh else "PASSED (cached)"
    if (info.result,) not in attempted:
        return "NOT RUN"  # something it needs failed to build
    return "FAILED"


COMMAND = Command("test", "build and run test targets", run, _arguments, builds=True,
                  replayable=True)
