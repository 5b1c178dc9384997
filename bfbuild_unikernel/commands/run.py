"""`bfbuild run IMAGE [-- QEMU_ARG...]`: build an image, boot it in QEMU, stream its serial port
(with --interactive, connect this terminal to it both ways: qemu/terminal.py)."""
from bfbuild.api import EXIT_FAILED, EXIT_OK, BfError, Command
from bfbuild_unikernel.qemu import boot as qemu  # looked up at call time: tests replace it
from bfbuild_unikernel.qemu import terminal
from bfbuild_unikernel.qemu.launch import boot_plan
from bfbuild_unikernel.state import options as state_options


def _arguments(parser):
    parser.add_argument("label", metavar="TARGET")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before QEMU is stopped")
    parser.add_argument("--no-data-disk", action="store_true", help="boot without the image's data disk")
    parser.add_argument("--gdb", action="store_true",
                        help="start QEMU halted with a gdb server on tcp::1234 (-s -S) and write "
                             "bfout/gdb/<image>.gdb for `gdb -x`")
    state_options.add_arguments(parser)
    parser.add_argument("--interactive", action="store_true",
                        help="connect this terminal to the guest's serial port both ways and ask "
                             "the kernel for a session (tinyllama: a prompt; docs/llama.md)")


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    labels = session.labels([options.label])
    configs = invocation.configurations()
    if len(labels) != 1 or len(configs) != 1:
        raise BfError("run takes one target in one configuration",
                      hint="name a single image target and at most one value per axis")
    analysis, result = invocation.build(labels, configs)
    if not result.ok:
        return EXIT_FAILED
    configured = analysis.top[0]
    extra = list(invocation.extra)
    if options.interactive:
        extra = terminal.INTERACTIVE_ARGS + extra
    plan = boot_plan(session, configured, configs[0], extra=extra,
                     data_disk=not options.no_data_disk)
    image, argv = plan.image, plan.argv
    argv = state_options.use_state_disk(session.root, image, argv, options)
    if options.gdb:
        argv = _prepare_gdb(session, configured, image, argv)
    print(f"bfbuild: booting {image.image} ({' '.join(argv[1:])})", flush=True)
    if options.interactive:
        print("bfbuild: this terminal is the guest's serial console; Ctrl-C stops QEMU", flush=True)
        outcome = terminal.attach(argv, options.timeout)
    else:
        outcome = qemu.boot(argv, options.timeout, on_line=lambda line: print(line, flush=True))
    print(f"bfbuild: {configured.label}: {outcome.describe()}")
    return EXIT_OK if outcome.success else EXIT_FAILED


def _prepare_gdb(session, configured, image, argv):
    """QEMU halted, waiting for gdb; the command file that attaches to it."""
    from bfbuild_unikernel.qemu.gdb import GDB_PORT, with_gdb_server, write_command_file

    if not image.kernel_elf:
        raise BfError(f"{configured.label} has no kernel ELF to debug",
                      hint="--gdb needs an image whose kernel is a 'link' target")
    script = write_command_file(session.root, configured.label.name, image.kernel_elf)
    print(f"bfbuild: QEMU waits for a debugger on tcp::{GDB_PORT}; in another terminal, "
          f"in {session.root}, run:\n    gdb -x {script}\n"
          f"  (it loads {image.kernel_elf}, connects and breaks at kmain; type 'continue')",
          flush=True)
    return with_gdb_server(argv)


COMMAND = Command("run", "build an image and boot it in QEMU", run, _arguments, builds=True,
                  usage="bfbuild run TARGET [options] [-- QEMU_ARG ...]", passthrough=True)
