"""The unikernel wing's commands: run (boot an image), size (where the bytes go), pgo (profile,
rebuild optimised, compare), profile (sampled call stacks as a flame graph), state (what the kernel
saved on an image's state disk), and the `module` kind of `bfbuild new`."""
from bfbuild.api import hookimpl


@hookimpl
def bfbuild_commands():
    from bfbuild_unikernel.commands import pgo, profile, run, size, state

    return [run.COMMAND, size.COMMAND, pgo.COMMAND, profile.COMMAND, state.COMMAND]


@hookimpl
def bfbuild_scaffolds():
    from bfbuild_unikernel.commands.new_module import new_module

    return {"module": new_module}


@hookimpl
def bfbuild_configure(workspace, options):
    from bfbuild_unikernel.state.options import configure

    configure(options)  # --state and --reset-state of run and test
