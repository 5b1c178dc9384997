"""The bfbuild command line. Exit codes: 0 success, 1 build or test failure, 2 bad input or usage."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import traceback
from typing import List, Optional

from .errors import BfError, BuildFailure
from .workspace import OUTPUT_DIR

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration")
    group.add_argument("--cpu", help="CPU target(s) from //cpus, comma separated (a matrix)")
    group.add_argument("--pgo", help="PGO mode(s): off, instrument, on; comma separated")
    group.add_argument("--toolchain", help="toolchain(s) from toolchains/*.yaml, comma separated")
    group = parser.add_argument_group("execution")
    group.add_argument("-j", "--jobs", type=int, default=0, help="parallel actions (default: CPUs)")
    group.add_argument("-k", "--keep-going", action="store_true",
                       help="build as much as possible after a failure")
    group.add_argument("--shard", metavar="I/N", type=_shard,
                       help="build the I-th of N slices of the (target, configuration) pairs")
    group.add_argument("--profile", metavar="TRACE.json",
                       help="write a Chrome trace of the build (open it in Perfetto)")
    group = parser.add_argument_group("caching")
    group.add_argument("--cache-dir", default=os.environ.get("BFBUILD_CACHE_DIR", _default_cache()),
                       help="the local action cache (default: $BFBUILD_CACHE_DIR or %(default)s)")
    group.add_argument("--no-cache", action="store_true", help="neither read nor fill the local cache")
    group.add_argument("--remote-cache", metavar="URL", default=os.environ.get("BFBUILD_REMOTE_CACHE"),
                       help="a Bazel HTTP cache (/ac/, /cas/): bazel-remote, nginx with WebDAV "
                            "(default: $BFBUILD_REMOTE_CACHE)")
    group.add_argument("--cache-readonly", action="store_true",
                       help="read the caches, never write them (for untrusted jobs)")
    group.add_argument("--remote-cache-readonly", action="store_true",
                       help="read the remote cache, never write it")


def _default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "bfbuild")


def _shard(text: str):
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not I/N (e.g. 2/4)") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"shard {text}: I must be between 1 and N")
    return index, count


def make_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="show Python tracebacks with errors")
    parser = argparse.ArgumentParser(prog="bfbuild", parents=[common],
                                     description="Build, boot and test unikernels from YAML targets.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", parents=[common], help="build targets")
    build.add_argument("patterns", nargs="+", metavar="TARGET", help="labels or patterns (//pkg/...)")
    _add_build_options(build)

    run = commands.add_parser("run", parents=[common], help="build an image and boot it in QEMU",
                              usage="bfbuild run TARGET [options] [-- QEMU_ARG ...]")
    run.add_argument("label", metavar="TARGET")
    run.add_argument("--timeout", type=float, default=None, help="seconds before QEMU is stopped")
    run.add_argument("--no-data-disk", action="store_true", help="boot without the image's data disk")
    run.add_argument("--gdb", action="store_true",
                     help="start QEMU halted with a gdb server on tcp::1234 (-s -S) and write "
                          "bfout/gdb/<image>.gdb for `gdb -x`")
    _add_build_options(run)

    test = commands.add_parser("test", parents=[common], help="build and run boot tests")
    test.add_argument("patterns", nargs="*", default=["//..."], metavar="TARGET")
    test.add_argument("--rerun", action="store_true", help="run tests even if a cached pass exists")
    _add_build_options(test)

    size = commands.add_parser("size", parents=[common],
                               help="sections of an image's kernel and modules, space left")
    size.add_argument("patterns", nargs="+", metavar="TARGET")
    _add_build_options(size)

    query = commands.add_parser("query", parents=[common], help="query the target graph")
    query.add_argument("expression", help="e.g. 'deps(//images:tinyllama)', 'somepath(//a:x, //b:y)'")

    pgo = commands.add_parser("pgo", parents=[common],
                              help="refresh an image's profile, rebuild it optimised, compare")
    pgo.add_argument("label", metavar="IMAGE")
    _add_build_options(pgo)

    explain = commands.add_parser("explain", parents=[common],
                                  help="why the actions of a target ran in the last build")
    explain.add_argument("label", metavar="TARGET")

    new = commands.add_parser("new", parents=[common], help="scaffold a module or a rule",
                              description="Create a module (modules/NAME/, added to a registry) or "
                                          "a workspace-local rule (rules/NAME.py and its test).")
    new.add_argument("kind", choices=["module", "rule"])
    new.add_argument("name", metavar="NAME")
    new.add_argument("--registry", default=None, metavar="LABEL",
                     help="new module: the cache-registry to add it to "
                          "(default: //apps/tinyllama:registry)")

    schema = commands.add_parser("schema", parents=[common],
                                 help="write the JSON Schema of BUILD.yaml and package files")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")

    graph = commands.add_parser("graph", parents=[common],
                                help="draw the target graph below some targets (dot or SVG)")
    graph.add_argument("patterns", nargs="+", metavar="TARGET")
    graph.add_argument("--format", choices=["dot", "svg"], default=None,
                       help="dot text or an SVG drawn by Graphviz (default: from -o's suffix, else dot)")
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")

    commands.add_parser("clean", parents=[common], help=f"remove {OUTPUT_DIR}/")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    verbose = "-v" in argv or "--verbose" in argv
    missing_output = _missing_output_dir()
    try:
        return _main(argv)
    except BfError as exc:
        if exc.exit_code == EXIT_USAGE and missing_output is not None:
            _remove_lock_only_output_dir(missing_output)
        if verbose:
            traceback.print_exc()
        print(f"bfbuild: {'FAILED' if exc.exit_code == EXIT_FAILED else 'error'}: {exc}", file=sys.stderr)
        if not verbose and exc.__cause__ is not None and exc.exit_code == EXIT_USAGE:
            print("  (run with --verbose for the Python traceback)", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bfbuild: interrupted", file=sys.stderr)
        return 130


def _missing_output_dir():
    """bfout/ of the workspace around the current folder when it does not exist yet, else None."""
    from .workspace import find_root

    try:
        out = find_root() / OUTPUT_DIR
    except (BfError, OSError):
        return None
    return None if out.exists() else out


def _remove_lock_only_output_dir(out) -> None:
    """Bad input changes nothing in bfout/: when this command created it and it holds only the
    workspace lock (taken before the input was read), remove it again."""
    import fcntl

    from .lock import LOCK_NAME

    try:
        if os.listdir(out) != [LOCK_NAME]:
            return
        with open(out / LOCK_NAME, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another bfbuild has started meanwhile: the folder is its now
            if os.fstat(handle.fileno()).st_size == 0:
                os.unlink(out / LOCK_NAME)
                os.rmdir(out)
    except OSError:
        pass


def _fast_noop(argv: List[str]) -> Optional[int]:
    """Answer a repeated build or test from the no-op record, if nothing changed (bfbuild.noop)."""
    import time

    from . import noop
    from .lock import WorkspaceLock
    from .workspace import STATE_DIR, find_root

    started = time.time()
    try:
        root = find_root()
    except BfError:
        return None
    with WorkspaceLock(root, " ".join(argv)):
        report = noop.check(root, argv)
        if report is None:
            return None
        record = root / STATE_DIR / "last_build.jsonl"
        if record.exists():
            record.write_text("")
    for line in report["lines"]:
        print(line)
    print(f"bfbuild: nothing changed since the last identical command: {report['actions']} "
          f"action(s) up to date, engine not started, {time.time() - started:.3f}s")
    return EXIT_OK


def _record_noop(session, options, analysis, lines: List[str]) -> None:
    from . import noop

    noop.write(session.root, options.argv, session.dependency_files(analysis),
               {"lines": lines, "actions": len(analysis.graph.actions)})


def _main(argv: List[str]) -> int:
    import time

    from .plugins import make_plugin_manager
    from .workspace import load_workspace

    started = time.time()
    if argv[:1] in (["build"], ["test"]) and "--rerun" not in argv:
        answered = _fast_noop(argv)
        if answered is not None:
            return answered

    workspace, plugin_manager, problem = None, None, None
    try:
        workspace = load_workspace()
        plugin_manager = make_plugin_manager(workspace)
    except BfError as exc:
        problem = exc  # raised after parsing, so that --help works anywhere
    parser = make_parser()
    if plugin_manager is not None:
        plugin_manager.hook.bfbuild_addoption(parser=parser)
    extra: List[str] = []
    if "--" in argv:  # everything after -- goes to QEMU untouched (bfbuild run)
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    options = parser.parse_args(argv)
    options.qemu_args = extra
    options.started = started
    options.argv = argv + (["--", *extra] if extra else [])
    if extra and options.command != "run":
        parser.error("arguments after -- are only taken by 'run' (extra QEMU arguments)")
    if problem is not None:
        raise problem
    plugin_manager.hook.bfbuild_configure(workspace=workspace, options=options)
    if options.command == "query":  # reads YAML only: no lock needed
        from .session import Session
        return _query(Session(workspace, plugin_manager), options)
    if options.command == "schema":  # reads the rules only
        return _schema(plugin_manager, options)
    if options.command == "graph":
        from .session import Session
        return _graph(Session(workspace, plugin_manager), options)
    from .lock import WorkspaceLock
    with WorkspaceLock(workspace.root, " ".join(argv)):
        if options.command == "clean":
            return _clean(workspace)
        from .session import Session
        session = Session(workspace, plugin_manager)
        handler = {"build": _build, "run": _run, "test": _test, "size": _size,
                   "explain": _explain, "pgo": _pgo, "new": _new}[options.command]
        return handler(session, options)


def _clean(workspace) -> int:
    from .lock import LOCK_NAME

    out = workspace.path(OUTPUT_DIR)
    for entry in out.iterdir() if out.exists() else []:
        if entry.name == LOCK_NAME:
            continue  # held by this very command
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    print(f"removed the contents of {OUTPUT_DIR}/")
    return EXIT_OK


def _configs(session, options):
    return session.configurations(options.cpu, options.pgo, options.toolchain)


def _cache_options(options):
    from .engine.runner import CacheOptions

    return CacheOptions(local_dir=None if options.no_cache else options.cache_dir,
                        remote_url=options.remote_cache, readonly=options.cache_readonly,
                        remote_readonly=options.remote_cache_readonly)


def _build_and_report(session, labels, configs, options, keep_going=None):
    import time

    analysed_from = time.time()
    analysis = session.analyse(labels, configs, shard=options.shard)
    executed_from = time.time()
    shared = f", {analysis.shared_actions} shared between configurations" if len(configs) > 1 else ""
    shard = f" (shard {options.shard[0]}/{options.shard[1]}: {len(analysis.top)} pairs)" if options.shard else ""
    print(f"bfbuild: {len(labels)} target(s) x {len(configs)} configuration(s){shard}: "
          f"{len(analysis.graph.actions)} actions{shared}")
    result = session.execute(analysis, jobs=options.jobs,
                             keep_going=options.keep_going if keep_going is None else keep_going,
                             cache=_cache_options(options))
    ran, cached = len(result.ran), len(result.from_cache)
    print(f"bfbuild: {'done' if result.ok else 'FAILED'}: {ran} action(s) run, {cached} from cache, "
          f"{result.total_actions - ran - cached} up to date, {result.seconds:.2f}s "
          f"({time.time() - options.started:.2f}s wall)")
    if options.profile:
        from .trace import write_trace

        write_trace(options.profile, [("loading", options.started, analysed_from),
                                      ("analysis", analysed_from, executed_from),
                                      ("execution", executed_from, time.time())], result.executed)
        print(f"bfbuild: trace written to {options.profile}")
    return analysis, result


def _build(session, options) -> int:
    labels = session.labels(options.patterns)
    analysis, result = _build_and_report(session, labels, _configs(session, options), options)
    if not result.ok:
        return EXIT_FAILED
    lines = [f"  {configured.label} ({configured.config.name}): {path}"
             for configured in analysis.top for path in configured.files()]
    print("\n".join(lines))
    _record_noop(session, options, analysis, lines)
    return EXIT_OK


def _run(session, options) -> int:
    from .launch import boot_plan
    from .qemu import boot

    labels = session.labels([options.label])
    configs = _configs(session, options)
    if len(labels) != 1 or len(configs) != 1:
        raise BfError("run takes one target in one configuration",
                      hint="name a single image target and at most one value per axis")
    analysis, result = _build_and_report(session, labels, configs, options)
    if not result.ok:
        return EXIT_FAILED
    configured = analysis.top[0]
    plan = boot_plan(session, configured, configs[0], extra=options.qemu_args,
                     data_disk=not options.no_data_disk)
    image, argv = plan.image, plan.argv
    if options.gdb:
        argv = _prepare_gdb(session, configured, image, argv)
    print(f"bfbuild: booting {image.image} ({' '.join(argv[1:])})", flush=True)
    outcome = boot(argv, options.timeout, on_line=lambda line: print(line, flush=True))
    print(f"bfbuild: {configured.label}: {outcome.describe()}")
    return EXIT_OK if outcome.success else EXIT_FAILED


def _test(session, options) -> int:
    import time

    from .providers import TestInfo, TestReport

    labels = [l for l in session.labels(options.patterns) if session.targets[l].rule.test]
    if not labels:
        raise BfError(f"no test targets match {' '.join(options.patterns)}",
                      hint="test targets use a test rule such as 'boot_test'")
    configs = _configs(session, options)
    if options.rerun:  # forget cached passes: the result files, and the cache entries behind them
        options.no_cache = True
        for configured in session.analyse(labels, configs, shard=options.shard).top:
            path = session.root / configured.get(TestInfo).result
            if path.exists():
                path.unlink()
    # One failing test must not hide the others.
    analysis, result = _build_and_report(session, labels, configs, options, keep_going=True)
    tests = [(ct, ct.get(TestInfo)) for ct in analysis.top]
    ran = {tuple(r["outputs"]) for r in result.ran if r["mnemonic"] == "TEST"}
    from bfbuild_plugins.qemu import result_is_current

    passed = failed = cached = not_run = 0
    cached_lines = []
    for configured, info in tests:
        done = result_is_current(info.result, str(session.root))
        fresh = (info.result,) in ran
        if done and not fresh:
            state, cached = "PASSED (cached)", cached + 1
        elif done:
            state, passed = "PASSED", passed + 1
        elif not any(tuple(r["outputs"]) == (info.result,) for r in result.executed):
            state, not_run = "NOT RUN", not_run + 1  # something it needs failed to build
        else:
            state, failed = "FAILED", failed + 1
        print(f"  {state:16} {configured.label} ({configured.config.name})  log: {info.log}")
        session.plugins.hook.bfbuild_test_report(report=TestReport(
            str(configured.label), configured.config.name, state, info.log))
        cached_lines.append(f"  {'PASSED (cached)':16} {configured.label} ({configured.config.name})"
                            f"  log: {info.log}")
    print(f"{passed + cached} passed, {failed + not_run} failed"
          + (f" ({not_run} not run: the build failed)" if not_run else "")
          + f"; {cached} of the passes cached; {time.time() - options.started:.2f}s wall")
    if failed == 0 and not_run == 0 and result.ok:
        _record_noop(session, options, analysis,
                     cached_lines + [f"{len(tests)} passed, 0 failed; {len(tests)} of the passes cached"])
        return EXIT_OK
    return EXIT_FAILED


def _size(session, options) -> int:
    from .providers import ImageInfo
    from .size import size_report

    labels = session.labels(options.patterns)
    analysis, result = _build_and_report(session, labels, _configs(session, options), options)
    if not result.ok:
        return EXIT_FAILED
    images = [ct for ct in analysis.top if ct.get(ImageInfo)]
    if not images:
        raise BfError("size takes image targets", hint="e.g. bfbuild size //images:tinyllama")
    for configured in images:
        print("\n".join(size_report(session.root, configured)))
    return EXIT_OK


def _pgo(session, options) -> int:
    from . import pgo_report

    labels = session.labels([options.label])
    if len(labels) != 1:
        raise BfError("pgo takes one image target", hint="e.g. bfbuild pgo //images:tinyllama")
    if options.pgo:
        raise BfError("pgo builds the off and on configurations itself: drop --pgo")

    compiles = []

    def build(labels_, configs):
        analysis, result = _build_and_report(session, labels_, configs, options)
        if not result.ok:
            raise BuildFailure("the build failed")
        compiles.extend(r for r in result.ran if r["mnemonic"] == "CC")
        return analysis

    for config in _configs(session, options):
        report = pgo_report.run(session, labels[0], config, build)
        print(pgo_report.markdown(report))
        print(f"bfbuild pgo: report written to {pgo_report.REPORT_DIR}/{labels[0].name}-{config['cpu']}.md and .json")
    print(f"bfbuild pgo: {len(compiles)} compiler invocation(s)")
    return EXIT_OK


def _explain(session, options) -> int:
    import json

    from .workspace import STATE_DIR

    labels = session.labels([options.label])
    if len(labels) != 1:
        raise BfError("explain takes one target label", hint="e.g. bfbuild explain //modules/sum")
    label = str(labels[0])
    record = session.root / STATE_DIR / "last_build.jsonl"
    runs = [json.loads(line) for line in record.read_text().splitlines() if line] if record.exists() else []
    mine = [r for r in runs if r["owner"] == label]
    if not mine:
        print(f"{label}: none of its actions ran in the last build "
              f"({len(runs)} action(s) of other targets did)")
        return EXIT_OK
    for run in mine:
        what = f"{run['mnemonic']} {run.get('progress') or run['outputs'][0]} ({run['config']})"
        how = f"restored from the {run['cache']} cache" if run.get("cache") else (
            "ran" if run["ok"] else "ran and FAILED")
        print(f"{label}: {what}: {how}, because")
        for reason in run.get("why", []):
            print(f"    {reason}")
    return EXIT_OK


def _prepare_gdb(session, configured, image, argv):
    """QEMU halted, waiting for gdb; the command file that attaches to it."""
    from .gdb import GDB_PORT, with_gdb_server, write_command_file

    if not image.kernel_elf:
        raise BfError(f"{configured.label} has no kernel ELF to debug",
                      hint="--gdb needs an image whose kernel is a 'link' target")
    script = write_command_file(session.root, configured.label.name, image.kernel_elf)
    print(f"bfbuild: QEMU waits for a debugger on tcp::{GDB_PORT}; in another terminal, "
          f"in {session.root}, run:\n    gdb -x {script}\n"
          f"  (it loads {image.kernel_elf}, connects and breaks at kmain; type 'continue')",
          flush=True)
    return with_gdb_server(argv)


def _new(session, options) -> int:
    from .scaffold import DEFAULT_REGISTRY, new_module, new_rule

    if options.kind == "module":
        done = new_module(session, options.name, options.registry or DEFAULT_REGISTRY)
        follow = (f"next: edit modules/{options.name}/{options.name}.c and reference.py, then "
                  f"bfbuild test //images:tinyllama_boot_test (docs/add-a-module.md)")
    else:
        if options.registry:
            raise BfError("--registry is for 'new module'")
        done = new_rule(session, options.name)
        follow = (f"next: use 'rule: {options.name}' in a package file, then bfbuild build "
                  f"<its label> (docs/write-a-rule.md)")
    print("\n".join(done + [follow]))
    return EXIT_OK


def _schema(plugin_manager, options) -> int:
    from .plugins import collect_rules
    from .schema_json import dumps, workspace_schema

    text = dumps(workspace_schema(collect_rules(plugin_manager)))
    if options.output:
        with open(options.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"bfbuild: JSON Schema written to {options.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _graph(session, options) -> int:
    from .dot import render, to_dot

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


def _query(session, options) -> int:
    from .query import Query

    for label in Query(session.targets).evaluate(options.expression):
        target = session.targets[label]
        print(f"{label}" + (f"  ({target.rule.name})" if options.verbose else ""))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
