"""The no-op record: stat comparison, and content comparison for files in the racy window."""
import os
import time

from bfbuild import noop, stat_record


def test_an_unchanged_tree_is_answered_and_any_stat_change_is_not(tmp_path):
    (tmp_path / "a.c").write_text("int a;\n")
    old = time.time() - 60
    os.utime(tmp_path / "a.c", (old, old))
    time.sleep(0.1)  # the build starts after the files were made
    noop.write(tmp_path, ["build", "//x"], ["a.c", "missing.h"], {"lines": ["ok"], "actions": 3},
               time.time(), [])
    assert noop.check(tmp_path, ["build", "//x"]) == {"lines": ["ok"], "actions": 3}
    assert noop.check(tmp_path, ["build", "//y"]) is None  # another command line
    (tmp_path / "missing.h").write_text("")  # a file that appears
    assert noop.check(tmp_path, ["build", "//x"]) is None


def test_a_same_tick_edit_is_caught_by_content(tmp_path, monkeypatch):
    monkeypatch.setattr(stat_record, "FINE_RACY_NS", 10 * 10**9)  # a slow tick: any machine's pace
    path = tmp_path / "fresh.c"
    path.write_text("int x = 1;\n")  # written just now: inside the racy window
    time.sleep(0.1)  # ...yet before the build started
    noop.write(tmp_path, ["build"], ["fresh.c"], {"lines": [], "actions": 1}, time.time(), [])
    assert noop.check(tmp_path, ["build"]) is not None  # same content: still a no-op
    # An edit the file system cannot tell apart by stat (coarse timestamps, same size).
    recorded = stat_record.fingerprint(str(path))
    path.write_text("int x = 2;\n")
    monkeypatch.setattr(stat_record, "fingerprint", lambda full: recorded)
    assert noop.check(tmp_path, ["build"]) is None


def test_the_racy_window_is_the_file_systems_tick():
    """Sub-second mtimes come from the kernel's clock: racy for FINE_RACY_NS; whole seconds
    may be all a file system keeps: racy for RACY_SECONDS."""
    now = 1_800_000_000.5
    fine_old = int((now - 0.2) * 1e9) + 1  # a fraction of a second, 0.2 s before
    assert not stat_record._racy(fine_old, now)
    assert stat_record._racy(int((now - 0.05) * 1e9) + 1, now)
    assert stat_record._racy(1_799_999_999 * 10**9, now)  # whole second, 1.5 s before
    assert not stat_record._racy(1_799_999_997 * 10**9, now)


def test_a_file_edited_while_the_command_ran_keeps_the_record_from_holding(tmp_path):
    """A source edited after its compile read it, but before the record is written: its state
    then is not what was built, so the record must not vouch for it."""
    import time

    from bfbuild import stat_record

    source, output = tmp_path / "a.c", tmp_path / "a.o"
    source.write_text("int a;\n")
    time.sleep(0.1)
    started = time.time()
    output.write_text("built from int a;\n")  # what the build produced
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["a.c", "a.o"], {"ok": 1}, started, ["a.o"])
    assert stat_record.check(tmp_path, record) == {"ok": 1}  # outputs written by the build hold
    source.write_text("int b;\n")  # edited during the next build, after the compile read it
    stat_record.write(tmp_path, record, ["a.c", "a.o"], {"ok": 2}, started, ["a.o"])
    assert stat_record.check(tmp_path, record) is None


def test_outputs_changed_after_the_outcome_keep_the_record_from_holding(tmp_path):
    """A served build tells its client the outcome, then writes its records: an output removed
    or rewritten in between is recorded as it was when the build ended, so the next command
    sees the change (without the snapshot, the record would describe the removed file)."""
    from bfbuild import stat_record

    started = time.time()
    (tmp_path / "a.o").write_text("built\n")
    (tmp_path / "b.o").write_text("built\n")
    outputs = stat_record.snapshot(tmp_path, ["a.o", "b.o"])
    (tmp_path / "a.o").unlink()  # the caller, as soon as it has the outcome
    (tmp_path / "b.o").write_text("built\n")  # rewritten in place, same size, same tick maybe
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["a.o", "b.o"], {"ok": 1}, started, outputs)
    assert stat_record.changes(tmp_path, record)[1] >= {"a.o"}
    (tmp_path / "a.o").write_text("built\n")
    changed = stat_record.changes(tmp_path, record)[1]
    assert "a.o" in changed  # another inode: not what the build left
