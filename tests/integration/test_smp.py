"""The image's `processors` attribute: out of the kernel's range it is refused at analysis, with
the target's file:line (the boots on 2 and 4 processors are boot tests in targets/images.yaml:
tinyllama_smp_test and tinyllama_smp4_test, run with every other boot test)."""
import re

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("processors", [0, 9])
def test_a_processor_count_the_kernel_cannot_run_is_refused(workspace, processors):
    workspace.edit("targets/images.yaml", "  processors: 2\n", f"  processors: {processors}\n")
    proc = workspace.bfbuild("build", "//images:tinyllama_smp", check=2)
    assert re.search(r"targets/images\.yaml:\d+", proc.stderr + proc.stdout)
    assert f"'processors' is {processors}: the kernel runs 1 to 8 processors" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
