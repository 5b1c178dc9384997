"""Where bfbuild keeps what it writes in a workspace: one place for every output path."""

BUILD_FILE = "BUILD.yaml"
TARGETS_DIR = "targets"
OUTPUT_DIR = "bfout"  # outputs: bfout/<configuration>/<package>/<target>/...
STATE_DIR = f"{OUTPUT_DIR}/.bfbuild"  # the engine's state: graph, SCons database, records
LOCK_FILE = f"{OUTPUT_DIR}/.lock"
GRAPH_FILE = f"{STATE_DIR}/graph.json"
ENGINE_GRAPH_FILE = f"{STATE_DIR}/engine_graph.json"  # the part of the graph an edit reaches
BUILD_RECORD = f"{STATE_DIR}/last_build.jsonl"  # one line per action the last build ran
NOOP_DIR = f"{STATE_DIR}/noop"
PENDING_JOURNAL = f"{STATE_DIR}/pending_outputs"  # bfbuild.engine.journal
TOOLS_RECORD = f"{STATE_DIR}/tools.json"
