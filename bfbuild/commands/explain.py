"""`bfbuild explain TARGET`: why the actions of a target ran in the last build."""
from bfbuild.commands import EXIT_OK, Command
from bfbuild.engine.record import read_build_record
from bfbuild.errors import BfError


def _arguments(parser):
    parser.add_argument("label", metavar="TARGET")


def run(invocation) -> int:
    session = invocation.session
    labels = session.labels([invocation.options.label])
    if len(labels) != 1:
        raise BfError("explain takes one target label", hint="e.g. bfbuild explain //modules/sum")
    label = str(labels[0])
    records = read_build_record(session.root)
    mine = [record for record in records if record.owner == label]
    if not mine:
        print(f"{label}: none of its actions ran in the last build "
              f"({len(records)} action(s) of other targets did)")
        return EXIT_OK
    for record in mine:
        what = f"{record.mnemonic} {record.progress or record.outputs[0]} ({record.config})"
        how = f"restored from the {record.cache} cache" if record.cache else (
            "ran" if record.ok else "ran and FAILED")
        print(f"{label}: {what}: {how}, because")
        for reason in record.why:
            print(f"    {reason}")
    return EXIT_OK


COMMAND = Command("explain", "why the actions of a target ran in the last build", run, _arguments)
