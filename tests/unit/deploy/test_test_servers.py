"""Which servers a test session picks, and why (jixiao.testing.containers); printed in the pytest header."""

from __future__ import annotations

import http.server
import os
import socket
import socketserver
import subprocess
import sys
import threading

import pytest

from jixiao.testing.containers import MODE_ENV, Backend, docker_engine, select_backend
from jixiao.testing.servers import KAFKA_BOOTSTRAP_ENV, POSTGRES_URL_ENV

pytestmark = pytest.mark.unit


def docker_up() -> tuple[bool, str]:
    return True, "Docker engine at unix:///var/run/docker.sock"


def docker_down() -> tuple[bool, str]:
    return False, "no socket at /var/run/docker.sock"


@pytest.mark.parametrize(
    "env, docker, want",
    [
        ({}, docker_down, Backend("embedded", "no socket at /var/run/docker.sock")),
        ({}, docker_up, Backend("containers", "Docker engine at unix:///var/run/docker.sock")),
        ({MODE_ENV: "1"}, docker_down, Backend("containers", f"{MODE_ENV}=1")),
        ({MODE_ENV: "0"}, docker_up, Backend("embedded", f"{MODE_ENV}=0")),
        (
            {POSTGRES_URL_ENV: "postgresql://p@h/db", KAFKA_BOOTSTRAP_ENV: "h:9092", MODE_ENV: "1"},
            docker_up,
            Backend("external", f"{POSTGRES_URL_ENV} and {KAFKA_BOOTSTRAP_ENV} set"),
        ),
        # one external server named: the other still comes from containers or embedded
        ({KAFKA_BOOTSTRAP_ENV: "h:9092"}, docker_down, Backend("embedded", "no socket at /var/run/docker.sock")),
    ],
    ids=["no-docker", "docker", "forced-on", "forced-off", "external", "half-external"],
)
def test_the_backend_and_its_reason(env, docker, want):
    assert select_backend(env, docker) == want


def test_a_mistyped_switch_is_refused():
    with pytest.raises(ValueError, match=MODE_ENV):
        select_backend({MODE_ENV: "maybe"}, docker_down)


def test_docker_is_detected_by_pinging_the_engine(tmp_path):
    path = tmp_path / "docker.sock"
    assert docker_engine({"DOCKER_HOST": f"unix://{path}"}) == (False, f"no socket at {path}")

    class Ping(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/_ping" else 404)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

        def get_request(self):
            request, _ = super().get_request()
            return request, ("local", 0)

    with UnixServer(str(path), Ping) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert docker_engine({"DOCKER_HOST": f"unix://{path}"}) == (True, f"Docker engine at unix://{path}")
        finally:
            server.shutdown()
    with socket.socket() as s:  # a closed TCP port: no engine there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ok, why = docker_engine({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
    assert (ok, why.startswith(f"no Docker engine at tcp://127.0.0.1:{port}")) == (False, True)


def test_the_choice_is_printed_in_the_pytest_header(tmp_path):
    """pytest_report_header gives the header line; under `-q` (as `make test` runs) it is written anyway."""
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_TEST_")} | {MODE_ENV: "0"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "jixiao.testing.containers",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_x.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert f"jixiao test servers: embedded ({MODE_ENV}=0)" in done.stdout.splitlines(), done.stdout + done.stderr
    from jixiao.testing import containers

    assert containers.pytest_report_header(None).startswith("jixiao test servers: ")
