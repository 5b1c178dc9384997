"""`bfbuild clean`: remove everything under bfout/ but the lock this command holds."""
import shutil

from bfbuild.commands import EXIT_OK, NEEDS_LOCK, Command
from bfbuild.layout import LOCK_FILE, OUTPUT_DIR


def run(invocation) -> int:
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
    return EXIT_OK


COMMAND = Command("clean", f"remove {OUTPUT_DIR}/", run, needs=NEEDS_LOCK)
