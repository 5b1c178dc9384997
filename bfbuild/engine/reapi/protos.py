"""The REAPI v2 and ByteStream message classes, from descriptors.py (regenerate.py writes it).

They live in a descriptor pool of their own, not protobuf's default pool, so that bfbuild and
another program's copy of the same protos (BuildGrid's, a plugin's) can share one process."""
from __future__ import annotations

import base64
import zlib

from google.protobuf import (any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, empty_pb2,
                             message_factory, timestamp_pb2, wrappers_pb2)

from bfbuild.engine.reapi.descriptors import FILES

REAPI = "build.bazel.remote.execution.v2."
BYTESTREAM = "google.bytestream."

_pool = descriptor_pool.DescriptorPool()
for _module in (descriptor_pb2, any_pb2, duration_pb2, empty_pb2, timestamp_pb2, wrappers_pb2):
    _pool.AddSerializedFile(_module.DESCRIPTOR.serialized_pb)
for _name, _data in FILES:
    _pool.AddSerializedFile(zlib.decompress(base64.b64decode(_data)))


def message(full_name: str):
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(full_name))


Digest = message(REAPI + "Digest")
Action = message(REAPI + "Action")
Command = message(REAPI + "Command")
Platform = message(REAPI + "Platform")
Directory = message(REAPI + "Directory")
FileNode = message(REAPI + "FileNode")
DirectoryNode = message(REAPI + "DirectoryNode")
ActionResult = message(REAPI + "ActionResult")
OutputFile = message(REAPI + "OutputFile")
GetActionResultRequest = message(REAPI + "GetActionResultRequest")
UpdateActionResultRequest = message(REAPI + "UpdateActionResultRequest")
FindMissingBlobsRequest = message(REAPI + "FindMissingBlobsRequest")
FindMissingBlobsResponse = message(REAPI + "FindMissingBlobsResponse")
BatchUpdateBlobsRequest = message(REAPI + "BatchUpdateBlobsRequest")
BatchUpdateBlobsResponse = message(REAPI + "BatchUpdateBlobsResponse")
BatchReadBlobsRequest = message(REAPI + "BatchReadBlobsRequest")
BatchReadBlobsResponse = message(REAPI + "BatchReadBlobsResponse")
GetCapabilitiesRequest = message(REAPI + "GetCapabilitiesRequest")
ServerCapabilities = message(REAPI + "ServerCapabilities")
ReadRequest = message(BYTESTREAM + "ReadRequest")
ReadResponse = message(BYTESTREAM + "ReadResponse")
WriteRequest = message(BYTESTREAM + "WriteRequest")
WriteResponse = message(BYTESTREAM + "WriteResponse")
