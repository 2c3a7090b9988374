"""The one-machine stack: embedded PostgreSQL, the tansu broker and a process supervisor."""

from jixiao.localstack.broker import BrokerError, TansuBroker, kafka_answers, tansu_binary
from jixiao.localstack.ports import free_port, free_ports, port_is_free, port_is_open
from jixiao.localstack.postgres import EmbeddedPostgres, PostgresError, asyncpg_url
from jixiao.localstack.supervisor import (
    Child,
    ChildSpec,
    ChildStartError,
    LocalStackError,
    Supervisor,
    SupervisorError,
)

__all__ = [
    "BrokerError",
    "Child",
    "ChildSpec",
    "ChildStartError",
    "EmbeddedPostgres",
    "LocalStackError",
    "PostgresError",
    "Supervisor",
    "SupervisorError",
    "TansuBroker",
    "asyncpg_url",
    "free_port",
    "free_ports",
    "kafka_answers",
    "port_is_free",
    "port_is_open",
    "tansu_binary",
]
