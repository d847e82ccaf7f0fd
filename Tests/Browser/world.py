"""The processes the browser tests drive: `vigil serve` on a fresh SQLite data directory (with its
demo bank and a person of every role), the local CyberTipline, and a web server for the demo images."""

import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

PASSWORD = "correct horse battery staple"
PEOPLE = {"ada": "admin", "ana": "analyst", "rita": "reviewer", "rob": "reporter", "vic": "viewer", "cur": "curator"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)  # waiting for a process to listen, not ordering events
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


class World:
    """The processes under test and what the flows share."""

    vigil = None
    shots = None
    data = None
    port = None
    base = None
    admin_key = None
    matcher_key = None
    processes = []
    images = None
    image_base = None
    mock_port = None
    state = {}

    @classmethod
    def start(cls, vigil, shots):
        cls.vigil = os.path.abspath(vigil)
        cls.shots = shots
        cls.data = tempfile.mkdtemp(prefix="vigil-browser-")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        for name, role in PEOPLE.items():
            subprocess.run([cls.vigil, "users", "create", name, "--role", role, "--data-dir", cls.data],
                           input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        log = open(os.path.join(cls.data, "serve.log"), "w")
        # A revealed image blurs again by itself after 10 s here (30 s by default): the flow sees it happen.
        serve = subprocess.Popen([cls.vigil, "serve", "--data-dir", cls.data, "--port", str(cls.port), "--fetch-allow", "127.0.0.0/8"],
                                 stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "VIGIL_REVEAL_SECONDS": "10"})
        cls.processes.append(serve)
        # The first start prints the admin key once, on standard output.
        deadline = time.monotonic() + 120
        while cls.admin_key is None and time.monotonic() < deadline:
            line = serve.stdout.readline()
            if not line:
                raise RuntimeError("vigil serve ended before printing its admin key")
            match = re.search(r"(vgl_[A-Za-z0-9_-]{43})", line)
            if match:
                cls.admin_key = match.group(1)
        threading.Thread(target=lambda: serve.stdout.read(), daemon=True).start()
        wait_for_port(cls.port, serve, "vigil serve")
        cls.wait_ready()
        cls.mock_port = free_port()
        mock = subprocess.Popen([cls.vigil, "mock", "ncmec-cybertipline", "--port", str(cls.mock_port)],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(cls.data, "mock.log"), "w"))
        cls.processes.append(mock)
        wait_for_port(cls.mock_port, mock, "the CyberTipline mock")
        cls.images = os.path.join(cls.data, "demo")
        image_port = free_port()
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=cls.images)
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", image_port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        cls.image_base = f"http://127.0.0.1:{image_port}"
        cls.matcher_key = cls.api("POST", "/v1/keys", {"role": "matcher", "label": "photodna-client"})["secret"]

    @classmethod
    def wait_ready(cls):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(cls.base + "/status/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except Exception:
                pass
            time.sleep(0.2)  # waiting for the index to load
        raise RuntimeError("vigil serve was not ready within 60 s")

    @classmethod
    def api(cls, method, path, body=None):
        request = urllib.request.Request(cls.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer " + cls.admin_key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read().decode()
            return json.loads(text) if text else {}

    @classmethod
    def stop(cls):
        for process in cls.processes:
            process.terminate()
        for process in cls.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if os.environ.get("VIGIL_BROWSER_KEEP"):
            print(f"kept {cls.data}", file=sys.stderr)
        else:
            shutil.rmtree(cls.data, ignore_errors=True)
