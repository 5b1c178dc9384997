"""`bfbuild new KIND NAME`: scaffold a rule (the core's kind) or what a plugin offers (module)."""
from bfbuild.commands import EXIT_OK, Command
from bfbuild.errors import BfError, did_you_mean
from bfbuild.plugins import collect_mapping

def _arguments(parser):
    parser.add_argument("kind", metavar="KIND", help="what to create: rule, or a plugin's kind (module)")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--registry", default=None, metavar="LABEL",
                        help="the registry target the new item joins (kinds that have one)")


def run(invocation) -> int:
    from bfbuild.commands.scaffold import new_rule

    options = invocation.options
    kinds = {"rule": new_rule, **collect_mapping(invocation.plugins, "bfbuild_scaffolds")}
    make = kinds.get(options.kind)
    if make is None:
        raise BfError(f"bfbuild new: no kind '{options.kind}'",
                      hint=did_you_mean(options.kind, kinds) or f"kinds: {', '.join(sorted(kinds))}")
    if options.registry and options.kind == "rule":
        raise BfError("--registry is not for 'new rule'")
    invocation.hold_lock()
    print("\n".join(make(invocation.session, options.name, options)))
    return EXIT_OK


COMMAND = Command("new", "scaffold a module or a rule", run, _arguments,
                  description="Create a workspace-local rule (rules/NAME.py and its test), or what "
                              "a plugin offers: a module (modules/NAME/, added to a registry).")
