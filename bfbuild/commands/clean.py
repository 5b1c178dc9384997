"""`bfbuild clean [--cache]`: remove everything under bfout/ but the lock this command holds; the
local action cache (shared by every workspace) only with --cache."""
import shutil

from bfbuild.commands import EXIT_OK, NEEDS_LOCK, Command
from bfbuild.commands.options import local_cache_options
from bfbuild.layout import LOCK_FILE, OUTPUT_DIR


def _arguments(parser):
    parser.add_argument("--cache", action="store_true",
                        help="also empty the local action cache (shared by all your workspaces)")
    local_cache_options(parser)


def run(invocation) -> int:
    from bfbuild.engine.cache_config import format_size
    from bfbuild.engine.cache_local import CacheFolder, scan

    options = invocation.options
    out = invocation.workspace.path(OUTPUT_DIR)
    lock = invocation.workspace.path(LOCK_FILE)
    for entry in out.iterdir() if out.exists() else []:
        if entry == lock:
            continue  # held by this very command
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    print(f"removed the contents of {OUTPUT_DIR}/")
    if options.cache:
        pruned = CacheFolder(options.cache_dir).prune(0, target=0)
        print(f"emptied the local action cache {options.cache_dir} "
              f"({format_size(pruned.freed)} freed)")
    else:
        size = sum(f.size for f in scan(options.cache_dir))
        print(f"kept the local action cache {options.cache_dir} ({format_size(size)}; "
              f"'bfbuild clean --cache' or 'bfbuild cache prune' shrinks it)")
    return EXIT_OK


COMMAND = Command("clean", f"remove {OUTPUT_DIR}/ (and with --cache the local action cache)", run,
                  _arguments, needs=NEEDS_LOCK)
