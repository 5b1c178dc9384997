"""Appending to a YAML list by editing its text: layout, comments and anchors survive."""
import pytest

from bfbuild.errors import BfError
from bfbuild.loading.yamledit import append_to_list


def plugins(data):
    return data, "plugins"


@pytest.mark.parametrize("before, after", [
    ("plugins: []\n", "plugins: [x.py]\n"),
    ("plugins: []  # none yet\n", "plugins: [x.py]  # none yet\n"),
    ("plugins: [a.py, b.py]\n", "plugins: [a.py, b.py, x.py]\n"),
    ("plugins:\n", "plugins: [x.py]\n"),
    ("plugins:\n  - a.py  # first\n  - b.py\nnext: 1\n",
     "plugins:\n  - a.py  # first\n  - b.py\n  - x.py\nnext: 1\n"),
    ("plugins: &p\n- a.py\nother: *p\n", "plugins: &p\n- a.py\n- x.py\nother: *p\n"),
])
def test_append(before, after):
    assert append_to_list(before, "B.yaml", plugins, "x.py") == after


def test_a_list_reused_through_an_alias_grows_everywhere():
    text = "r:\n  modules: &m\n    - //a\n    # trailing comment\nbench:\n  modules: *m\n"
    edited = append_to_list(text, "B.yaml", lambda d: (d["r"], "modules"), "//b")
    assert edited == "r:\n  modules: &m\n    - //a\n    - //b\n    # trailing comment\nbench:\n  modules: *m\n"


def test_a_multi_line_flow_list_is_left_to_the_user():
    with pytest.raises(BfError) as caught:
        append_to_list("plugins: [a.py,\n  b.py]\n", "B.yaml", plugins, "x.py")
    assert "B.yaml:1:" in str(caught.value) and "add 'x.py' to it by hand" in str(caught.value)
