"""The analysis cache: a repeated build reuses the recorded action graph only while nothing that
loading and analysis read has changed; edited sources still rebuild through the engine."""
import os
import subprocess
import sys
import time

import pytest

RULE = '''
import bfbuild
from bfbuild.api import Attr, DefaultInfo, Rule


def _tagged(ctx):
    out = ctx.output(ctx.label.name + ".txt")
    src = ctx.files("src")[0]
    ctx.action("TAG", ["sh", "-c", 'printf "%s:" "$1" > "$3"; cat "$2" >> "$3"', "sh",
                       ctx.attr["tag"], src, out], inputs=[src], outputs=[out])
    return [DefaultInfo((out,))]


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("tagged", {"src": Attr("source", required=True), "tag": Attr("string")}, _tagged)]
'''

FILES = {
    "BUILD.yaml": "workspace: t\nplugins: [tagged.py]\n",
    "tagged.py": RULE,
    "toolchains/clang.yaml": "programs: {cc: [clang]}\n",
    "pkg/BUILD.yaml": "out:\n  rule: tagged\n  src: in.txt\n  tag: one\n",
    "pkg/in.txt": "first\n",
}
OUT = "bfout/any-any-any/pkg/out/out.txt"


@pytest.fixture
def ws(make_workspace, tmp_path):
    root = make_workspace(FILES, base=False)
    _age(root)
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(tmp_path / "cache")}

    def build(*args, cwd=root, **extra_env):
        proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", *args], cwd=cwd,
                              capture_output=True, text=True, env={**env, **extra_env}, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout
    return root, build


def _age(root):
    """Files written a minute ago: outside the racy window, so records trust their stat."""
    old = time.time() - 60
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (old, old))
        os.utime(folder, (old, old))
    time.sleep(0.1)  # utime sets the status-change time: let it be older than the next command


def _touch_later(path, text):
    time.sleep(0.01)
    path.write_text(text)


def test_a_source_edit_reuses_the_analysis_and_rebuilds(ws):
    root, build = ws
    assert "reused" not in build("//pkg:out")
    _touch_later(root / "pkg/in.txt", "second\n")
    out = build("//pkg:out")
    assert "(analysis unchanged, reused)" in out and "1 action(s) run" in out
    assert (root / OUT).read_text() == "one:second\n"
    assert "nothing changed" in build("//pkg:out")  # then the no-op answers


@pytest.mark.parametrize("change", ["yaml", "plugin", "new package"])
def test_anything_analysis_read_changes_and_it_analyses_again(ws, change):
    root, build = ws
    build("//pkg:out")
    if change == "yaml":
        _touch_later(root / "pkg/BUILD.yaml", "out:\n  rule: tagged\n  src: in.txt\n  tag: two\n")
    elif change == "plugin":
        _touch_later(root / "tagged.py", RULE.replace('"%s:"', '"%s="'))
    else:
        (root / "other").mkdir()
        _touch_later(root / "other/BUILD.yaml", "x:\n  rule: tagged\n  src: //pkg:out\n")
    out = build("//pkg:out")
    assert "reused" not in out
    expected = {"yaml": "two:first\n", "plugin": "one=first\n", "new package": "one:first\n"}
    assert (root / OUT).read_text() == expected[change]


def test_the_folder_and_the_cache_options_are_part_of_the_key(ws, tmp_path):
    root, build = ws
    build("//pkg:out")
    _touch_later(root / "pkg/in.txt", "third\n")
    assert "reused" not in build(":out", cwd=root / "pkg")  # another folder: its own record
    _touch_later(root / "pkg/in.txt", "fourth\n")
    assert "reused" not in build("//pkg:out", BFBUILD_CACHE_DIR=str(tmp_path / "other-cache"))
    assert (root / OUT).read_text() == "one:fourth\n"


def test_a_command_with_header_values_is_never_recorded():
    from bfbuild.analysis_cache import cacheable

    assert cacheable(["build", "//x"])
    assert not cacheable(["build", "//x", "--remote-header", "Authorization=Bearer s3cret"])
    assert not cacheable(["build", "//x", "--remote-header=Authorization=Bearer s3cret"])


# A chain for the narrowed builds (bfbuild.incremental): in_a -> a -> top, and b beside them.
CHAIN = {**FILES, "pkg/BUILD.yaml": (
    "a:\n  rule: tagged\n  src: in_a.txt\n  tag: a\n"
    "top:\n  rule: tagged\n  src: :a\n  tag: top\n"
    "b:\n  rule: tagged\n  src: in_b.txt\n  tag: b\n"), "pkg/in_a.txt": "A\n", "pkg/in_b.txt": "B\n"}
A, TOP, B = (f"bfout/any-any-any/pkg/{name}/{name}.txt" for name in ("a", "top", "b"))


@pytest.fixture
def chain(make_workspace, tmp_path):
    root = make_workspace(CHAIN, base=False)
    _age(root)
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(tmp_path / "cache")}

    def build(*labels):
        proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", *labels], cwd=root,
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout
    build("//pkg:top", "//pkg:b")
    return root, build


def test_an_edit_sends_the_engine_only_the_actions_it_reaches(chain):
    root, build = chain
    _touch_later(root / "pkg/in_a.txt", "A2\n")
    out = build("//pkg:top", "//pkg:b")
    assert "reused" in out and "2 action(s) run, 0 from cache, 1 up to date" in out
    assert "[2/2]" in out and "/3]" not in out  # the engine walked two actions of three
    assert (root / TOP).read_text() == "top:a:A2\n" and (root / B).read_text() == "b:B\n"
    assert "nothing changed" in build("//pkg:top", "//pkg:b")


def test_a_removed_or_damaged_output_is_rebuilt_and_an_identical_one_stops_there(chain):
    root, build = chain
    (root / A).unlink()
    out = build("//pkg:top", "//pkg:b")
    # a again (run or from the cache); top's input came back identical: it stops there.
    assert "TAG //pkg:a" in out and "TAG //pkg:top" not in out and "2 up to date" in out
    assert (root / A).read_text() == "a:A\n"
    _touch_later(root / TOP, "damaged\n")
    out = build("//pkg:top", "//pkg:b")
    assert "TAG //pkg:top" in out and "TAG //pkg:a" not in out and "2 up to date" in out
    assert (root / TOP).read_text() == "top:a:A\n"


def test_an_output_another_command_line_rebuilt_reaches_its_readers(chain):
    root, build = chain
    _touch_later(root / "pkg/in_a.txt", "A3\n")
    build("//pkg:a")  # another command line: a's output changes outside this one's record
    out = build("//pkg:top", "//pkg:b")
    assert "1 action(s) run" in out
    assert (root / TOP).read_text() == "top:a:A3\n"


@pytest.mark.parametrize("damage", [b"", b"{}", b"not json at all \xff", None])
def test_damaged_records_cost_the_shortcut_only(chain, damage):
    """Every record under bfout/.bfbuild damaged (emptied, replaced, or one byte flipped): the
    next build does the whole work, right, with no traceback."""
    import fcntl

    root, build = chain
    _touch_later(root / "pkg/in_a.txt", "A4\n")
    # Under the lock: a served build may still be writing its records after its client ended.
    with open(root / "bfout/.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for folder in ("analysis", "noop"):
            for record in (root / "bfout/.bfbuild" / folder).glob("*.json"):
                data = record.read_bytes()
                record.write_bytes(damage if damage is not None
                                   else data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
    out = build("//pkg:top", "//pkg:b")
    assert "reused" not in out and "Traceback" not in out
    assert (root / TOP).read_text() == "top:a:A4\n" and (root / B).read_text() == "b:B\n"
    assert "nothing changed" in build("//pkg:top", "//pkg:b")


def test_a_workspace_whose_path_holds_a_dollar_keeps_its_database_inside(tmp_path):
    """SCons's database goes to bfout/.bfbuild of the workspace, whatever `$` its path holds
    (it once went to a sibling folder with the `$` doubled)."""
    from tests.unit.conftest import write_tree

    root = write_tree(tmp_path / "we$rd $$ws", CHAIN)
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", "//pkg:top"], cwd=root,
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "bfout/.bfbuild/sconsign.dblite").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "we$rd $$ws"]
    assert "nothing changed" in proc.stdout
