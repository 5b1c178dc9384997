# The fixed SCons script bfbuild runs with `scons -f`. It reads the analysed action graph as data
# (ARGUMENTS: BFGRAPH, BFRECORD, BFSTATE) and declares one SCons node per action:
#   - content signatures (sha256 via --hash-format), never timestamps;
#   - each action's key (command line, environment, tool identities) is in its signature;
#   - header dependencies come from the depfiles the previous build wrote;
#   - every path reaches SCons as a File node, never as a string it would expand (`$`, `#`);
#   - outputs renamed into place are journaled until SCons's database is on disk (journal.py);
#   - the engine runs in a process group of its own and dies with everything it started when
#     the bfbuild that started it dies (supervision.py).
# The work of each action is done by bfbuild.engine.steps.run_action; progress lines are written
# by bfbuild.engine.progress (live on a terminal when the runner passes BFLIVE=1).
import atexit
import json
import os
import sys
import threading
import time

import SCons.SConsign
from SCons.Script import (ARGUMENTS, Action, AlwaysBuild, Default,  # noqa: F401
                          DefaultEnvironment, Environment)

# The bfbuild that analysed the graph runs its actions, even in a workspace holding a `bfbuild`
# folder of its own (SCons puts the workspace first on sys.path).
sys.path.insert(0, ARGUMENTS["BFPACKAGE"])

from bfbuild.digest import file_sha256
from bfbuild.engine.cache import ActionCache
from bfbuild.engine.explain import action_state, load_state, reasons, save_state
from bfbuild.engine.journal import Journal
from bfbuild.engine.progress import DEFAULT_COLUMNS, Progress
from bfbuild.engine.record import ActionRecord
from bfbuild.engine.steps import header_dependencies, run_action
from bfbuild.engine.supervision import die_with_parent, fault_point
from bfbuild.stat_record import RACY_SECONDS

die_with_parent(int(ARGUMENTS["BFPARENT"]))

graph = json.load(open(ARGUMENTS["BFGRAPH"]))
record_path = ARGUMENTS["BFRECORD"]
state_dir = ARGUMENTS["BFSTATE"]
total = len(graph["actions"])
cache = None
if ARGUMENTS.get("BFCACHE") or ARGUMENTS.get("BFREMOTE"):
    cache = ActionCache(ARGUMENTS.get("BFCACHE") or None, ARGUMENTS.get("BFREMOTE") or None,
                        readonly=ARGUMENTS.get("BFCACHE_RO") == "1",
                        remote_readonly=ARGUMENTS.get("BFREMOTE_RO") == "1",
                        headers=json.loads(os.environ.pop("BFREMOTE_HEADERS", "[]")),
                        instance=ARGUMENTS.get("BFREMOTE_INSTANCE", ""))
lock = threading.Lock()
progress = Progress(sys.stdout, total, live=ARGUMENTS.get("BFLIVE") == "1",
                    columns=int(ARGUMENTS.get("BFCOLUMNS") or DEFAULT_COLUMNS))
atexit.register(progress.close)

# Outputs a killed build renamed into place, after SCons last wrote its database, are removed
# before SCons looks at anything: their records may vouch for other contents.
journal = Journal(state_dir)
journal.discard_pending()
SCONSIGN = os.path.join(state_dir, "sconsign")
# The global calls (Default, AlwaysBuild) use SCons's default environment, which
# by default looks for compilers on PATH (40-60 ms). Made first without tools, it serves them
# the same: every action is this script's own Python function, run with `env` below.
DefaultEnvironment(tools=[])
# The database's name, set as SConsignFile does but without any substitution: the global
# SConsignFile() leaves `$` alone while the environment method would expand it, and a workspace's
# path may hold either. (Escaping `$` as `$$` had put the database beside the workspace.)
SCons.SConsign.File(SCONSIGN)
_write_database = SCons.SConsign.write


def _write_database_then_clear_journal():
    """SCons's end-of-build write, made durable before the journal that covers it is dropped.
    Every action is done by now: a runner that asked for it (BFDONE, a descriptor) hears that the
    build succeeded before this write (bfbuild.engine.runner: a served command tells its client)."""
    _tell_runner_done()
    _write_database()
    fault_point("database-written")
    os.sync()
    journal.clear()


def _tell_runner_done():
    done_fd = ARGUMENTS.get("BFDONE")
    if not done_fd:
        return
    from SCons.Script import Main

    progress.close()
    sys.stdout.flush()
    succeeded = Main.exit_status == 0 and Main.this_build_status == 0
    try:
        os.write(int(done_fd), b"ok\n" if succeeded else b"failed\n")
        os.close(int(done_fd))
    except OSError:
        pass


SCons.SConsign.write = _write_database_then_clear_journal
env = Environment(tools=[], SCANNERS=[], BUILDERS={})
env.Decider("content")


def node(path):
    """A File node for a path taken literally (SCons reads a leading `#` as the top folder)."""
    return env.fs.File("./" + path if path.startswith("#") else path)


def _execute(target, source, env):
    spec = graph["actions"][env["BFINDEX"]]
    # Why it runs: the state it will run with, against the state of its last run.
    state = action_state(spec, header_dependencies(spec))
    why = reasons(load_state(state_dir, spec), state,
                  all(os.path.exists(out) for out in spec["outputs"]))
    started = time.time()
    where, notes = cache.restore(spec, journal) if cache else (None, [])
    with lock:  # after the lookup, so that the line can say where the outputs came from
        progress.start(spec, where or "")
    if where:
        ok, text = True, ""
    else:
        ok, text = run_action(spec, journal)
        if ok and cache:
            cache.store(spec)
    text = "\n".join([*notes, text]) if notes else text
    elapsed = time.time() - started
    if ok and spec.get("depfile"):
        _store_header_dependencies(target, spec, env)
    if ok:
        save_state(state_dir, spec, state)
    with lock:
        progress.finish(spec, ok, text)
        with open(record_path, "a") as record:
            record.write(ActionRecord(
                mnemonic=spec["mnemonic"], owner=spec["owner"], config=spec["config"],
                outputs=tuple(spec["outputs"]), progress=spec.get("progress", ""), ok=ok,
                cache=where, start=started, seconds=round(elapsed, 4),
                thread=threading.get_ident(), why=tuple(why)).to_json() + "\n")
    return 0 if ok else 1


def _store_header_dependencies(targets, spec, env):
    """Make the headers the compiler just reported this build's recorded dependencies.

    SCons records a target's dependency list after the action ran, from the node's `depends`.
    On a first build that list lacks the headers (no depfile yet), so the next build would see
    new dependencies and rebuild. Setting it to the fresh depfile's list, in the order the next
    build will declare it, makes that next build a no-op.
    """
    nodes = [node(path) for path in header_dependencies(spec)]
    for header in nodes:
        header.get_csig()
    for target_node in targets:
        target_node.depends = list(nodes)
        target_node.depends_set = set(nodes)


# One function action for all: its code is constant, so the signature is decided by BFKEY.
_action = Action(_execute, strfunction=lambda target, source, env: None, varlist=["BFKEY"])

all_outputs = []
for index, spec in enumerate(graph["actions"]):
    nodes = env.Command([node(p) for p in spec["outputs"]], [node(p) for p in spec["inputs"]],
                        _action, BFINDEX=index, BFKEY=spec["key"])
    all_outputs.extend(nodes)
    if spec.get("depfile"):
        headers = header_dependencies(spec, only_existing=False)
        present = [node(dep) for dep in headers if os.path.exists(dep)]
        if present:
            env.Depends(nodes, present)
        if len(present) != len(headers):
            AlwaysBuild(nodes)  # a header the last build read is gone: recompile to find out


def _discard_changed_outputs(output_nodes):
    """Delete outputs whose contents are not the ones SCons recorded when it built them (edited
    by hand, damaged): SCons would trust them as up to date and feed them downstream. A file whose
    size and mtime (whole seconds, as SCons records it) are the recorded ones is taken as
    unchanged, unless that mtime is close to the database's last write: an edit within the same
    second would look the same (the racy case of bfbuild.stat_record). Any other is hashed."""
    try:
        racy_after = os.stat(SCONSIGN + ".dblite").st_mtime - RACY_SECONDS
    except OSError:
        racy_after = 0.0
    for output in output_nodes:
        ninfo = getattr(output.get_stored_info(), "ninfo", None)
        recorded = getattr(ninfo, "csig", None)
        if recorded is None:
            continue  # never built: SCons builds it anyway
        try:
            info = os.stat(output.get_abspath())
        except OSError:
            continue
        if (info.st_size == getattr(ninfo, "size", None) and info.st_mtime < racy_after
                and int(info.st_mtime) == getattr(ninfo, "timestamp", None)):
            continue
        # (SCons's own get_csig() is not yet set to sha256 while this script is read.)
        if file_sha256(output.get_abspath()) != recorded:
            os.unlink(output.get_abspath())
            output.clear()
            output.clear_memoized_values()


# A narrowed graph (bfbuild.incremental) names the outputs that changed since the last build.
suspects = graph.get("changed_outputs")
_discard_changed_outputs(all_outputs if suspects is None else [node(path) for path in suspects])
Default([node(goal) for goal in graph["goals"]])
