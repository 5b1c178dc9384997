"""bfbuild.yamlload: YAML with line numbers, and errors that name file:line."""
import pytest

from bfbuild.errors import BfError
from bfbuild.yamlload import LocatedDict, LocatedList, load_yaml, load_yaml_file

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
