"""The pytest plugin (entry point pytest11): its fixture is offered to every test session, and a
failed build fails the test with bfbuild's own message. Booting is tested in
tests/integration/test_devex.py."""
import pytest

pytest_plugins = ["pytester"]


def test_the_entry_point_registers_the_plugin():
    from importlib.metadata import entry_points

    found = [e for e in entry_points(group="pytest11") if e.name == "bfbuild"]
    assert [e.value for e in found] == ["bfbuild_unikernel.pytest_plugin"], (
        "reinstall bfbuild (pip install -e .) so that its pytest11 entry point is registered")


def test_the_fixture_is_available_to_any_test_session(pytester):
    result = pytester.runpytest_subprocess("--fixtures")
    result.stdout.fnmatch_lines(["bfbuild_boot*", "*bfbuild_boot(label, cpu=None, timeout=60*"])


def test_a_build_error_fails_the_test_with_bfbuild_s_message(pytester):
    pytester.makefile(".yaml", BUILD="workspace: t\n")
    pytester.makefile(".yaml", **{"targets/images": "os:\n  rule: nope\n"})
    pytester.makepyfile(test_boot='''
        def test_it(bfbuild_boot):
            bfbuild_boot("//images:os", root=".")
    ''')
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bfbuild build //images:os failed (exit 2)*",
                                 "*targets/images.yaml:2: unknown rule 'nope'*"])
