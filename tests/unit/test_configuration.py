"""bfbuild.analysis.configuration, and configuration trimming during analysis."""
import pytest

from bfbuild.analysis.configuration import (Axis, Configuration, check_defaults,
                                            configuration_matrix, split_values)
from bfbuild.errors import BfError
from bfbuild.labels import Label
from bfbuild.session import Session

FULL = {"cpu": "i686", "pgo": "off", "toolchain": "clang"}
ORDER = ("cpu", "pgo", "toolchain")
AXES = [Axis("cpu", "i686", "", order=10, package="cpus"), Axis("pgo", "off", "", order=20),
        Axis("toolchain", "clang", "", order=30)]
KNOWN = {"cpu": ["i686", "haswell"], "pgo": ["off", "instrument", "on"], "toolchain": ["clang", "gcc"]}


# -- Configuration ----------------------------------------------------------------------------

def test_name_orders_axes():
    assert Configuration.of(FULL, ORDER).name == "i686-off-clang"
    assert Configuration.of({"toolchain": "clang", "pgo": "off", "cpu": "i686"}, ORDER).name == "i686-off-clang"
    assert str(Configuration.of(FULL, ORDER)) == "i686-off-clang"


def test_empty_configuration_name():
    assert Configuration((), ORDER).name == "any-any-any"
    assert Configuration.of({}, ORDER).name == "any-any-any"


def test_trimmed_drops_unread_axes():
    config = Configuration.of(FULL, ORDER)
    assert config.trimmed({"cpu", "toolchain"}).name == "i686-any-clang"
    assert config.trimmed({"cpu"}).name == "i686-any-any"
    assert config.trimmed(()).name == "any-any-any"
    assert config.trimmed({"cpu", "pgo", "toolchain"}) == config
    assert config.trimmed({"cpu"}).axes() == frozenset({"cpu"})


def test_trimming_does_not_change_the_original():
    config = Configuration.of(FULL, ORDER)
    config.trimmed({"cpu"})
    assert config.name == "i686-off-clang"


def test_get_and_getitem():
    config = Configuration.of(FULL, ORDER).trimmed({"cpu"})
    assert config["cpu"] == "i686"
    assert config.get("pgo") is None
    with pytest.raises(KeyError, match="does not carry axis 'pgo'"):
        config["pgo"]


def test_of_rejects_unknown_axes():
    with pytest.raises(ValueError, match="unknown configuration axes"):
        Configuration.of({"cpu": "i686", "arch": "x86"}, ORDER)


def test_of_stringifies_values():
    assert Configuration.of({"cpu": 486}, ORDER).items == (("cpu", "486"),)


def test_equal_configurations_are_equal_and_hash_equal():
    a = Configuration.of(FULL, ORDER)
    b = Configuration.of(dict(FULL), ORDER)
    assert a == b and hash(a) == hash(b)
    assert len({a, b, Configuration.of({**FULL, "cpu": "haswell"}, ORDER)}) == 2
    assert {a: 1}[b] == 1
    assert Configuration.of(FULL, ORDER).trimmed({"cpu"}) == Configuration.of({"cpu": "i686"}, ORDER)
    assert Configuration.of(FULL, ORDER) != Configuration.of({**FULL, "pgo": "on"}, ORDER)


def test_configuration_is_immutable():
    config = Configuration.of(FULL, ORDER)
    with pytest.raises(AttributeError):
        config.items = ()
    assert isinstance(config.items, tuple)


def test_defaults_are_the_axes_defaults_with_the_workspace_values():
    assert check_defaults(AXES, None, "BUILD.yaml") == FULL
    from bfbuild.loading.yamlload import load_yaml
    given = load_yaml("defaults: {cpu: haswell, pgo: off}\n", "BUILD.yaml")["defaults"]
    assert check_defaults(AXES, given, "BUILD.yaml") == {**FULL, "cpu": "haswell"}
    with pytest.raises(BfError, match="unknown configuration axis 'arch'"):
        check_defaults(AXES, load_yaml("d: {arch: x}\n", "BUILD.yaml")["d"], "BUILD.yaml")


@pytest.mark.parametrize("text, values", [
    (None, []), ("", []), ("a", ["a"]), ("a,b", ["a", "b"]), (" a , ,b ", ["a", "b"])])
def test_split_values(text, values):
    assert split_values(text) == values


# -- configuration_matrix ---------------------------------------------------------------------

def test_matrix_defaults_only():
    assert configuration_matrix(AXES, {}, FULL, KNOWN) == [Configuration.of(FULL, ORDER)]


def test_matrix_is_the_product_in_axis_order():
    configs = configuration_matrix(AXES, {"cpu": ["i686", "haswell"], "toolchain": ["clang", "gcc"]},
                                   FULL, KNOWN)
    assert [c.name for c in configs] == ["i686-off-clang", "i686-off-gcc",
                                         "haswell-off-clang", "haswell-off-gcc"]


def test_matrix_drops_repeated_values():
    configs = configuration_matrix(AXES, {"pgo": ["on", "off", "on"]}, FULL, KNOWN)
    assert [c.name for c in configs] == ["i686-on-clang", "i686-off-clang"]


def test_matrix_unknown_value_suggests():
    with pytest.raises(BfError) as info:
        configuration_matrix(AXES, {"cpu": ["haswel"]}, FULL, KNOWN)
    assert info.value.message == "unknown --cpu value 'haswel'"
    assert info.value.hint == "did you mean 'haswell'?"


def test_matrix_unknown_value_lists_known_values():
    with pytest.raises(BfError) as info:
        configuration_matrix(AXES, {"toolchain": ["msvc"]}, FULL, KNOWN)
    assert info.value.hint == "known values: clang, gcc"


def test_matrix_checks_defaults_too():
    with pytest.raises(BfError, match="unknown --toolchain value 'icc'"):
        configuration_matrix(AXES, {}, {**FULL, "toolchain": "icc"}, KNOWN)


# -- trimming through analysis ----------------------------------------------------------------

CPUS = """\
a:
  rule: cpu
  cflags: [-march=a]
  qemu_cpu: qemu32
b:
  rule: cpu
  cflags: [-march=b]
  features: [sse2]
"""

TRIM = """\
shared:
  rule: noaxis
user:
  rule: usecpu
  deps: [":shared"]
"""


@pytest.fixture
def trim_session(make_workspace):
    root = make_workspace({"targets/cpus.yaml": CPUS, "targets/trim.yaml": TRIM})
    return Session(start=root)


def test_axis_values_come_from_the_workspace(trim_session):
    assert trim_session.analyzer.axis_values("cpu") == ["a", "b"]
    assert trim_session.analyzer.axis_values("toolchain") == ["clang"]
    configs = trim_session.configurations(cpu="a,b")
    assert [c.name for c in configs] == ["a-off-clang", "b-off-clang"]


def test_unknown_cpu_on_the_command_line(trim_session):
    with pytest.raises(BfError) as info:
        trim_session.configurations(cpu="a,c")
    assert "unknown --cpu value 'c'" in info.value.message


def test_an_action_that_reads_no_axis_is_shared_across_the_matrix(trim_session):
    configs = trim_session.configurations(cpu="a,b")
    labels = trim_session.labels(["//trim:user"])
    analysis = trim_session.analyse(labels, configs)
    by_owner = {}
    for action in analysis.graph.actions:
        by_owner.setdefault(action.owner, []).append(action)
    assert set(by_owner) == {"//trim:shared", "//trim:user"}
    shared = by_owner["//trim:shared"]
    assert [a.config for a in shared] == ["any-any-any"]
    assert shared[0].outputs == ("bfout/any-any-any/trim/shared/stamp.json",)
    users = sorted(by_owner["//trim:user"], key=lambda a: a.config)
    assert [a.config for a in users] == ["a-any-any", "b-any-any"]
    assert users[0].argv[:2] == ("fake-cpu", "-march=a")
    assert users[1].argv[:2] == ("fake-cpu", "-march=b")
    for action in users:
        assert action.inputs == shared[0].outputs
    assert analysis.per_config_actions == 4
    assert analysis.shared_actions == 1
    assert [str(ct) for ct in analysis.top] == ["//trim:user (a-any-any)", "//trim:user (b-any-any)"]


def test_a_target_reading_no_axis_is_configured_once(trim_session):
    configs = trim_session.configurations(cpu="a,b")
    label = Label("trim", "shared")
    first = trim_session.analyzer.configure(label, configs[0])
    second = trim_session.analyzer.configure(label, configs[1])
    assert first is second
    assert first.config == Configuration((), ORDER)
    assert first.config.name == "any-any-any"


def test_dependants_inherit_the_axes_of_their_dependencies(make_workspace):
    files = {"targets/cpus.yaml": CPUS,
             "targets/trim.yaml": TRIM + "top:\n  rule: gen\n  deps: [':user']\n"}
    session = Session(start=make_workspace(files))
    analysis = session.analyse(session.labels(["//trim:top"]), session.configurations(cpu="a,b"))
    tops = sorted(a.config for a in analysis.graph.actions if a.owner == "//trim:top")
    assert tops == ["a-any-any", "b-any-any"]
    assert analysis.shared_actions == 1


def test_one_configuration_shares_nothing(trim_session):
    analysis = trim_session.analyse(trim_session.labels(["//trim:user"]),
                                    trim_session.configurations())
    assert len(analysis.graph.actions) == 2
    assert analysis.shared_actions == 0
