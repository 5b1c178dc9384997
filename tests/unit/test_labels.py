"""bfbuild.labels: labels, target patterns and what a pattern matches."""
import pytest

from bfbuild.errors import BfError
from bfbuild.labels import Label, Pattern, is_label, parse_label, parse_pattern


# -- parse_label ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, package, name", [
    ("//kernel:core", "kernel", "core"),
    ("//apps/tinyllama:model", "apps/tinyllama", "model"),
    ("//:top", "", "top"),
    ("  //kernel:core  ", "kernel", "core"),
    ("//kernel:libc++", "kernel", "libc++"),
    ("//a-b/c.d:x_y-1.2", "a-b/c.d", "x_y-1.2"),
])
def test_parse_label_absolute(text, package, name):
    assert parse_label(text) == Label(package, name)


@pytest.mark.parametrize("text, package, name", [
    ("//kernel", "kernel", "kernel"),
    ("//apps/tinyllama", "apps/tinyllama", "tinyllama"),
])
def test_parse_label_shorthand_names_last_folder(text, package, name):
    assert parse_label(text) == Label(package, name)


def test_parse_label_relative_uses_current_package():
    assert parse_label(":boot", current_package="kernel/arch") == Label("kernel/arch", "boot")
    assert parse_label(":boot", current_package="") == Label("", "boot")


def test_parse_label_relative_without_package_raises_with_hint():
    with pytest.raises(BfError) as info:
        parse_label(":boot")
    assert "outside a package" in info.value.message
    assert info.value.hint and "//pkg:name" in info.value.hint


@pytest.mark.parametrize("text", ["//kernel:bad name", "//kernel:", "//kernel:-x", "//k:a/b",
                                  "//k:a:b"])
def test_parse_label_invalid_name_raises_with_hint(text):
    with pytest.raises(BfError) as info:
        parse_label(text)
    assert "invalid target name" in info.value.message
    assert text.strip() in info.value.message
    assert info.value.hint and "letters, digits" in info.value.hint


@pytest.mark.parametrize("text", ["//ker nel:x", "///kernel:x", "//kernel//arch:x", "//-k:x",
                                  "//kernel/:x"])
def test_parse_label_invalid_package_raises_with_hint(text):
    with pytest.raises(BfError) as info:
        parse_label(text)
    assert "invalid package name" in info.value.message
    assert info.value.hint and "folder paths" in info.value.hint


@pytest.mark.parametrize("text", ["kernel:core", "core", "/kernel:core"])
def test_parse_label_not_a_label(text):
    with pytest.raises(BfError) as info:
        parse_label(text)
    assert "is not a label" in info.value.message
    assert info.value.hint


def test_parse_label_empty_shorthand_names_no_target():
    with pytest.raises(BfError) as info:
        parse_label("//")
    assert "names no target" in info.value.message


def test_label_str_and_key():
    assert str(Label("kernel", "core")) == "//kernel:core"
    assert str(Label("", "top")) == "//:top"
    assert Label("apps/x", "img").key == "apps/x/img"
    assert Label("", "top").key == "top"
    assert str(parse_label("//apps/x")) == "//apps/x:x"


def test_is_label():
    assert is_label("//a:b") and is_label(":b")
    assert not is_label("src/main.c") and not is_label("a:b")


# -- parse_pattern ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("//...", Pattern("", recursive=True)),
    ("//kernel/...", Pattern("kernel", recursive=True)),
    ("//apps/x/...", Pattern("apps/x", recursive=True)),
    ("//kernel:all", Pattern("kernel")),
    ("//kernel:*", Pattern("kernel")),
    ("//kernel:core", Pattern("kernel", "core")),
    ("//kernel", Pattern("kernel", "kernel")),
    ("//:all", Pattern("")),
])
def test_parse_pattern(text, expected):
    assert parse_pattern(text) == expected


@pytest.mark.parametrize("text", ["//...", "//kernel/...", "//kernel:all", "//kernel:core"])
def test_pattern_str_round_trips(text):
    assert str(parse_pattern(text)) == text


@pytest.mark.parametrize("text, package, expected", [
    (":sum", "modules/sum", Pattern("modules/sum", "sum")),
    (":all", "modules/sum", Pattern("modules/sum")),
    ("...", "modules", Pattern("modules", recursive=True)),
    ("sum:sum", "modules", Pattern("modules/sum", "sum")),
    ("sum/...", "modules", Pattern("modules/sum", recursive=True)),
    ("kernel", "", Pattern("kernel", "kernel")),
    ("...", "", Pattern("", recursive=True)),
    (":x", "", Pattern("", "x")),
])
def test_patterns_without_slashes_are_relative_to_the_current_package(text, package, expected):
    assert parse_pattern(text, package) == expected


@pytest.mark.parametrize("text", ["", "/kernel", "/..."])
def test_parse_pattern_rejects_non_patterns(text):
    with pytest.raises(BfError) as info:
        parse_pattern(text)
    assert "not a target pattern" in info.value.message
    assert "//pkg/..." in info.value.hint


@pytest.mark.parametrize("text", ["//ker nel/...", "//bad pkg:all"])
def test_parse_pattern_rejects_bad_packages(text):
    with pytest.raises(BfError, match="invalid package name"):
        parse_pattern(text)


# -- Pattern.matches --------------------------------------------------------------------------

def test_recursive_pattern_matches_package_and_subpackages():
    pattern = parse_pattern("//kern/...")
    assert pattern.matches(Label("kern", "a"))
    assert pattern.matches(Label("kern/arch", "b"))
    assert pattern.matches(Label("kern/arch/x86", "c"))


def test_recursive_pattern_does_not_match_common_prefix():
    pattern = parse_pattern("//kern/...")
    assert not pattern.matches(Label("kernel", "a"))
    assert not pattern.matches(Label("kern2/x", "a"))
    assert not pattern.matches(Label("", "kern"))


def test_everything_pattern_matches_all_packages():
    pattern = parse_pattern("//...")
    for label in (Label("", "top"), Label("a", "b"), Label("a/b/c", "d")):
        assert pattern.matches(label)


def test_package_pattern_matches_only_that_package():
    pattern = parse_pattern("//kern:all")
    assert pattern.matches(Label("kern", "a")) and pattern.matches(Label("kern", "b"))
    assert not pattern.matches(Label("kern/arch", "a"))
    assert not pattern.matches(Label("kernel", "a"))


def test_single_label_pattern_matches_one_target():
    pattern = parse_pattern("//kern:a")
    assert pattern.matches(Label("kern", "a"))
    assert not pattern.matches(Label("kern", "b"))
    assert not pattern.matches(Label("kern/x", "a"))
