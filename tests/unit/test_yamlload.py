"""bfbuild.loading.yamlload: YAML with line numbers, and errors that name file:line."""
import pytest

from bfbuild.errors import BfError
from bfbuild.loading.yamlload import LocatedDict, LocatedList, load_yaml, load_yaml_file

TEXT = """\
# a comment
kernel:
  rule: clang
  srcs:
    - main.c

    - util.c
  deps: [":a", "//b:c"]
other:
  rule: filegroup
"""


def test_mapping_lines_of_keys():
    data = load_yaml(TEXT, "t.yaml")
    assert isinstance(data, LocatedDict)
    assert data.line == 2
    assert data.line_of("kernel") == 2
    assert data.line_of("other") == 9
    kernel = data["kernel"]
    assert isinstance(kernel, LocatedDict)
    assert kernel.line_of("rule") == 3
    assert kernel.line_of("srcs") == 4
    assert kernel.line_of("deps") == 8


def test_line_of_unknown_key_falls_back_to_mapping_line():
    kernel = load_yaml(TEXT, "t.yaml")["kernel"]
    assert kernel.line_of("missing") == kernel.line == 3


def test_list_item_lines():
    kernel = load_yaml(TEXT, "t.yaml")["kernel"]
    srcs = kernel["srcs"]
    assert isinstance(srcs, LocatedList)
    assert srcs == ["main.c", "util.c"]
    assert srcs.line_of(0) == 5
    assert srcs.line_of(1) == 7  # the blank line is counted
    flow = kernel["deps"]
    assert flow == [":a", "//b:c"]
    assert [flow.line_of(0), flow.line_of(1)] == [8, 8]


def test_list_line_of_out_of_range_falls_back_to_list_line():
    srcs = load_yaml(TEXT, "t.yaml")["kernel"]["srcs"]
    assert srcs.line_of(5) == srcs.line == 5


def test_multi_line_item_line_is_where_it_starts():
    data = load_yaml("x:\n  - 1\n  -\n    2\n  - [3]\n", "t.yaml")
    assert data["x"] == [1, 2, [3]]
    assert data["x"].item_lines == [2, 4, 5]


def test_values_are_plain_python_values():
    data = load_yaml("a: 1\nb: true\nc: 'x'\nd: null\n", "t.yaml")
    assert data == {"a": 1, "b": True, "c": "x", "d": None}


def test_empty_document_is_none():
    assert load_yaml("", "t.yaml") is None
    assert load_yaml("# only a comment\n", "t.yaml") is None


def test_duplicate_key_names_both_lines():
    text = "a:\n  rule: x\n\n  rule: y\n"
    with pytest.raises(BfError) as info:
        load_yaml(text, "pkg.yaml")
    error = info.value
    assert error.file == "pkg.yaml"
    assert error.line == 4  # the second key
    assert "duplicate key 'rule'" in error.message
    assert "first defined on line 2" in error.message
    assert str(error).startswith("pkg.yaml:4: ")


def test_duplicate_top_level_key():
    with pytest.raises(BfError) as info:
        load_yaml("x:\n  rule: a\ny:\n  rule: b\nx:\n  rule: c\n", "pkg.yaml")
    assert info.value.line == 5
    assert "first defined on line 1" in info.value.message


def test_same_key_in_different_mappings_is_fine():
    data = load_yaml("a:\n  rule: x\nb:\n  rule: y\n", "pkg.yaml")
    assert data["a"]["rule"] == "x" and data["b"]["rule"] == "y"


@pytest.mark.parametrize("text, line", [
    ("a: 1\nb: c: d\n", 2),
    ("a:\n  b: 1\n c: 2\n", 3),
    ("a: 'unclosed\nb: 1\n", 3),
    ("a: [1, 2\nb: 3\n", 2),
])
def test_syntax_error_names_file_and_line(text, line):
    with pytest.raises(BfError) as info:
        load_yaml(text, "dir/pkg.yaml")
    error = info.value
    assert error.file == "dir/pkg.yaml"
    assert error.line == line
    assert error.message.startswith("YAML syntax error")
    assert str(error).startswith(f"dir/pkg.yaml:{line}: YAML syntax error")
    assert error.hint and "indentation" in error.hint


@pytest.mark.parametrize("line", ["  deps: [:x, :y]", "  deps: [//p:x, :y]", "  srcs: [ a.c , :gen ]"])
def test_flow_list_with_unquoted_relative_label_hints_quoting(line):
    with pytest.raises(BfError) as info:
        load_yaml(f"t:\n  rule: x\n{line}\n", "p.yaml")
    assert info.value.line == 3
    assert '":name"' in info.value.hint
    assert "block list" in info.value.hint


def test_quoted_relative_labels_in_flow_list_load():
    assert load_yaml('deps: [":x", ":y"]\n', "p.yaml")["deps"] == [":x", ":y"]


def test_block_list_of_relative_labels_loads():
    assert load_yaml("deps:\n  - :x\n  - :y\n", "p.yaml")["deps"] == [":x", ":y"]


def test_multi_line_flow_list_with_unquoted_relative_label_hints_quoting():
    with pytest.raises(BfError) as info:
        load_yaml("t:\n  deps: [\n    :x,\n  ]\n", "p.yaml")
    assert info.value.line == 3
    assert '":name"' in info.value.hint


MERGE = """\
base: &b
  rule: gen
  doc: one
x:
  <<: *b
"""


def test_merge_key_copies_the_anchored_mapping():
    data = load_yaml(MERGE + "  mode: small\n", "t.yaml")
    assert data["x"] == {"rule": "gen", "doc": "one", "mode": "small"}
    assert data["x"].line_of("mode") == 6
    assert data["x"].line_of("rule") == 2  # where the merged key was written


def test_merge_key_can_be_overridden():
    data = load_yaml(MERGE + "  doc: two\n", "t.yaml")
    assert data["x"] == {"rule": "gen", "doc": "two"}


def test_load_yaml_file_uses_display_name(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: 1\n  b: 2\n")
    with pytest.raises(BfError) as info:
        load_yaml_file(path, "targets/x.yaml")
    assert str(info.value).startswith("targets/x.yaml:3: duplicate key 'b'")


def billion_laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly_at_the_alias():
    import time

    started = time.perf_counter()
    with pytest.raises(BfError) as info:
        load_yaml(billion_laughs(10), "bomb.yaml")
    assert time.perf_counter() - started < 0.2
    assert info.value.file == "bomb.yaml" and info.value.line == 6  # 9**6 passes 100000 there
    assert "aliases expand to" in info.value.message


def test_a_few_aliases_still_load():
    data = load_yaml(billion_laughs(4), "ok.yaml")
    assert len(data["a3"]) == 9 and data["a3"][8][8][8][8] == "lol"


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(BfError) as info:
        load_yaml("a: 1\nb: &x [1, *x]\n", "rec.yaml")
    assert info.value.line == 2


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"a: 1\nb: 2\n\x89PNG\x00\xff")
    with pytest.raises(BfError) as info:
        load_yaml_file(path, "targets/bin.yaml")
    assert str(info.value).startswith("targets/bin.yaml:3: not UTF-8 text: byte 0x89")


def test_a_control_character_is_refused_with_its_line():
    with pytest.raises(BfError) as info:
        load_yaml("a: é\nb: x\x01y\n", "c.yaml")
    assert info.value.line == 2 and "'\\x01'" in info.value.message


@pytest.mark.parametrize("text", ["a: 1" + "0" * 5000, "a: 2024-13-45"])
def test_a_scalar_yaml_cannot_convert_names_its_line(text):
    with pytest.raises(BfError) as info:
        load_yaml("x: 1\n" + text + "\n", "s.yaml")
    assert info.value.line == 2 and "quote it" in info.value.hint
    assert len(str(info.value)) < 400


def test_a_list_as_a_key_is_refused():
    with pytest.raises(BfError) as info:
        load_yaml("a: 1\n[b]: 2\n", "k.yaml")
    assert info.value.line == 2 and "a list" in info.value.message


def test_the_text_of_non_string_scalars_is_kept():
    data = load_yaml("a: 1.10\nb: yes\nc: text\nd: [0x10, x, on]\nON: 1\n", "t.yaml")
    assert data.text_of("a") == "1.10" and data.text_of("b") == "yes" and data.text_of("c") is None
    assert [data["d"].text_of(i) for i in range(3)] == ["0x10", None, "on"]
    assert data.key_text(True) == "ON"


def test_excerpts_are_short_and_name_yaml_shapes():
    from bfbuild.errors import describe_value, excerpt

    assert describe_value(["x"] * 200_000).startswith("a list ['x', 'x',")
    assert len(describe_value(["x"] * 200_000)) < 80
    assert describe_value("a\nb") == "a string 'a\\nb'"
    assert describe_value(42) == "an integer 42"
    assert describe_value({"K": [1]}) == "a mapping {'K': [1]}"
    assert describe_value(True) == "the boolean true"
    assert len(excerpt("y" * 10_000)) == 60 and excerpt("y" * 10_000).endswith("...")


def test_an_error_never_prints_a_huge_line():
    error = BfError("x" * 100_000, file="f.yaml", line=1, hint="\n".join(["h"] * 100))
    text = str(error)
    assert max(len(line) for line in text.splitlines()) <= 300
    assert len(text.splitlines()) <= 20
