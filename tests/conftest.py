"""The whole suite: a skipped test is a failure.

A test skipped because a tool is missing hides a missing install step (./bfw installs everything
the suite needs), so the run fails when anything was skipped, naming what and why. The one
exception is data that lives outside the repository by design (a checkpoint beside the checkout,
never copied into it): such a test's skip reason starts with "external data:". Set
BFBUILD_ALLOW_SKIPS=1 to allow every skip on a machine that cannot have a tool.
"""
import os

# bfbuild starts a build server per workspace by default (docs/server.md); the suite's hundreds of
# workspace copies would each keep one for hours. Tests run bfbuild in one process, except those
# that test the server (tests/integration/test_server.py), which turn it on and stop their servers.
# BFBUILD_TEST_SERVER=1 runs the whole suite through servers that stop after 30 idle seconds.
if os.environ.get("BFBUILD_TEST_SERVER") == "1":
    os.environ["BFBUILD_SERVER"] = "1"
    os.environ.setdefault("BFBUILD_SERVER_IDLE", "30")
else:
    os.environ["BFBUILD_SERVER"] = "0"


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [report for report in (reporter.stats.get("skipped", []) if reporter else [])
               if not _reason(report).startswith("external data:")]
    if not skipped or os.environ.get("BFBUILD_ALLOW_SKIPS") == "1":
        return
    reporter.write_sep("=", f"{len(skipped)} test(s) skipped: the suite allows none", red=True)
    for report in skipped:
        reporter.write_line(f"  {report.nodeid}: {_reason(report)}")
    reporter.write_line("  install what they need (./bfw does), or set BFBUILD_ALLOW_SKIPS=1")
    session.exitstatus = 1


def _reason(report) -> str:
    text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return text[len("Skipped: "):] if text.startswith("Skipped: ") else text
