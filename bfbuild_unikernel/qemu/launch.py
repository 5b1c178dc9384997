"""The QEMU command line that boots a built image target: shared by `bfbuild run` and the pytest
plugin's bfbuild_boot fixture, so both boot exactly the same way."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

from bfbuild.api import BfError
from bfbuild_unikernel.providers import CpuInfo, ImageInfo
from bfbuild_unikernel.qemu.boot import qemu_argv
from bfbuild_unikernel.qemu.memory import resolve_memory
from bfbuild_unikernel.qemu.smp import smp_args


@dataclass
class BootPlan:
    image: ImageInfo
    argv: List[str]


def boot_plan(session, configured, config, extra: Sequence[str] = (),
              data_disk: bool = True) -> BootPlan:
    """How to boot `configured` (an image target analysed in `config`)."""
    image = configured.get(ImageInfo)
    if image is None:
        raise BfError(f"{configured.label} is not an image target (rule "
                      f"'{configured.target.rule.name}')", hint="run an 'image' target")
    qemu = session.host_tool(image.qemu_system)
    cpu = session.analyzer.axis_target("cpu", config["cpu"], config).get(CpuInfo)
    disk = str(session.root / image.data_disk) if data_disk and image.data_disk else None
    argv = qemu_argv(qemu.path, str(session.root / image.image), cpu.qemu_cpu if cpu else None,
                     extra=[*smp_args(image.processors, extra), *extra], data_disk=disk)
    return BootPlan(image, resolve_memory(argv))
