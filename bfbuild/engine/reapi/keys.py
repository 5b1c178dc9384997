"""Action keys as REAPI defines them: the digest of an `Action` message naming the digest of its
`Command` (arguments, environment, output paths) and of its input root, a Merkle tree of
`Directory` messages holding the action's input files at their workspace-relative paths.

What REAPI has no field for (the identity of the programs an action runs, a Python step's code
and parameters: everything bfbuild's own action key covers) is a platform property,
`bfbuild-action-key`, so two actions that bfbuild tells apart never share an entry. A compile's
header manifest is the same Action under another `salt` (a cache namespace REAPI provides).
Messages are serialized deterministically, nodes sorted by name, as REAPI requires."""
from __future__ import annotations

import hashlib
import os
import stat
from typing import Dict, Iterable, List, Optional, Tuple

from bfbuild.digest import file_sha256
from bfbuild.engine.cache_entries import workspace_relative
from bfbuild.engine.reapi import protos

DigestPair = Tuple[str, int]  # (sha256 hex, size in bytes): a REAPI Digest as plain values
MANIFEST_SALT = b"bfbuild: header manifest"
KEY_PROPERTY = "bfbuild-action-key"
EXTERNAL_PROPERTY = "bfbuild-external-input"  # path=sha256 of an input outside the workspace
PYTHON_STEP = "bfbuild-python-step"  # arguments[0] of a Python step's Command


def digest_of(data: bytes) -> DigestPair:
    return hashlib.sha256(data).hexdigest(), len(data)


def serialize(message) -> bytes:
    return message.SerializeToString(deterministic=True)


def file_node(path: str, name: str):
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path} is not a regular file")
    node = protos.FileNode(name=name, is_executable=bool(info.st_mode & 0o100))
    node.digest.hash, node.digest.size_bytes = file_sha256(path), info.st_size
    return node


def input_root(paths: Iterable[str]) -> Tuple[DigestPair, Dict[DigestPair, bytes]]:
    """The Merkle tree of these workspace-relative files: (root digest, {digest: Directory})."""
    tree: Dict = {}
    for path in paths:
        *folders, name = [part for part in path.split("/") if part not in ("", ".")]
        level = tree
        for folder in folders:
            level = level.setdefault(folder, {})
            if not isinstance(level, dict):
                raise OSError(f"{path}: a file and a folder of the same name among the inputs")
        level[name] = path
    blobs: Dict[DigestPair, bytes] = {}
    return _directory(tree, blobs), blobs


def _directory(tree: Dict, blobs: Dict[DigestPair, bytes]) -> DigestPair:
    directory = protos.Directory()
    for name in sorted(tree):
        entry = tree[name]
        if isinstance(entry, dict):
            node = directory.directories.add(name=name)
            node.digest.hash, node.digest.size_bytes = _directory(entry, blobs)
        else:
            directory.files.append(file_node(entry, name))
    data = serialize(directory)
    digest = digest_of(data)
    blobs[digest] = data
    return digest


def command(spec: Dict):
    """The Command of an action: its argv (a Python step: its function's name), its own
    environment sorted by name, its outputs sorted (REAPI's output_paths)."""
    message = protos.Command()
    if spec.get("argv") is not None:
        message.arguments.extend(spec["argv"])
    else:
        message.arguments.extend([PYTHON_STEP, spec.get("function") or ""])
    for name, value in sorted((spec.get("env") or {}).items()):
        message.environment_variables.add(name=name, value=value)
    message.output_paths.extend(sorted(spec["outputs"]))
    return message


def action_digest(spec: Dict, extra_inputs: Optional[List[str]] = None,
                  salt: bytes = b"") -> DigestPair:
    """The Action digest of an action whose input root holds its declared inputs and
    `extra_inputs` (a compile's headers). Raises OSError when an input is not a regular file."""
    return action_messages(spec, extra_inputs, salt)[0]


def action_messages(spec: Dict, extra_inputs: Optional[List[str]] = None, salt: bytes = b""
                    ) -> Tuple[DigestPair, Dict[DigestPair, bytes]]:
    """(Action digest, {digest: bytes} of the Action and its Command)."""
    inside, outside = [], []
    for path in dict.fromkeys([*spec["inputs"], *(extra_inputs or [])]):
        (inside if workspace_relative(path) else outside).append(path)
    root, _ = input_root(inside)
    command_data = serialize(command(spec))
    command_digest = digest_of(command_data)
    action = protos.Action(salt=salt)
    action.command_digest.hash, action.command_digest.size_bytes = command_digest
    action.input_root_digest.hash, action.input_root_digest.size_bytes = root
    properties = [(KEY_PROPERTY, spec["key"])]
    properties += [(EXTERNAL_PROPERTY, f"{path}={file_sha256(path)}") for path in outside]
    for name, value in sorted(properties):
        action.platform.properties.add(name=name, value=value)
    data = serialize(action)
    digest = digest_of(data)
    return digest, {digest: data, command_digest: command_data}
