"""The remote cache client keeps one HTTP/1.1 connection per engine thread, reopens one the server
closed while idle, and keeps its size bounds."""
import http.server
import threading

import pytest

from bfbuild.engine.cache import ActionCache, RemoteStore, TooLarge


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as nginx and bazel-remote answer

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connections += 1

    def do_GET(self):
        self.server.requests += 1
        data = self.server.store.get(self.path)
        if self.path.endswith("/huge"):
            self.send_response(200)
            self.send_header("Content-Length", str(2 << 30))
            self.end_headers()
            return
        if data is None:
            body = b"not found"
            self.send_response(404)
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.server.close_after_each:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self.server.requests += 1
        length = int(self.headers["Content-Length"])
        self.server.store[self.path] = self.rfile.read(length)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.store, httpd.connections, httpd.requests, httpd.close_after_each = {}, 0, 0, False
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}/base"
    httpd.shutdown()
    httpd.server_close()


def _spec(tmp_path, n):
    src = tmp_path / f"src{n}.txt"
    src.write_text(f"source {n}")
    out = tmp_path / "out" / f"o{n}.bin"
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(b"bytes %d" % n * 100)
    return {"key": f"k{n}", "inputs": [str(src)], "outputs": [str(out)], "mnemonic": "GEN",
            "owner": f"//t:{n}"}


def test_one_connection_serves_every_request_of_a_thread(tmp_path, server):
    httpd, url = server
    specs = [_spec(tmp_path, n) for n in range(20)]
    writer = ActionCache(None, url)
    for spec in specs:
        writer.store(spec)
    for spec in specs:
        (tmp_path / spec["outputs"][0]).unlink()
    from bfbuild.engine.journal import Journal

    reader = ActionCache(None, url)
    (tmp_path / "state").mkdir()
    journal = Journal(str(tmp_path / "state"))
    assert all(reader.restore(spec, journal) == ("remote", []) for spec in specs)
    # For each action: PUT of the output, the Action, the Command and the entry, then GET of
    # the entry and the output.
    assert httpd.requests == 20 * 6
    assert httpd.connections == 2 and writer.remote.connections == reader.remote.connections == 1
    assert not writer.remote.broken and not reader.remote.broken


def test_a_connection_the_server_closed_is_opened_again(tmp_path, server):
    httpd, url = server
    httpd.close_after_each = True
    store = RemoteStore(url)
    store.put("ac", "a" * 64, b"one")
    assert store.get("ac", "a" * 64) == b"one"
    assert store.get("ac", "a" * 64) == b"one"
    assert store.get("ac", "b" * 64) is None  # a 404 is a miss, not a warning
    assert not store.broken and store.connections >= 3


def test_the_size_bound_holds_on_a_kept_connection(server):
    httpd, url = server
    store = RemoteStore(url)
    with pytest.raises(TooLarge):
        store.get("cas", "huge")
    httpd.store["/base/ac/" + "c" * 64] = b"after"
    assert store.get("ac", "c" * 64) == b"after"  # a fresh connection, nothing left unread


def test_an_unreachable_server_is_one_warning(capsys):
    store = RemoteStore("http://127.0.0.1:9")
    assert store.get("ac", "a" * 64) is None and store.broken
    store.put("ac", "a" * 64, b"x")
    assert capsys.readouterr().out.count("remote cache:") == 1
