"""The local action cache's size limit: least-recently-used eviction after each build, safe
while other bfbuilds read the folder, and the `bfbuild cache` and `bfbuild clean` commands."""
import json
import os
import random
import re
import time

import pytest

from bfbuild.engine.cache_config import parse_size
from bfbuild.engine.cache_entries import action_entry
from bfbuild.engine import cache as cache_mod
from bfbuild.engine.cache import ActionCache
from bfbuild.engine.cache_local import CacheFolder, LocalStore, prune, scan

# A workspace whose actions render Jinja templates (a Python step: no program needed): `big`
# from a source each test rewrites, `hot` from one of two sources it alternates between, and a
# test target whose input fails to render.
RULES = """\
import bfbuild
from bfbuild.analysis.providers import DefaultInfo, TestInfo
from bfbuild.loading.rules import Rule
from bfbuild.loading.schema import Attr

def render(inputs, outputs, params):
    # copy the inputs, or fail on one holding the word FAIL
    text = "".join(open(path).read() for path in inputs)
    if "FAIL" in text:
        raise ValueError("asked to fail")
    with open(outputs[0], "w") as handle:
        handle.write(text)

def _render(ctx):
    out = ctx.output(ctx.label.name + ".txt")
    src = ctx.files("src")[0]
    ctx.python_action("TPL", render, {},
                      inputs=[src], outputs=[out])
    return [DefaultInfo((out,))]

def _check(ctx):
    inputs = [f for dep in ctx.deps("deps") for f in dep.files()]
    out = ctx.output("result.json")
    ctx.python_action("CHECK", render, {},
                      inputs=inputs, outputs=[out])
    return [DefaultInfo((out,)), TestInfo(result=out, log=ctx.output("boot.log"))]

@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("render", {"src": Attr("source")}, _render),
            Rule("check", {"deps": Attr("label_list")}, _check, test=True)]
"""

TARGETS = """\
big: {rule: render, src: big.j2}
hot: {rule: render, src: hot.j2}
"""

KIB = 1024


def _workspace(tmp_path, targets=TARGETS):
    root = tmp_path / "ws"
    (root / "targets").mkdir(parents=True)
    (root / "t").mkdir()
    (root / "BUILD.yaml").write_text("workspace: lru\nplugins: [rules.py]\n")
    (root / "rules.py").write_text(RULES)
    (root / "targets" / "t.yaml").write_text(targets)
    return root


def _text(seed: int, size: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghij\n") for _ in range(size))


def _age(cache, seconds=60):
    """Make everything in the cache older, in the same order: eviction leaves alone what was
    used within GRACE seconds, and these builds follow each other within a second."""
    for item in scan(str(cache)):
        os.utime(item.path, (item.used - seconds, item.used - seconds))
    time.sleep(0.01)


def _restored(root):
    """{owner: cache} of the actions the last build ran or restored."""
    lines = (root / "bfout/.bfbuild/last_build.jsonl").read_text().splitlines()
    return {record["owner"]: record.get("cache") for record in map(json.loads, lines)}


@pytest.fixture
def cli(monkeypatch, capsys):
    from bfbuild.cli import main

    def run(root, *argv):
        monkeypatch.chdir(root)
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def test_a_loop_of_builds_stays_under_the_limit_and_keeps_what_was_used_recently(
        tmp_path, cli, monkeypatch):
    root = _workspace(tmp_path)
    cache = tmp_path / "cache"
    limit = 600 * KIB
    monkeypatch.setenv("BFBUILD_CACHE_DIR", str(cache))
    monkeypatch.setenv("BFBUILD_CACHE_MAX_SIZE", "600K")
    hot = [_text(1000 + n, 40 * KIB) for n in range(2)]
    sizes = []
    for round_ in range(12):
        (root / "t" / "big.j2").write_text(_text(round_, 100 * KIB))  # a new source each time
        (root / "t" / "hot.j2").write_text(hot[round_ % 2])
        code, out = cli(root, "build", "//...", "-j", "1")
        assert code == 0, out
        sizes.append(sum(f.size for f in scan(str(cache))))
        if round_ >= 2:  # both hot sources were built before: restored, so used again
            assert _restored(root)["//t:hot"] == "local", (round_, out)
        _age(cache)
    assert max(sizes) <= limit, sizes
    assert sizes[-1] > limit // 3  # eviction did not simply empty the folder
    # The least recently used entries went first: the first big sources are gone, the hot ones
    # (hit in every round) are there.
    (root / "t" / "big.j2").write_text(_text(0, 100 * KIB))
    (root / "t" / "hot.j2").write_text(hot[0])
    code, out = cli(root, "build", "//...", "-j", "1")
    assert _restored(root) == {"//t:big": None, "//t:hot": "local"}, out
    stats = CacheFolder(str(cache)).stats()
    assert stats["evicted_entries"] > 0 and stats["local_hits"] >= 10 and stats["misses"] >= 13


def _put_action(store, key, payload: bytes, used: float):
    digest = cache_mod._sha256(payload)
    store.put("cas", digest, payload)
    store.put("ac", key, action_entry([{"path": "o", "sha256": digest, "size": len(payload),
                                        "executable": False}]))
    for kind, name in (("cas", digest), ("ac", key)):
        os.utime(store.path(kind, name), (used, used))
    return digest


def test_prune_drops_the_least_recently_used_entries_and_only_their_blobs(tmp_path):
    store = LocalStore(str(tmp_path))
    old = time.time() - 1000
    digests = {name: _put_action(store, name * 32, bytes([n]) * 64 * KIB, old + n)
               for n, name in enumerate(["aa", "bb", "cc", "dd"])}
    shared = _put_action(store, "ee" * 32, bytes([0]) * 64 * KIB, old + 4)  # aa's blob too
    assert shared == digests["aa"]
    assert store.get("ac", "bb" * 32) is not None  # a hit: bb is now the most recently used
    total = sum(f.size for f in scan(str(tmp_path)))
    result = prune(str(tmp_path), max_bytes=total - 1, target=total - 70 * KIB)
    assert (result.entries, result.blobs) == (2, 1)  # aa (its blob is ee's too), then cc
    assert not store.exists("ac", "aa" * 32) and store.exists("cas", digests["aa"])
    assert not store.exists("ac", "cc" * 32) and not store.exists("cas", digests["cc"])
    assert store.exists("ac", "bb" * 32) and store.exists("ac", "dd" * 32)
    assert result.size == sum(f.size for f in scan(str(tmp_path)))


def test_prune_keeps_blobs_in_use_and_removes_stale_temporary_files(tmp_path):
    store = LocalStore(str(tmp_path))
    old = time.time() - 1000
    fresh = _put_action(store, "aa" * 32, b"x" * 8 * KIB, old)
    os.utime(store.path("cas", fresh))  # being restored by another bfbuild right now
    orphan = cache_mod._sha256(b"orphan")
    store.put("cas", orphan, b"orphan")
    os.utime(store.path("cas", orphan), (old, old))
    leftover = tmp_path / "cas" / "00" / ".00abc.123.456"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half")
    os.utime(leftover, (old - 7200, old - 7200))
    prune(str(tmp_path), max_bytes=0, target=0)
    assert store.exists("cas", fresh) and not store.exists("ac", "aa" * 32)
    assert not store.exists("cas", orphan) and not leftover.exists()


def test_a_hit_marks_the_entry_and_its_blobs_used(tmp_path):
    store = LocalStore(str(tmp_path))
    old = time.time() - 1000
    digest = _put_action(store, "aa" * 32, b"y" * 100, old)
    store.get("cas", digest)
    store.put("cas", digest, b"y" * 100)  # storing bytes that are there: a use, not a write
    assert os.stat(store.path("cas", digest)).st_mtime > old + 900
    assert os.stat(store.path("ac", "aa" * 32)).st_mtime == old


def _spec(tmp_path, name="out.bin"):
    src = tmp_path / "src.txt"
    src.write_text("source")
    out = tmp_path / "o" / name
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(b"built bytes")
    return {"key": "k", "inputs": [str(src)], "outputs": [str(out)], "mnemonic": "GEN",
            "owner": "//t:x"}


class _Journal:
    def __init__(self, directory):
        from bfbuild.engine.journal import Journal

        self.inner = Journal(str(directory))

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_blob_evicted_under_a_restore_is_a_miss_but_a_dangling_entry_is_reported(tmp_path):
    spec = _spec(tmp_path)
    cache = ActionCache(str(tmp_path / "cache"))
    cache.store(spec)
    key = cache.action_key(spec)[0]
    blob = cache_mod._sha256(b"built bytes")
    (tmp_path / "state").mkdir()
    journal = _Journal(tmp_path / "state")
    os.unlink(cache.local.path("cas", blob))
    # The entry is still there: someone removed the blob alone. The build says so and runs it.
    where, notes = cache.restore(spec, journal)
    assert where is None and "names a blob no cache holds" in notes[0]
    # Eviction removes the entry first, then its blobs: a reader that finds the blob gone after
    # reading the entry finds the entry gone too, and it is a plain miss.
    real_get = cache.local.get

    def racing_get(kind, name):
        data = real_get(kind, name)
        if kind == "ac":
            os.unlink(cache.local.path("ac", name))
        return data

    cache.local.get = racing_get
    assert cache.restore(spec, journal) == (None, [])
    assert key


def test_sizes_read_as_ccache_and_bazel_write_them():
    assert parse_size("2G") == parse_size("2GiB") == 2 << 30
    assert parse_size("500M") == 500 << 20 and parse_size("1.5k") == 1536
    assert parse_size("4096") == 4096 and parse_size("0") == 0
    for bad in ("", "lots", "-1G", "2X"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_cache_stats_and_prune_commands(tmp_path, cli, monkeypatch):
    root = _workspace(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BFBUILD_CACHE_DIR", str(cache))
    for n in range(3):
        (root / "t" / "big.j2").write_text(_text(n, 20 * KIB))
        (root / "t" / "hot.j2").write_text("ab"[n % 2])
        assert cli(root, "build", "//...", "-j", "1")[0] == 0
        _age(cache)
    code, out = cli(root, "cache", "stats")
    assert code == 0
    assert "action entries: 5 " in out and "blobs:          5" in out, out
    assert "limit:          2.0 GiB (the default)" in out and "hits:           1 (17% of 6 lookups)" in out, out
    assert "misses:         5 (lookups that found nothing" in out
    code, out = cli(root, "cache", "prune", "--max-size", "30K")
    removed = re.search(r"removed (\d+) entries and (\d+) blobs", out)
    assert code == 0 and removed and int(removed[1]) >= 3, out
    assert sum(f.size for f in scan(str(cache))) <= 30 * KIB
    code, out = cli(root, "cache", "limit", "1M")
    assert code == 0 and "limit 1.0 MiB" in out, out
    code, out = cli(root, "cache", "stats")
    assert "limit:          1.0 MiB" in out and f"evicted:        {removed[1]} entries" in out, out
    code, out = cli(root, "clean")
    assert code == 0 and f"kept the local action cache {cache}" in out, out
    code, out = cli(root, "clean", "--cache")
    assert code == 0 and f"emptied the local action cache {cache}" in out
    assert scan(str(cache)) == []


def test_a_test_that_did_not_run_names_what_failed_not_a_log(tmp_path, cli, monkeypatch):
    root = _workspace(tmp_path, "bad: {rule: render, src: bad.j2}\n"
                                "ok: {rule: render, src: ok.j2}\n"
                                "after_bad: {rule: check, deps: [':bad']}\n"
                                "after_ok: {rule: check, deps: [':ok']}\n")
    (root / "t" / "bad.j2").write_text("FAIL\n")
    (root / "t" / "ok.j2").write_text("fine\n")
    monkeypatch.setenv("BFBUILD_CACHE_DIR", str(tmp_path / "cache"))
    code, out = cli(root, "test", "//...", "-j", "1")
    assert code == 1
    line = next(l for l in out.splitlines() if "//t:after_bad" in l and "NOT RUN" in l)
    assert "log:" not in line and "TPL //t:bad failed" in line, line
    # after_ok ran (its result records no inputs, so it counts as failed) and wrote no log.
    line = next(l for l in out.splitlines() if "//t:after_ok" in l)
    assert "FAILED" in line and "log:" not in line and "no log was written" in line, line
