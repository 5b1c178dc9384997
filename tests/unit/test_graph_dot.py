"""`bfbuild graph`: the target graph as dot (nodes, edges, package clusters) and as SVG."""
import re
import shutil
from pathlib import Path

import pytest

from bfbuild.loading import dot
from bfbuild.labels import Label
from bfbuild.session import Session

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "targets/lib.yaml": "base:\n  rule: gen\n  srcs: [base.txt]\nutil:\n  rule: gen\n  deps: [':base']\n",
    "lib/base.txt": "base\n",
    "app/BUILD.yaml": "main:\n  rule: gen\n  deps: [//lib:util, //lib:base, //tool]\nunused:\n  rule: gen\n",
    "tool/BUILD.yaml": "tool:\n  rule: gen\n",
}


@pytest.fixture
def ws(make_workspace):
    return make_workspace(FILES)


def test_nodes_edges_and_clusters(ws):
    text = dot.to_dot(Session(start=ws).targets, [Label("app", "main")])
    assert "rankdir=LR" in text
    nodes = re.findall(r'^\s+"(//[^"]+)" \[label=', text, re.M)
    assert sorted(nodes) == ["//app:main", "//lib:base", "//lib:util", "//tool:tool"]  # not :unused
    edges = re.findall(r'^\s+"(//[^"]+)" -> "(//[^"]+)";', text, re.M)
    assert sorted(edges) == [("//app:main", "//lib:base"), ("//app:main", "//lib:util"),
                             ("//app:main", "//tool:tool"), ("//lib:util", "//lib:base")]
    clusters = re.findall(r'subgraph cluster_\d+ \{\n\s+label="([^"]+)";', text)
    assert clusters == ["//app", "//lib", "//tool"]
    assert ">:util<" in text and ">gen<" in text  # the target and its rule


def test_one_target_packages_share_their_parent_folders_cluster(run_cli):
    rc, out, err = run_cli(REPO, "graph", "//images:tinyllama")
    assert rc == 0, err
    assert 'label="//modules/...";' in out and 'label="//modules/common";' in out
    assert ">//modules/sum<" in out and '"//apps/tinyllama:registry" -> "//modules/sum:sum";' in out


def test_graph_of_a_pattern_on_stdout_and_in_a_file(ws, run_cli, tmp_path):
    rc, out, err = run_cli(ws, "graph", "//lib/...")
    assert rc == 0 and out.startswith("digraph bfbuild {"), err
    rc, _, err = run_cli(ws, "graph", "//app:main", "-o", str(tmp_path / "g.dot"))
    assert rc == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_through_graphviz(ws, run_cli, tmp_path):
    rc, _, err = run_cli(ws, "graph", "//app:main", "-o", str(tmp_path / "g.svg"))
    assert rc == 0, err
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and ":util" in svg


def test_svg_without_graphviz_says_how_to_install_it(ws, run_cli, monkeypatch, tmp_path):
    monkeypatch.setattr(dot.shutil, "which", lambda name: None)
    rc, _, err = run_cli(ws, "graph", "//app:main", "--format", "svg")
    assert rc == 2 and "apt-get install -y graphviz" in err


def test_unknown_label(ws, run_cli):
    rc, _, err = run_cli(ws, "graph", "//app:mian")
    assert rc == 2 and "did you mean 'main'" in err


def test_the_readme_picture_is_current():
    """docs/graph.svg is the graph of //images:tinyllama (regenerate it after changing targets:
    bfbuild graph //images:tinyllama -o docs/graph.svg)."""
    svg = (REPO / "docs/graph.svg").read_text()
    targets = Session(start=REPO).targets
    for label in dot.closure(targets, [Label("images", "tinyllama")]):
        assert f"<title>{label}</title>" in svg, f"{label} is missing from docs/graph.svg"
