"""Hostile inputs: file names SCons would expand, and action caches holding malformed or unsafe
entries (in a local folder and on a real nginx on loopback). Names reach SCons literally; a bad
cache entry costs one warning line naming the action, and the build is byte-identical to a build
without any cache."""
import json
import shutil

import pytest

from tests.integration.conftest import copy_workspace
from tests.integration.test_remote_cache import cache_server  # noqa: F401  (the nginx fixture)

pytestmark = pytest.mark.slow

# The cache cases build the runtime library: its compiles have header manifests (the
# /dev/zero and '..' cases need them) and its archive is byte-reproducible, at a quarter of the
# image's actions.
CACHED_TARGET = "//kernel:runtime"
ARCHIVE = "bfout/any-any-clang/kernel/runtime/libruntime.a"
# module -> the name its source file gets
HOSTILE_SOURCES = {
    "sum": '${__import__("os").system("touch pwned")}.c',
    "fibonacci": "v$TARGET${SOURCE}.c",
    "compute": "#hash 'q\"uote $(echo x).c",
    "primes": "ünï cödé ;&|.c",
}
HOSTILE_HEADER = "h$HOME #x y.h"


def _rename_source(ws, module, new_name):
    folder = ws.path(f"modules/{module}")
    (folder / f"{module}.c").rename(folder / new_name)
    ws.edit(f"modules/{module}/BUILD.yaml", f"srcs: [{module}.c]", f"srcs: [{json.dumps(new_name)}]")


def test_hostile_file_names_reach_the_compiler_literally_and_boot(tmp_path):
    ws = copy_workspace(tmp_path / "w$HOME #1 ${x}" / "ws")  # a hostile workspace folder too
    for module, name in HOSTILE_SOURCES.items():
        _rename_source(ws, module, name)
    # A header with `$`, `#` and a space, found through the depfile (escaped there as make does).
    ws.path(f"modules/sum/{HOSTILE_HEADER}").write_text("#define BF_HOSTILE_EXTRA 0\n")
    ws.edit(f"modules/sum/{HOSTILE_SOURCES['sum']}", "#include", f'#include "{HOSTILE_HEADER}"\n#include')

    proc = ws.bfbuild("test", "//images:tinyllama_boot_test", check=0)
    assert "PASSED" in proc.stdout or "passed" in proc.stdout
    assert not list(tmp_path.rglob("pwned")), "a file name ran Python"
    for module, name in HOSTILE_SOURCES.items():
        obj = ws.path(f"bfout/i686-any-clang/modules/{module}/{module}/obj/{name[:-2]}.o")
        assert obj.exists(), obj

    # The header is a tracked dependency: editing it recompiles exactly its includer.
    ws.path(f"modules/sum/{HOSTILE_HEADER}").write_text("#define BF_HOSTILE_EXTRA 1\n")
    ws.bfbuild("build", "//images:tinyllama", check=0)
    compiled = [r["outputs"][0] for r in ws.executed() if r["mnemonic"] == "CC" and not r.get("cache")]
    assert len(compiled) == 1 and compiled[0].endswith(HOSTILE_SOURCES["sum"][:-2] + ".o"), compiled


# -- hostile cache entries ------------------------------------------------------------------

def _entries(folder):
    """(path, ActionResult) of every action entry and header manifest under an ac/ folder (a
    manifest is the entry without output files)."""
    from bfbuild.engine.reapi.protos import ActionResult

    for path in sorted((folder / "ac").rglob("*")):
        if path.is_file():
            yield path, ActionResult.FromString(path.read_bytes())


def _mutate_outputs(folder, change):
    for path, result in _entries(folder):
        if result.output_files:
            for output in result.output_files:
                change(output)
            path.write_bytes(result.SerializeToString())


def _drop_sha(output):
    output.digest.hash = ""


def _short_sha(output):
    output.digest.hash = "12345"


def _escape_path(output):
    output.path = "../../etc/passwd"


def _negative_size(output):
    output.digest.size_bytes = -1


def _rewrite_manifests(folder, change):
    for path, result in _entries(folder):
        if not result.output_files:
            result.stdout_raw = change(result.stdout_raw.decode()).encode()
            path.write_bytes(result.SerializeToString())


def _missing_blobs(folder):
    for path in (folder / "cas").rglob("*"):
        if path.is_file():
            path.unlink()


def _garbage(folder):
    for path, result in _entries(folder):
        if result.output_files:
            path.write_bytes(b"\xff\xfe not an ActionResult \x00")


def _huge(folder):
    for path, result in _entries(folder):
        if result.output_files:
            result.stderr_raw = b" " * (2 << 20)
            path.write_bytes(result.SerializeToString())


CASES = {
    "entry without sha256": lambda f: _mutate_outputs(f, _drop_sha),
    "digest that is not a sha256": lambda f: _mutate_outputs(f, _short_sha),
    "output path outside the workspace": lambda f: _mutate_outputs(f, _escape_path),
    "negative size": lambda f: _mutate_outputs(f, _negative_size),
    "manifest naming /dev/zero": lambda f: _rewrite_manifests(f, lambda t: "/dev/zero\n" + t),
    "manifest climbing out with ..": lambda f: _rewrite_manifests(f, lambda t: "../../../../dev/zero"),
    "entries pointing at missing blobs": _missing_blobs,
    "entry that is not an ActionResult": _garbage,
    "entry larger than the bound": _huge,
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A local cache filled by one clean build, and the images of a build without any cache."""
    base = tmp_path_factory.mktemp("filled")
    ws = copy_workspace(base / "fill")
    ws.bfbuild("build", CACHED_TARGET, check=0)
    plain = copy_workspace(base / "plain")
    plain.bfbuild("build", CACHED_TARGET, "--no-cache", check=0)
    return base / "fill-cache", {ARCHIVE: plain.path(ARCHIVE).read_bytes()}


def _check_rebuilt(ws, proc, reference, case):
    assert "cache: discarded the entry of " in proc.stdout, (case, proc.stdout[-3000:])
    assert "Traceback" not in proc.stdout + proc.stderr
    for path, data in reference.items():
        assert ws.path(path).read_bytes() == data, (case, path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_local_cache_entry_is_discarded_and_the_action_runs(tmp_path, filled, case):
    cache, reference = filled
    ws = copy_workspace(tmp_path / "ws")
    shutil.copytree(cache, tmp_path / "ws-cache")  # the cache this workspace's builds use
    CASES[case](tmp_path / "ws-cache")
    proc = ws.bfbuild("build", CACHED_TARGET, check=0, timeout=300)
    _check_rebuilt(ws, proc, reference, case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_remote_cache_entry_is_discarded_and_the_action_runs(tmp_path, filled,
                                                                       cache_server, case):
    cache, reference = filled
    url, root = cache_server
    # nginx serves ac/<key> and cas/<digest>; the local layout adds a two-letter folder.
    for kind in ("ac", "cas"):
        (root / kind).mkdir()
        for path in (cache / kind).rglob("*"):
            if path.is_file():
                shutil.copy(path, root / kind / path.name)
    CASES[case](root)
    ws = copy_workspace(tmp_path / "ws")
    proc = ws.bfbuild("build", CACHED_TARGET, "--no-cache", "--remote-cache", url,
                      check=0, timeout=300)
    _check_rebuilt(ws, proc, reference, case)
