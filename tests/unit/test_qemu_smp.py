"""The image's `processors` attribute on the QEMU command line (bfbuild_unikernel/qemu/smp.py)."""
from bfbuild_unikernel.qemu.smp import smp_args


def test_one_processor_adds_nothing():
    assert smp_args(1) == []


def test_several_processors_run_on_host_threads():
    assert smp_args(2) == ["-smp", "2", "-accel", "tcg,thread=multi"]


def test_icount_keeps_the_processors_but_not_the_threads():
    # QEMU refuses multi-threaded TCG with -icount; a later -accel of the user's wins too.
    assert smp_args(4, ["-icount", "shift=0,sleep=off"]) == ["-smp", "4"]
    assert smp_args(4, ["-accel", "tcg,thread=single"]) == ["-smp", "4"]
