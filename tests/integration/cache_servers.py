"""Remote cache servers for the tests, on 127.0.0.1: nginx with WebDAV (Bazel's HTTP cache
protocol) and BuildGrid (REAPI gRPC: CAS, ActionCache and ByteStream on a disk storage). Each
knows its URL, the bfbuild options that reach it, where it keeps blobs on disk, and how to die."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
BGD = Path(sys.executable).with_name("bgd")
INSTANCE = "main"

NGINX_CONFIG = """{user}daemon off;
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

# The configuration docs/caching.md gives, with a port and a folder of the test's own.
BUILDGRID_CONFIG = """server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
storages:
  - !disk-storage &cas
    path: {tmp}/cas
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: {instance}
    services:
      - !action-cache
        cache: *ac
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    name = ""
    url = ""
    options = ()  # bfbuild options beyond --remote-cache URL
    proc = None
    blob_root: Path = None

    def blobs(self):
        """{sha256: path} of the blobs the server keeps on disk: nginx names them by their
        digest, BuildGrid by its last 62 digits in a folder named by the first two."""
        found = {}
        for path in self.blob_root.rglob("*"):
            name = path.parent.name + path.name if len(path.name) == 62 else path.name
            if path.is_file() and len(name) == 64:
                found[name] = path
        return found

    def files(self):
        return sorted(str(p) for p in self.blob_root.parent.rglob("*") if p.is_file())

    def kill(self):
        """SIGKILL to the server and its workers, as a crash or a pulled cable would end it."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class Nginx(Server):
    name = "nginx over HTTP"

    def __init__(self, tmp: Path):
        if NGINX is None:
            pytest.fail("nginx is not installed (./bfw installs it)")
        (tmp / "root").mkdir(parents=True)
        os.chmod(tmp / "root", 0o777)
        port = free_port()
        # As root, nginx's workers would run as nobody, who cannot enter pytest's tmp folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (tmp / "nginx.conf").write_text(NGINX_CONFIG.format(tmp=tmp, port=port, user=user))
        self.root = tmp / "root"
        self.blob_root = self.root / "cas"
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        for _ in range(50):
            try:
                urllib.request.urlopen(self.url + "/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # the server answers (403/404 for the root): it is up
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        pytest.fail(f"nginx did not start: {(tmp / 'error.log').read_text()}")

    def files(self):
        return sorted(str(p) for p in self.root.rglob("*") if p.is_file())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # nginx's master stops its workers
            self.proc.wait(timeout=10)


class BuildGrid(Server):
    name = "BuildGrid over gRPC"

    def __init__(self, tmp: Path):
        if not BGD.exists():
            pytest.fail(f"BuildGrid is not installed ({BGD}; ./bfw installs the dev extra)")
        tmp.mkdir(parents=True, exist_ok=True)
        port = free_port()
        (tmp / "bgd.yml").write_text(BUILDGRID_CONFIG.format(tmp=tmp, port=port, instance=INSTANCE))
        self.blob_root = tmp / "cas"
        self.url = f"grpc://127.0.0.1:{port}"
        self.options = ("--remote-instance-name", INSTANCE)
        self.log = tmp / "bgd.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(BGD), "server", "start", str(tmp / "bgd.yml")],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"BuildGrid did not start: {self.log.read_text()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def action_result(self, digest):
        """The ActionResult under an Action digest, as BuildGrid's own client prints it."""
        import json

        proc = subprocess.run([str(BGD), "actioncache", "--remote", self.url.replace("grpc:", "http:"),
                               "--instance-name", INSTANCE, "get", f"{digest[0]}/{digest[1]}",
                               "--json"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout[proc.stdout.index("{"):])


SERVERS = {"nginx": Nginx, "buildgrid": BuildGrid}
