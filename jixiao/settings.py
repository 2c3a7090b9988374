"""Typed settings, one class per concern, all read from `JIXIAO_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from jixiao.registry import SERVICES, ServiceName  # noqa: F401  (SERVICES: re-exported for settings users)

_DEFAULT_SECRET = "local-development-only-not-a-secret"  # 32+ characters, as HS256 wants


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore", frozen=True)


class DatabaseSettings(_Base):
    """Where a service keeps its schema: `JIXIAO_DATABASE_URL` (postgresql+asyncpg://...)."""

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jixiao"
    database_pool_size: int = Field(5, ge=1, le=100)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://")):
            raise ValueError("JIXIAO_DATABASE_URL must be a PostgreSQL URL (postgresql+asyncpg://user@host:port/db)")
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value


class KafkaSettings(_Base):
    """The broker: `JIXIAO_KAFKA_BOOTSTRAP`, partitions per topic, optional idempotent producer."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = Field(12, ge=1, le=1000)
    kafka_replication: int = Field(1, ge=1, le=5)
    # Real Kafka supports it; the local tansu broker rejects InitProducerId, so it is off by default.
    kafka_idempotence: bool = False
    kafka_request_timeout_ms: int = Field(30000, ge=6000)
    # The longest a consumer's fetch waits at the broker for new records. Kafka answers a waiting
    # fetch as soon as records arrive; the local tansu broker does not, so there each consumer hop
    # waited about half of aiokafka's 500 ms default (measured: p50 115 ms at 500, 8 ms at 50).
    # 50 ms costs an idle consumer 20 empty fetches a second; on real Kafka 500 is as fast.
    kafka_fetch_max_wait_ms: int = Field(50, ge=1, le=10000)
    # Largest event (envelope + key) an outbox accepts: under Kafka's default 1 MiB message limit
    # with room for the record and batch headers; a larger one is refused when it is written.
    kafka_max_event_bytes: int = Field(900_000, ge=1024, le=1_000_000)
    # Times the broker may refuse one outbox row before it is moved to outbox_dead_letters.
    kafka_publish_max_attempts: int = Field(5, ge=1, le=1000)
    # Real Kafka in production: all in-sync replicas acknowledge (with min.insync.replicas=2 a write
    # survives a broker loss); "1" only for brokers with fewer replicas than that.
    kafka_acks: Literal["all", "1"] = "all"
    # How the clients reach the brokers: PLAINTEXT on one machine; SASL_SSL (SCRAM) in production.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None  # the cluster CA (PEM); empty: the system's trust store
    kafka_ssl_certfile: Path | None = None  # client certificate (PEM) for mutual TLS
    kafka_ssl_keyfile: Path | None = None  # its private key (PEM)
    kafka_ssl_check_hostname: bool = True
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @model_validator(mode="after")
    def _consistent_security(self) -> KafkaSettings:
        if self.kafka_idempotence and self.kafka_acks != "all":
            raise ValueError("JIXIAO_KAFKA_IDEMPOTENCE needs JIXIAO_KAFKA_ACKS=all")
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()
        ):
            raise ValueError(
                f"JIXIAO_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "JIXIAO_KAFKA_SASL_USERNAME and JIXIAO_KAFKA_SASL_PASSWORD"
            )
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("JIXIAO_KAFKA_SSL_CERTFILE and JIXIAO_KAFKA_SSL_KEYFILE go together")
        return self

    @property
    def kafka_tls(self) -> bool:
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")

    @field_validator("kafka_bootstrap")
    @classmethod
    def _host_port(cls, value: str) -> str:
        for part in value.split(","):
            host, sep, port = part.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"JIXIAO_KAFKA_BOOTSTRAP must be host:port[,host:port], got {value!r}")
        return value


class ServiceSettings(_Base):
    """How one service process listens and behaves."""

    service: ServiceName = "indicators"
    env: Literal["local", "production"] = "local"
    http_host: str = "127.0.0.1"  # 0.0.0.0 in a container, so the Service can reach it
    http_port: int = Field(8000, ge=0, le=65535)
    grpc_host: str = "127.0.0.1"  # 0.0.0.0 in a container, so scoring reaches indicators:50051
    grpc_port: int = Field(0, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    secret_key: str = _DEFAULT_SECRET
    migrate_on_start: bool | None = None  # default: yes in local mode, no in production
    relay_interval_ms: int = Field(200, ge=10, le=60000)
    auth: bool | None = None  # bearer tokens required; default: off in local mode, on in production
    outbox_retention_hours: int = Field(168, ge=0)  # published outbox rows kept this long; 0 = forever
    # Applied inbox rows kept this long (0 = forever). Keep it longer than the topics' retention:
    # an event older than its inbox row's pruning could otherwise be replayed and applied twice.
    inbox_retention_hours: int = Field(720, ge=0)
    # Records one consumer batch takes at most (one transaction). Under a backlog a larger batch
    # means fewer recomputes: scoring scores a unit once per batch however many of its events it holds.
    consumer_max_records: int = Field(5000, ge=1, le=100000)
    # Request bodies, per route class (413 before the body is buffered): JSON requests, `/v1/import`
    # bundles, multipart uploads (evidence, Excel templates, survey frames).
    http_max_body_bytes: int = Field(1 << 20, ge=1024)
    http_max_import_bytes: int = Field(32 << 20, ge=1024)
    http_max_upload_bytes: int = Field(25 << 20, ge=1024)
    # Revoked token ids (`jixiao token revoke`) are re-read from the shared `auth` schema this often.
    revocation_refresh_s: float = Field(15.0, ge=0.1, le=3600)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> ServiceSettings:
        if self.env == "production" and self.secret_key == _DEFAULT_SECRET:
            raise ValueError("JIXIAO_SECRET_KEY must be set outside local mode")
        if self.env == "production" and self.auth is False:
            raise ValueError(
                "JIXIAO_AUTH=false is refused with JIXIAO_ENV=production: every caller "
                "would be an all-powerful local operator"
            )
        if self.auth and self.secret_key == _DEFAULT_SECRET:
            raise ValueError(
                "JIXIAO_AUTH=true needs a JIXIAO_SECRET_KEY of your own: the default one "
                "is published, so anyone could sign tokens"
            )
        if self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("JIXIAO_SECRET_KEY must be at least 32 characters outside local mode (it signs tokens)")
        return self

    @property
    def auth_required(self) -> bool:
        return self.env == "production" if self.auth is None else self.auth

    def body_limit(self, scope: dict) -> int:
        """The request-body limit of a route class: imports, multipart uploads, everything else."""
        if scope.get("path", "").rstrip("/").endswith("/import"):
            return self.http_max_import_bytes
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        if content_type.lower().startswith(b"multipart/form-data"):
            return self.http_max_upload_bytes
        return self.http_max_body_bytes

    @property
    def migrate(self) -> bool:
        return self.env == "local" if self.migrate_on_start is None else self.migrate_on_start


class DataSettings(_Base):
    """Where the local stack keeps its files: `JIXIAO_DATA_DIR` (default ./.jixiao)."""

    data_dir: Path = Path(".jixiao")


@lru_cache
def service_settings() -> ServiceSettings:
    return ServiceSettings()


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@lru_cache
def kafka_settings() -> KafkaSettings:
    return KafkaSettings()


def _snapshot_host_port(value: str) -> str:
    value = value.strip()
    if value:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"a SnapshotService gRPC address must be host:port, got {value!r}")
    return value


class SnapshotTargets(_Base):
    """Where each source's SnapshotService listens: `JIXIAO_<SOURCE>_GRPC` (host:port; empty = none)."""

    indicators_grpc: str = ""
    surveys_grpc: str = ""
    inspections_grpc: str = ""
    scoring_grpc: str = ""
    snapshot_timeout_s: float = Field(120.0, gt=0)

    @field_validator("indicators_grpc", "surveys_grpc", "inspections_grpc", "scoring_grpc")
    @classmethod
    def _check(cls, value: str) -> str:
        return _snapshot_host_port(value)

    def targets(self, sources: list[str] | tuple[str, ...]) -> dict[str, str]:
        """The configured ones of these sources, by source name."""
        return {s: getattr(self, f"{s}_grpc") for s in sources if getattr(self, f"{s}_grpc", "")}
