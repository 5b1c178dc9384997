"""The Remote Execution API (REAPI v2) as the action cache speaks it: its messages (protos),
action keys as Action digests over a Merkle tree of the inputs (keys), and the gRPC transport
(grpc_store). The HTTP transport is bfbuild.engine.cache_remote."""
