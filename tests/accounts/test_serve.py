"""`kehu serve` runs a real gunicorn that answers HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="runs on its own throw-away SQLite database")
def test_serve_answers_on_the_bound_port(tmp_path):
    env = {**os.environ, "KEHU_DATA_DIR": str(tmp_path), "KEHU_TESTING": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "kehu.cli", "migrate", "-v", "0"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "kehu.cli", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    assert r.status == 200 and r.read() == b'{"status": "ok"}'
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:  # noqa: S310
            assert r.status == 200
            assert b"csrfmiddlewaretoken" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert b"Listening at: http://127.0.0.1" in server.stdout.read()
