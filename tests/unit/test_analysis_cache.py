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
