"""Two bfbuild invocations in one workspace: the second waits for the first, and says so."""
import subprocess
import sys
import time

from bfbuild.lock import WorkspaceLock


def test_a_second_invocation_waits_for_the_lock_and_names_its_holder(tmp_path):
    (tmp_path / "BUILD.yaml").write_text("workspace: locktest\n")
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "x.yaml").write_text("files:\n  rule: filegroup\n  srcs: [a.txt]\n")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.txt").write_text("a\n")
    with WorkspaceLock(tmp_path, ["build", "//held:by-the-test"]):
        proc = subprocess.Popen([sys.executable, "-m", "bfbuild", "build", "//x:files"],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        deadline = time.time() + 20
        lock_text = (tmp_path / "bfout" / ".lock").read_text()
        assert "build //held:by-the-test" in lock_text
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
            if time.time() > deadline - 18:  # it had two seconds to finish if it did not wait
                break
        assert proc.poll() is None, "bfbuild did not wait for the lock"
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "waiting for the workspace lock (bfout/.lock) held by pid" in err
    assert "build //held:by-the-test" in err


def test_the_lock_file_never_shows_header_values():
    from bfbuild.lock import describe_command

    shown = describe_command(["build", "//x", "--remote-header", "Authorization=Bearer s3cret",
                              "--remote-header=X-Token=t0ken", "--jobs", "2"])
    assert shown == "build //x --remote-header Authorization=... --remote-header=X-Token=... --jobs 2"
