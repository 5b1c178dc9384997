"""The remote cache's options and transports without a real server: URLs and headers checked at
the command line, headers and the instance name sent with every request (HTTP headers, gRPC
metadata), and a gRPC server that is not there costing one line."""
import argparse
import http.server
import socket
import threading
from concurrent import futures

import grpc
import pytest

from bfbuild.commands.options import build_options
from bfbuild.engine.cache_remote import RemoteStore, open_remote
from bfbuild.engine.reapi import protos


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse(*argv):
    parser = argparse.ArgumentParser()
    build_options(parser, [])
    return parser.parse_args(list(argv))


def test_cache_urls_and_headers_are_checked_at_the_command_line(capsys):
    options = _parse("--remote-cache", "grpcs://cache.example:443", "--remote-header",
                     "Authorization=Bearer a=b", "--remote-header", "x-team=os",
                     "--remote-instance-name", "ci")
    assert options.remote_header == [("Authorization", "Bearer a=b"), ("x-team", "os")]
    assert options.remote_instance_name == "ci"
    for bad in (("--remote-cache", "ftp://host"), ("--remote-cache", "grpc://"),
                ("--remote-header", "no-equals-sign")):
        with pytest.raises(SystemExit) as exit_:
            _parse(*bad)
        assert exit_.value.code == 2
        assert bad[1] in capsys.readouterr().err


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.seen.append(self.headers.get("Authorization"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_headers_go_with_every_http_request():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        store = open_remote(f"http://127.0.0.1:{httpd.server_address[1]}",
                            [("Authorization", "Bearer secret")])
        assert isinstance(store, RemoteStore)
        assert store.get_action(("a" * 64, 10)) is None
        assert store.get_blobs([("b" * 64, 3)]) == {}
        assert httpd.seen == ["Bearer secret"] * 2 and not store.broken
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Reapi(grpc.GenericRpcHandler):
    """Capabilities and an empty action cache, recording what each call carried."""

    def __init__(self):
        self.seen = []

    def service(self, details):
        name = details.method.rsplit("/", 1)[-1]
        request_type = {"GetCapabilities": protos.GetCapabilitiesRequest,
                        "GetActionResult": protos.GetActionResultRequest}.get(name)
        if request_type is None:
            return None

        def answer(request, context):
            self.seen.append((name, request.instance_name, dict(context.invocation_metadata())))
            if name == "GetCapabilities":
                capabilities = protos.ServerCapabilities()
                capabilities.cache_capabilities.digest_functions.append(1)  # SHA256
                return capabilities
            context.abort(grpc.StatusCode.NOT_FOUND, "no such action")

        return grpc.unary_unary_rpc_method_handler(
            answer, request_deserializer=request_type.FromString,
            response_serializer=lambda message: message.SerializeToString())


def test_grpc_calls_carry_the_instance_name_and_the_headers(capsys):
    handler = _Reapi()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        store = open_remote(f"grpc://127.0.0.1:{port}", [("X-Token", "t0k3n")], "ci/main")
        assert store.get_action(("a" * 64, 10)) is None  # NOT_FOUND: a miss, not a fault
        assert store.get_action(("b" * 64, 10)) is None
    finally:
        server.stop(None)
    assert [(name, instance) for name, instance, _ in handler.seen] == [
        ("GetCapabilities", "ci/main"), ("GetActionResult", "ci/main"), ("GetActionResult", "ci/main")]
    assert all(metadata.get("x-token") == "t0k3n" for _, _, metadata in handler.seen)
    assert not store.broken and "remote cache:" not in capsys.readouterr().out


def test_a_grpc_server_that_is_not_there_is_one_line(capsys):
    store = open_remote(f"grpc://127.0.0.1:{_free_port()}")
    assert store.get_action(("a" * 64, 10)) is None and store.broken
    store.put_blobs({("b" * 64, 1): b"x"})
    assert store.get_blobs([("b" * 64, 1)]) == {}
    out = capsys.readouterr().out
    assert out.count("remote cache:") == 1 and "unreachable" in out and "going on without it" in out


def _self_signed(tmp_path):
    """A key and a certificate for localhost, made here (no file of the repository holds one)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "ca.pem").write_bytes(cert_pem)
    return key_pem, cert_pem


def test_grpcs_verifies_the_server_with_the_given_certificates(tmp_path, monkeypatch, capsys):
    key, cert = _self_signed(tmp_path)
    handler = _Reapi()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
    server.start()
    try:
        monkeypatch.setenv("BFBUILD_REMOTE_TLS_CA", str(tmp_path / "ca.pem"))
        trusting = open_remote(f"grpcs://localhost:{port}")
        assert trusting.get_action(("a" * 64, 10)) is None and not trusting.broken
        assert [name for name, _, _ in handler.seen] == ["GetCapabilities", "GetActionResult"]
        monkeypatch.delenv("BFBUILD_REMOTE_TLS_CA")
        doubting = open_remote(f"grpcs://localhost:{port}")  # the system's roots do not know it
        assert doubting.get_action(("a" * 64, 10)) is None and doubting.broken
    finally:
        server.stop(None)
    assert capsys.readouterr().out.count("remote cache:") == 1


def test_https_verifies_the_server_with_the_given_certificates(tmp_path, monkeypatch, capsys):
    import ssl

    key, cert = _self_signed(tmp_path)
    (tmp_path / "key.pem").write_bytes(key)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "ca.pem", tmp_path / "key.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"https://localhost:{httpd.server_address[1]}"
    try:
        monkeypatch.setenv("BFBUILD_REMOTE_TLS_CA", str(tmp_path / "ca.pem"))
        trusting = open_remote(url, [("Authorization", "Bearer x")])
        assert trusting.get_action(("a" * 64, 10)) is None and not trusting.broken
        assert httpd.seen == ["Bearer x"]
        monkeypatch.delenv("BFBUILD_REMOTE_TLS_CA")
        doubting = open_remote(url)
        assert doubting.get_action(("a" * 64, 10)) is None and doubting.broken
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert capsys.readouterr().out.count("remote cache:") == 1
