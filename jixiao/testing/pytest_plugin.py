"""Session-wide real servers for integration tests: `pytest_plugins = ["jixiao.testing.pytest_plugin"]`.

Fixtures: pg_server (session), postgres_url (session, libpq URL of the `postgres` database),
database_url (per test: a fresh empty database, postgresql+asyncpg URL, dropped afterwards),
kafka_broker (session), broker_bootstrap (session, "host:port").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jixiao.testing.servers import (
    KafkaServer,
    PostgresServer,
    fresh_database,
    start_test_broker,
    start_test_postgres,
    stop_server,
)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (embedded, fsync off, unless $JIXIAO_TEST_POSTGRES_URL)."""
    server = start_test_postgres(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def postgres_url(pg_server: PostgresServer) -> str:
    """libpq URL of the session server's `postgres` database (for admin work)."""
    return pg_server.url


@pytest.fixture
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test: its postgresql+asyncpg URL; dropped afterwards."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaServer]:
    """A Kafka-compatible broker for the whole session (tansu, unless $JIXIAO_TEST_KAFKA_BOOTSTRAP)."""
    broker = start_test_broker(tmp_path_factory.mktemp("broker"))
    try:
        yield broker
    finally:
        stop_server(broker)


@pytest.fixture(scope="session")
def broker_bootstrap(kafka_broker: KafkaServer) -> str:
    """The session broker's bootstrap servers string, e.g. "127.0.0.1:40123"."""
    return kafka_broker.bootstrap
