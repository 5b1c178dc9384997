"""`python -m bfbuild.server ROOT`: the build server of the workspace at ROOT (the client starts
it; its output goes to the log file in its folder, bfbuild.rundir)."""
import os
import sys

from bfbuild.server.daemon import Server, log
from bfbuild.server.settings import idle_seconds


def main(argv) -> int:
    if len(argv) != 1 or not os.path.isabs(argv[0]):
        print("usage: python -m bfbuild.server WORKSPACE_ROOT (started by bfbuild itself)",
              file=sys.stderr)
        return 2
    server = Server(argv[0])
    if not server.bind():
        return 0  # another client's server won the race
    from bfbuild.server.fingerprint import Fingerprint
    from bfbuild.server.warm_engine import preload

    started = os.times().elapsed
    preload()
    fingerprint = Fingerprint()
    log(f"warm in {os.times().elapsed - started:.2f}s: {len(fingerprint.files)} files watched")
    server.serve(fingerprint, idle_seconds(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
