"""The no-op record: stat comparison, and content comparison for files in the racy window."""
import os
import time

from bfbuild import noop, stat_record


def test_an_unchanged_tree_is_answered_and_any_stat_change_is_not(tmp_path):
    (tmp_path / "a.c").write_text("int a;\n")
    old = time.time() - 60
    os.utime(tmp_path / "a.c", (old, old))
    noop.write(tmp_path, ["build", "//x"], ["a.c", "missing.h"], {"lines": ["ok"], "actions": 3})
    assert noop.check(tmp_path, ["build", "//x"]) == {"lines": ["ok"], "actions": 3}
    assert noop.check(tmp_path, ["build", "//y"]) is None  # another command line
    (tmp_path / "missing.h").write_text("")  # a file that appears
    assert noop.check(tmp_path, ["build", "//x"]) is None


def test_a_same_tick_edit_is_caught_by_content(tmp_path, monkeypatch):
    path = tmp_path / "fresh.c"
    path.write_text("int x = 1;\n")  # written just now: inside the racy window
    noop.write(tmp_path, ["build"], ["fresh.c"], {"lines": [], "actions": 1})
    assert noop.check(tmp_path, ["build"]) is not None  # same content: still a no-op
    # An edit the file system cannot tell apart by stat (coarse timestamps, same size).
    recorded = stat_record.fingerprint(str(path))
    path.write_text("int x = 2;\n")
    monkeypatch.setattr(stat_record, "fingerprint", lambda full: recorded)
    assert noop.check(tmp_path, ["build"]) is None
