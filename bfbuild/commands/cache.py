"""`bfbuild cache stats|prune`: the local action cache's size, limit, hits and misses, and its
least-recently-used eviction on demand (bfbuild.engine.cache)."""
from bfbuild.commands import EXIT_OK, NEEDS_PLUGINS, Command
from bfbuild.commands.options import _size, local_cache_options
from bfbuild.errors import BfError


def _arguments(parser):
    actions = parser.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", help="entries, bytes, limit, hits and misses")
    local_cache_options(stats)
    limit = actions.add_parser("limit", help="set the folder's size limit (like ccache -M)")
    limit.add_argument("size", metavar="SIZE", type=_size, help="e.g. 5G, 500M (binary units)")
    local_cache_options(limit)
    prune = actions.add_parser("prune", help="evict least recently used entries down to a size")
    local_cache_options(prune)
    prune.add_argument("--max-size", metavar="SIZE", type=_size, default=None,
                       help="keep at most SIZE (e.g. 500M; 0 empties the cache; default: the "
                            "limit, $BFBUILD_CACHE_MAX_SIZE or 2G)")


def run(invocation) -> int:
    from bfbuild.engine.cache_config import configured_limit, format_size, set_limit
    from bfbuild.engine.cache_local import CacheFolder, scan

    options = invocation.options
    folder = CacheFolder(options.cache_dir)
    try:
        limit, source = configured_limit(options.cache_dir)
    except ValueError as exc:
        raise BfError(str(exc), hint="e.g. BFBUILD_CACHE_MAX_SIZE=5G (binary units)") from None
    if options.cache_action == "limit":
        set_limit(options.cache_dir, options.size)
        print(f"bfbuild cache: {options.cache_dir}: limit {format_size(options.size)}"
              + (" ($BFBUILD_CACHE_MAX_SIZE, set, still overrides it)" if source.startswith("$") else ""))
        return EXIT_OK
    if options.cache_action == "prune":
        limit = options.max_size if options.max_size is not None else limit
        pruned = folder.prune(limit, target=limit)
        print(f"bfbuild cache: {options.cache_dir}: removed {pruned.entries} entries and "
              f"{pruned.blobs} blobs ({format_size(pruned.freed)}); {format_size(pruned.size)} "
              f"left, limit {format_size(limit)}")
        return EXIT_OK
    files = scan(options.cache_dir)
    entries = [f for f in files if f.kind == "ac"]
    size = sum(f.size for f in files)
    stats = folder.stats()
    hits = stats["local_hits"] + stats["remote_hits"]
    lookups = hits + stats["misses"]
    rate = f" ({100 * hits / lookups:.0f}% of {lookups} lookups)" if lookups else ""
    print(f"cache folder:   {options.cache_dir}")
    print(f"action entries: {len(entries)} (header manifests included)")
    print(f"blobs:          {len(files) - len(entries)}")
    print(f"size:           {format_size(size)} ({size} bytes on disk), "
          f"{100 * size / limit if limit else 100:.0f}% of the limit")
    print(f"limit:          {format_size(limit)} ({source})")
    print(f"hits:           {hits}{rate}: {stats['local_hits']} local, "
          f"{stats['remote_hits']} remote")
    print(f"misses:         {stats['misses']} (lookups that found nothing: the action ran)")
    print(f"evicted:        {stats['evicted_entries']} entries ({format_size(stats['evicted_bytes'])})")
    return EXIT_OK


COMMAND = Command("cache", "the local action cache: stats, limit, prune", run, _arguments,
                  needs=NEEDS_PLUGINS,
                  description="Report on the local action cache (stats), set its size limit "
                              "(limit) or evict its least recently used entries (prune). Builds "
                              "keep it under its limit by themselves: docs/caching.md.")
