"""`bfbuild pgo IMAGE [--cpu C] [--update-profiles | --profiles-out DIR] [--from-state]`: record the image's
profile under icount, say how it differs from the checked-in one, rebuild the image optimised and
compare instructions per call against the default build (bfbuild_unikernel.pgo.report). The
recorded profiles go to bfout/pgo/profiles/ unless --update-profiles asks for profiles/. With
--from-state, the profile is made from what an adaptive image learned (bfbuild_unikernel.pgo.
from_state) and nothing boots."""
from bfbuild.api import EXIT_OK, BfError, BuildFailure, Command
from bfbuild_unikernel.pgo import from_state
from bfbuild_unikernel.pgo import report as pgo_report
from bfbuild_unikernel.pgo import tier_report


def _arguments(parser):
    parser.add_argument("label", metavar="IMAGE")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--update-profiles", action="store_true",
                       help="write the recorded profiles into profiles/ (the checked-in ones the "
                            "optimised builds read), each file named as it changes")
    where.add_argument("--profiles-out", metavar="DIR", default=None,
                       help="write the recorded profiles to DIR (default: bfout/pgo/profiles)")
    parser.add_argument("--from-state", action="store_true",
                        help="boot nothing: merge the tiers an adaptive image learned (its state "
                             "disk's TIERS record) into the profile the offline build reads")


def run(invocation) -> int:
    session, options = invocation.session, invocation.options
    labels = session.labels([options.label])
    if len(labels) != 1:
        raise BfError("pgo takes one image target", hint="e.g. bfbuild pgo //images:tinyllama")
    if getattr(options, "axis_pgo", None):
        raise BfError("pgo builds the off and on configurations itself: drop --pgo")
    compiles = []

    def build(labels_, configs):
        analysis, result = invocation.build(labels_, configs)
        if not result.ok:
            raise BuildFailure("the build failed")
        compiles.extend(r for r in result.ran if r.mnemonic == "CC")
        return analysis

    for config in invocation.configurations():
        if options.from_state:
            analysis = build(labels, [config])
            from_state.run(session, analysis.top[0], config["cpu"], options.update_profiles,
                           options.profiles_out)
            continue
        if _tiered(invocation, labels[0], config, build):
            report = tier_report.run(session, labels[0], config, build)
            print(tier_report.markdown(report))
            print(f"bfbuild pgo: report written to {tier_report.REPORT_DIR}/{labels[0].name}-"
                  f"{config['cpu']}.md and .json")
            continue
        report = pgo_report.run(session, labels[0], config, build,
                                update_profiles=options.update_profiles,
                                profiles_out=options.profiles_out)
        print(pgo_report.markdown(report))
        print(f"bfbuild pgo: report written to {pgo_report.REPORT_DIR}/{labels[0].name}-"
              f"{config['cpu']}.md and .json")
    print(f"bfbuild pgo: {len(compiles)} compiler invocation(s)")
    return EXIT_OK


def _tiered(invocation, label, config, build) -> bool:
    """An image built in tiers gets the tier report (docs/tiers.md); the others the PGO one."""
    analysis = build([label], [config])
    return tier_report.is_tiered(analysis.top[0])


COMMAND = Command("pgo", "record an image's profile, rebuild it optimised, compare", run,
                  _arguments, builds=True)
