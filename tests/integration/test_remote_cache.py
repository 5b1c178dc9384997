"""The action cache against a real HTTP cache server: nginx with WebDAV on 127.0.0.1, speaking
the protocol of Bazel's HTTP cache (GET/PUT /ac/<key>, /cas/<sha256>)."""
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.integration.conftest import copy_workspace

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
IMAGE = "bfout/i686-off-clang/images/tinyllama/tinyllama.img"

CONFIG = """{user}daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/root;
        client_max_body_size 256m;
        location / {{
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:rw all:rw;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cache_server(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed (./bfw installs it)")
    tmp = tmp_path / "nginx"
    (tmp / "root").mkdir(parents=True)
    os.chmod(tmp / "root", 0o777)
    port = _free_port()
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private tmp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(CONFIG.format(tmp=tmp, port=port, user=user))
    proc = subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # the server answers (403/404 for the root): it is up
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"nginx did not start: {(tmp / 'error.log').read_text()}")
    yield url, tmp / "root"
    proc.terminate()
    proc.wait(timeout=10)


def _build(workspace, url, *extra, check=0):
    return workspace.bfbuild("build", "//images:tinyllama", "--no-cache", "--remote-cache", url,
                             *extra, check=check)


def _compiles(workspace):
    return [r for r in workspace.executed() if r["mnemonic"] == "CC" and not r.get("cache")]


def test_a_second_clean_clone_builds_from_the_remote_cache_without_compiling(tmp_path, cache_server):
    url, root = cache_server
    first = copy_workspace(tmp_path / "first")
    _build(first, url)
    assert len(_compiles(first)) > 20
    assert list(root.glob("ac/*")) and list(root.glob("cas/*"))

    second = copy_workspace(tmp_path / "second")
    proc = _build(second, url)
    assert _compiles(second) == []
    assert all(r["cache"] == "remote" for r in second.executed())
    assert "0 action(s) run" in proc.stdout
    assert second.path(IMAGE).read_bytes() == first.path(IMAGE).read_bytes()


def test_a_corrupted_blob_is_discarded_and_rebuilt(tmp_path, cache_server):
    url, root = cache_server
    first = copy_workspace(tmp_path / "first")
    _build(first, url)
    # Corrupt the stored image itself: same size, other bytes.
    image_bytes = first.path(IMAGE).read_bytes()
    victim = next(p for p in root.glob("cas/*") if p.read_bytes() == image_bytes)
    victim.write_bytes(bytes(b ^ 0xFF for b in image_bytes))

    second = copy_workspace(tmp_path / "second")
    proc = _build(second, url)
    assert "cache: discarded the entry of IMAGE //images:tinyllama" in proc.stdout
    assert "a corrupted remote blob for " + IMAGE in proc.stdout
    images = [r for r in second.executed() if r["mnemonic"] == "IMAGE"]
    assert images and images[0]["cache"] is None  # rebuilt, not taken from the cache
    assert second.path(IMAGE).read_bytes() == image_bytes


def test_read_only_mode_never_writes_to_the_server(tmp_path, cache_server):
    url, root = cache_server
    first = copy_workspace(tmp_path / "first")
    _build(first, url)
    stored = sorted(p.name for p in root.rglob("*") if p.is_file())
    untrusted = copy_workspace(tmp_path / "untrusted")
    untrusted.append("kernel/runtime/string.c", "\nint bf_ro_probe(void);\nint bf_ro_probe(void) { return 5; }\n")
    _build(untrusted, url, "--remote-cache-readonly")
    assert [Path_stem(r) for r in _compiles(untrusted)] == ["string"]
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == stored


def test_an_unreachable_server_only_costs_a_warning(workspace):
    proc = _build(workspace, f"http://127.0.0.1:{_free_port()}")
    assert "remote cache: http://127.0.0.1:" in proc.stdout and "going on without it" in proc.stdout
    assert workspace.path(IMAGE).exists()


def Path_stem(record):
    return os.path.splitext(os.path.basename(record["outputs"][0]))[0]
