"""The part of a graph an edit reaches (bfbuild.incremental), and the records it is read from."""
import json
import os
import time

import pytest

from bfbuild import incremental, stat_record


def _body(record):
    """A record's JSON, below its checksum line."""
    return json.loads(record.read_bytes().partition(b"\n")[2])


def _action(key, inputs, outputs, depfile=None):
    return {"key": key, "inputs": inputs, "outputs": outputs, "depfile": depfile}


def _graph():
    # a.c -> a.o ; b.c (+ h.h through its depfile) -> b.o ; a.o b.o -> lib.a -> app ; c.c -> c.o
    return {"version": 1, "goals": ["app", "c.o"], "actions": [
        _action("k-a", ["a.c"], ["a.o"]),
        _action("k-b", ["b.c"], ["b.o", "b.o.d"], depfile="b.o.d"),
        _action("k-lib", ["a.o", "b.o"], ["lib.a"]),
        _action("k-app", ["lib.a"], ["app"]),
        _action("k-c", ["c.c"], ["c.o"]),
    ]}


def test_a_changed_source_reaches_its_action_and_everything_downstream(tmp_path):
    (tmp_path / "b.o.d").write_text("b.o: b.c h.h\n")
    graph = _graph()
    assert incremental.touched_actions(tmp_path, graph, {"a.c"}) == [0, 2, 3]
    assert incremental.touched_actions(tmp_path, graph, {"h.h"}) == [1, 2, 3]  # a header
    assert incremental.touched_actions(tmp_path, graph, {"c.c"}) == [4]
    # A file no action reads or writes (a source goal, a file of analysis): the whole graph.
    assert incremental.touched_actions(tmp_path, graph, {"unrelated.txt"}) is None
    assert incremental.touched_actions(tmp_path, graph, set()) == []


def test_a_changed_or_missing_output_reaches_its_producer(tmp_path):
    graph = _graph()
    assert incremental.touched_actions(tmp_path, graph, {"lib.a"}) == [2, 3]
    assert incremental.touched_actions(tmp_path, graph, {"app"}) == [3]
    assert incremental.touched_actions(tmp_path, graph, {"b.o.d"}) == [1, 2, 3]


def test_the_narrowed_graph_keeps_the_order_and_makes_its_outputs_the_goals(tmp_path):
    graph = _graph()
    part = incremental.narrowed(graph, [0, 2, 3], {"a.c", "lib.a", "b.o"})
    assert [a["key"] for a in part["actions"]] == ["k-a", "k-lib", "k-app"]
    assert part["goals"] == ["a.o", "lib.a", "app"]
    assert part["changed_outputs"] == ["lib.a"]  # b.o is not an output of this part
    assert incremental.narrowed(graph, [], set())["actions"] == []


def test_the_digest_tells_graphs_apart():
    graph = _graph()
    other = json.loads(json.dumps(graph))
    other["actions"][1]["key"] = "k-b2"  # another command line for one action
    assert incremental.graph_digest(graph) == incremental.graph_digest(json.loads(json.dumps(graph)))
    assert incremental.graph_digest(graph) != incremental.graph_digest(other)


def test_changes_lists_every_file_that_is_not_as_recorded(tmp_path):
    for name in ("a.c", "b.c", "gone.h"):
        (tmp_path / name).write_text(name)
        old = time.time() - 60
        os.utime(tmp_path / name, (old, old))
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["a.c", "b.c", "gone.h", "new.h"], {"ok": 1})
    assert stat_record.changes(tmp_path, record) == ({"ok": 1}, set())
    (tmp_path / "b.c").write_text("edited")
    (tmp_path / "gone.h").unlink()
    (tmp_path / "new.h").write_text("")
    assert stat_record.changes(tmp_path, record) == ({"ok": 1}, {"b.c", "gone.h", "new.h"})
    assert stat_record.changes(tmp_path, tmp_path / "none.json") is None


def test_a_racy_file_confirmed_after_its_tick_is_checked_by_stat_alone_from_then(tmp_path,
                                                                                 monkeypatch):
    path = tmp_path / "fresh.c"
    path.write_text("int x;\n")
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["fresh.c"], {"ok": 1})
    assert "fresh.c" in _body(record)["racy"]
    assert stat_record.check(tmp_path, record) == {"ok": 1}
    assert "fresh.c" in _body(record)["racy"]  # its tick has not passed yet
    later = time.time() + stat_record.RACY_SECONDS + 1
    monkeypatch.setattr(stat_record.time, "time", lambda: later)
    assert stat_record.changes(tmp_path, record) == ({"ok": 1}, set())
    assert _body(record)["racy"] == {}
    path.write_text("int y;\n")  # an edit after the tick: a newer mtime, seen by stat
    assert stat_record.check(tmp_path, record) is None


def test_a_racy_file_edited_within_its_tick_stays_changed_and_racy(tmp_path, monkeypatch):
    path = tmp_path / "fresh.c"
    path.write_text("int x = 1;\n")
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["fresh.c"], {"ok": 1})
    recorded = stat_record.fingerprint(str(path))
    path.write_text("int x = 2;\n")
    monkeypatch.setattr(stat_record, "fingerprint", lambda full: recorded)  # same stat
    later = time.time() + stat_record.RACY_SECONDS + 1
    monkeypatch.setattr(stat_record.time, "time", lambda: later)
    assert stat_record.changes(tmp_path, record) == ({"ok": 1}, {"fresh.c"})
    assert "fresh.c" in _body(record)["racy"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "edit", "empty", "old format"])
def test_a_damaged_record_counts_as_none(tmp_path, damage):
    (tmp_path / "a.c").write_text("a")
    record = tmp_path / "record.json"
    stat_record.write(tmp_path, record, ["a.c"], {"lines": ["ok"], "actions": 1})
    data = record.read_bytes()
    head, _, body = data.partition(b"\n")
    if damage == "flip":
        data = data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "edit":  # valid JSON, another payload, the old checksum
        data = head + b"\n" + body.replace(b'"ok"', b'"no"')
    elif damage == "empty":
        data = b""
    else:
        data = body  # a record without its checksum line
    record.write_bytes(data)
    assert stat_record.check(tmp_path, record) is None
    assert stat_record.changes(tmp_path, record) is None
