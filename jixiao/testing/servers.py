"""Real servers for tests: an embedded PostgreSQL and a tansu broker, or external ones from the environment.

Set JIXIAO_TEST_POSTGRES_URL (postgresql://user:pw@host:port/db) and/or JIXIAO_TEST_KAFKA_BOOTSTRAP
(host:port) to run the integration tests against servers you already have (e.g. a real Kafka, to test
what tansu lacks); otherwise the servers are started here and stopped at the end of the session.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from jixiao.localstack.broker import TansuBroker
from jixiao.localstack.postgres import EmbeddedPostgres, bin_dir, run_psql

POSTGRES_URL_ENV = "JIXIAO_TEST_POSTGRES_URL"
KAFKA_BOOTSTRAP_ENV = "JIXIAO_TEST_KAFKA_BOOTSTRAP"


class PostgresServer(Protocol):
    """What tests need from a PostgreSQL server, embedded or external."""

    @property
    def url(self) -> str: ...
    @property
    def pid(self) -> int | None: ...
    def url_for(self, database: str) -> str: ...
    def psql(self, sql: str, database: str = "postgres") -> str: ...
    def create_database(self, name: str, *, template: str = "template0", exist_ok: bool = False) -> str: ...
    def drop_database(self, name: str) -> None: ...
    def stop(self) -> None: ...


class KafkaServer(Protocol):
    """What tests need from a Kafka broker, embedded or external."""

    @property
    def bootstrap(self) -> str: ...
    @property
    def pid(self) -> int | None: ...
    def stop(self) -> None: ...


class ExternalPostgres:
    """A PostgreSQL server that runs elsewhere, given by a libpq URL; same helpers as EmbeddedPostgres."""

    pid = None

    def __init__(self, url: str) -> None:
        self.url = url
        self._parts = urlsplit(url)

    def url_for(self, database: str) -> str:
        """SQLAlchemy (asyncpg) URL of `database` on this server."""
        return urlunsplit(self._parts._replace(scheme="postgresql+asyncpg", path=f"/{database}"))

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with the wheel's psql."""
        return run_psql(bin_dir(), urlunsplit(self._parts._replace(path=f"/{database}")), sql)

    create_database = EmbeddedPostgres.create_database
    drop_database = EmbeddedPostgres.drop_database

    def stop(self) -> None:
        """Nothing to stop: we did not start it."""


class ExternalBroker:
    """A Kafka broker that runs elsewhere."""

    pid = None

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def stop(self) -> None:
        """Nothing to stop: we did not start it."""


def scratch_dir(prefix: str = "jixiao-test-") -> Path:
    """A new directory under the system temp dir (world-traversable, unlike pytest's basetemp),
    so that the `embedded_postgres` OS user can reach it when tests run as root."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def initdb_cache() -> Path:
    """Where test servers keep one pristine cluster to copy instead of running initdb each time."""
    return Path(tempfile.gettempdir()) / f"jixiao-initdb-cache-{os.geteuid()}"


def start_test_postgres(log_dir: Path) -> PostgresServer:
    """The external server from $JIXIAO_TEST_POSTGRES_URL, or a new embedded one (fsync off)."""
    if os.environ.get(POSTGRES_URL_ENV):
        return ExternalPostgres(os.environ[POSTGRES_URL_ENV])
    data = scratch_dir("jixiao-test-pg-")
    server = EmbeddedPostgres(data, fsync=False, log_file=log_dir / "postgres.log", initdb_cache=initdb_cache())

    def stop() -> None:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)

    atexit.register(stop)  # in case the session ends without fixture teardown
    try:
        server.start()
    except BaseException:
        stop()
        raise
    server.stop_and_remove = stop  # type: ignore[attr-defined]
    return server


def start_test_broker(log_dir: Path) -> KafkaServer:
    """The external broker from $JIXIAO_TEST_KAFKA_BOOTSTRAP, or a new tansu broker."""
    if os.environ.get(KAFKA_BOOTSTRAP_ENV):
        return ExternalBroker(os.environ[KAFKA_BOOTSTRAP_ENV])
    broker = TansuBroker(log_dir)
    atexit.register(broker.stop)
    try:
        broker.start()
    except BaseException:
        broker.stop()
        raise
    return broker


def stop_server(server: PostgresServer | KafkaServer) -> None:
    """Stop a server from start_test_postgres/start_test_broker (and remove its scratch data)."""
    getattr(server, "stop_and_remove", server.stop)()


@contextlib.contextmanager
def fresh_database(server: PostgresServer, prefix: str = "t", template: str = "template0") -> Iterator[str]:
    """Create an empty database with a unique name, yield its asyncpg URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex}"
    url = server.create_database(name, template=template)
    try:
        yield url
    finally:
        server.drop_database(name)
