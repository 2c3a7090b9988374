"""Which servers a test session uses, and testcontainers where a Docker engine exists (a pytest plugin).

- `external`: $JIXIAO_TEST_POSTGRES_URL / $JIXIAO_TEST_KAFKA_BOOTSTRAP name servers you already run;
- `containers`: PostgreSQL and Apache Kafka (KRaft) containers via testcontainers, when a Docker
  engine answers or $JIXIAO_TEST_CONTAINERS=1 — the idempotent producer is switched on
  (`JIXIAO_KAFKA_IDEMPOTENCE=true`), since real Kafka supports it and tansu does not;
- `embedded`: the embedded PostgreSQL and the tansu broker (no Docker, or $JIXIAO_TEST_CONTAINERS=0).

The choice and its reason are printed in the pytest header. Containers start lazily, just before
the `pg_server` / `kafka_broker` fixtures first run, by handing their addresses to those fixtures
through the same variables as `external` (jixiao.testing.servers reads them); a unit-only run starts
nothing.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from jixiao.testing.servers import KAFKA_BOOTSTRAP_ENV, POSTGRES_URL_ENV

MODE_ENV = "JIXIAO_TEST_CONTAINERS"
POSTGRES_IMAGE = "postgres:16"
KAFKA_IMAGE = "apache/kafka:3.9.0"
_ON, _OFF = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Backend:
    """The servers a session uses and why."""

    kind: Literal["external", "containers", "embedded"]
    reason: str

    def header(self) -> str:
        return f"jixiao test servers: {self.kind} ({self.reason})"


def docker_engine(env: Mapping[str, str] = os.environ, timeout: float = 1.0) -> tuple[bool, str]:
    """Whether a Docker engine answers `GET /_ping` at $DOCKER_HOST or /var/run/docker.sock."""
    host = env.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    parts = urlsplit(host)
    try:
        if parts.scheme == "unix":
            if not os.path.exists(parts.path):
                return False, f"no socket at {parts.path}"
            conn: http.client.HTTPConnection = _UnixHTTPConnection(parts.path, timeout)
        elif parts.scheme in ("tcp", "http"):
            conn = http.client.HTTPConnection(parts.hostname or "localhost", parts.port or 2375, timeout=timeout)
        else:
            return False, f"DOCKER_HOST={host} is not unix:// or tcp://"
        conn.request("GET", "/_ping")
        answer = conn.getresponse()
        ok = answer.status == 200
        conn.close()
        return ok, f"Docker engine at {host}" if ok else f"{host} answered {answer.status}"
    except OSError as exc:
        return False, f"no Docker engine at {host} ({type(exc).__name__})"


def select_backend(
    env: Mapping[str, str] = os.environ, docker: Callable[[], tuple[bool, str]] = docker_engine
) -> Backend:
    """The session's servers: external ones if named, else containers if asked or Docker exists, else embedded."""
    named = [name for name in (POSTGRES_URL_ENV, KAFKA_BOOTSTRAP_ENV) if env.get(name)]
    if len(named) == 2:
        return Backend("external", f"{' and '.join(named)} set")
    flag = env.get(MODE_ENV, "").strip().lower()
    if flag in _OFF:
        return Backend("embedded", f"{MODE_ENV}={env[MODE_ENV]}")
    if flag in _ON:
        return Backend("containers", f"{MODE_ENV}={env[MODE_ENV]}")
    if flag:
        raise ValueError(f"{MODE_ENV} must be 1 or 0 (or unset: use Docker when it answers), not {env[MODE_ENV]!r}")
    ok, why = docker()
    return Backend("containers", why) if ok else Backend("embedded", why)


class ContainerServers:
    """PostgreSQL and a single-node KRaft Apache Kafka in containers, started once, on first need."""

    def __init__(self) -> None:
        self._started: list = []

    def postgres_url(self) -> str:
        """libpq URL of the `postgres` database of a new PostgreSQL container."""
        postgres = _testcontainers()[0](
            POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres", driver=None
        )
        postgres.start()
        self._started.append(postgres)
        return postgres.get_connection_url()

    def kafka_bootstrap(self) -> str:
        """host:port of a new Apache Kafka container (KRaft, one node, PLAINTEXT)."""
        generic, wait_for_logs = _testcontainers()[1:]
        port = _free_port()
        kafka = generic(KAFKA_IMAGE).with_bind_ports(9092, port)
        try:
            host = kafka.get_container_host_ip()
        except Exception:
            host = "localhost"
        for key, value in {
            "KAFKA_NODE_ID": "1",
            "KAFKA_PROCESS_ROLES": "broker,controller",
            "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
            "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
            "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
            "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
            "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        }.items():
            kafka.with_env(key, value)
        kafka.start()
        self._started.append(kafka)
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        return f"{host}:{port}"

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()


def _testcontainers() -> tuple:
    """(PostgresContainer, DockerContainer, wait_for_logs), installing testcontainers when missing."""
    try:
        import testcontainers  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "testcontainers>=4.8"], check=True)
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        from testcontainers.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    return PostgresContainer, DockerContainer, wait_for_logs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


# -- the pytest plugin ------------------------------------------------------------------------------

_backend: Backend | None = None
_servers = ContainerServers()


def pytest_configure(config) -> None:
    global _backend
    _backend = select_backend()


def pytest_report_header(config) -> str:
    return (_backend or select_backend()).header()


def pytest_sessionstart(session) -> None:
    """`pytest -q` hides the header: say it anyway, the servers a run used matter."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and session.config.option.verbose < 0 and _backend is not None:
        reporter.write_line(_backend.header())


def pytest_fixture_setup(fixturedef, request) -> None:
    """Before the session servers' fixtures run, start the matching container and name it to them."""
    if _backend is None or _backend.kind != "containers":
        return
    if fixturedef.argname == "pg_server" and not os.environ.get(POSTGRES_URL_ENV):
        os.environ[POSTGRES_URL_ENV] = _servers.postgres_url()
    elif fixturedef.argname == "kafka_broker" and not os.environ.get(KAFKA_BOOTSTRAP_ENV):
        os.environ[KAFKA_BOOTSTRAP_ENV] = _servers.kafka_bootstrap()
        os.environ.setdefault("JIXIAO_KAFKA_IDEMPOTENCE", "true")  # real Kafka: exercise it


def pytest_unconfigure(config) -> None:
    _servers.stop()
