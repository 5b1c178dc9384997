"""`bfbuild size IMAGE...`: the sections of an image's kernel, each module, and the space left."""
from bfbuild.api import EXIT_FAILED, EXIT_OK, BfError, Command
from bfbuild_unikernel.commands.size_report import size_report
from bfbuild_unikernel.providers import ImageInfo


def _arguments(parser):
    parser.add_argument("patterns", nargs="+", metavar="TARGET")


def run(invocation) -> int:
    session = invocation.session
    labels = session.labels(invocation.options.patterns)
    analysis, result = invocation.build(labels, invocation.configurations())
    if not result.ok:
        return EXIT_FAILED
    images = [ct for ct in analysis.top if ct.get(ImageInfo)]
    if not images:
        raise BfError("size takes image targets", hint="e.g. bfbuild size //images:tinyllama")
    for configured in images:
        print("\n".join(size_report(session.root, configured)))
    return EXIT_OK


COMMAND = Command("size", "sections of an image's kernel and modules, space left", run,
                  _arguments, builds=True)
