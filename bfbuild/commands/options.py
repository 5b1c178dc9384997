"""The options every building command shares: one per configuration axis, execution, caching."""
from __future__ import annotations

import argparse
import os
from typing import Dict, Optional


def _default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "bfbuild")


def _size(text: str) -> int:
    from bfbuild.engine.cache_config import parse_size

    try:
        return parse_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size (e.g. 2G, 500M, 1.5GiB)") from None


def local_cache_options(group) -> None:
    """--cache-dir: the local action cache (build commands, `cache`, `clean`)."""
    group.add_argument("--cache-dir", default=os.environ.get("BFBUILD_CACHE_DIR", _default_cache()),
                       help="the local action cache (default: $BFBUILD_CACHE_DIR or %(default)s)")


def _shard(text: str):
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not I/N (e.g. 2/4)") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"shard {text}: I must be between 1 and N")
    return index, count


def _remote_url(text: str) -> str:
    from bfbuild.engine.cache_remote import SCHEMES

    scheme, _, rest = text.partition("://")
    if scheme not in SCHEMES or not rest:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a cache URL: http(s)://HOST[:PORT][/PATH] (Bazel's HTTP cache) "
            f"or grpc(s)://HOST[:PORT] (REAPI)")
    return text


def _header(text: str):
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or any(c in text for c in "\r\n\0"):
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=VALUE "
                                         f"(e.g. --remote-header 'Authorization=Bearer TOKEN')")
    return name.strip(), value


def build_options(parser: argparse.ArgumentParser, axes) -> None:
    group = parser.add_argument_group("configuration")
    for axis in axes:
        group.add_argument(f"--{axis.name}", dest=f"axis_{axis.name}", metavar=axis.name.upper(),
                           help=f"{axis.help} (default: {axis.default}, or the workspace's)")
    group = parser.add_argument_group("execution")
    group.add_argument("-j", "--jobs", type=int, default=0, help="parallel actions (default: CPUs)")
    group.add_argument("-k", "--keep-going", action="store_true",
                       help="build as much as possible after a failure")
    group.add_argument("--shard", metavar="I/N", type=_shard,
                       help="build the I-th of N slices of the (target, configuration) pairs")
    group.add_argument("--profile", metavar="TRACE.json",
                       help="write a Chrome trace of the build (open it in Perfetto)")
    group = parser.add_argument_group("caching")
    local_cache_options(group)
    group.add_argument("--no-cache", action="store_true", help="neither read nor fill the local cache")
    group.add_argument("--remote-cache", metavar="URL", type=_remote_url,
                       default=os.environ.get("BFBUILD_REMOTE_CACHE"),
                       help="a remote cache: http(s):// for Bazel's HTTP cache protocol (nginx, "
                            "bazel-remote), grpc(s):// for REAPI (BuildGrid, bazel-remote, "
                            "Buildbarn...) (default: $BFBUILD_REMOTE_CACHE)")
    group.add_argument("--remote-header", metavar="NAME=VALUE", type=_header, action="append",
                       default=[], help="a header sent with every remote cache request "
                                        "(repeatable), e.g. a credential")
    group.add_argument("--remote-instance-name", metavar="NAME", default="",
                       help="the REAPI instance name (grpc:// caches)")
    group.add_argument("--cache-readonly", action="store_true",
                       help="read the caches, never write them (for untrusted jobs)")
    group.add_argument("--remote-cache-readonly", action="store_true",
                       help="read the remote cache, never write it")


def requested_axes(session, options) -> Dict[str, Optional[str]]:
    """{axis: "value,value"} for the axes given on the command line."""
    return {axis.name: getattr(options, f"axis_{axis.name}", None) for axis in session.axes}


def cache_options(options):
    from bfbuild.engine.runner import CacheOptions

    return CacheOptions(local_dir=None if options.no_cache else options.cache_dir,
                        remote_url=options.remote_cache, readonly=options.cache_readonly,
                        remote_readonly=options.remote_cache_readonly,
                        remote_headers=tuple(options.remote_header),
                        remote_instance=options.remote_instance_name)
