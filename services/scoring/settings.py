"""Settings of the scoring service: where the sources' SnapshotService listens (`JIXIAO_*_GRPC`)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from jixiao.registry import SOURCES


class ScoringSettings(BaseSettings):
    """`JIXIAO_INDICATORS_GRPC`, `JIXIAO_SURVEYS_GRPC`, `JIXIAO_INSPECTIONS_GRPC` (host:port; empty = not reconciled: allowed in local mode only, where a close lists it as `unreconciled`)."""

    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore", frozen=True)

    indicators_grpc: str = ""
    surveys_grpc: str = ""
    inspections_grpc: str = ""
    snapshot_timeout_s: float = Field(120.0, gt=0)
    close_poll_interval_ms: int = Field(1000, ge=10, le=60000)

    @field_validator("indicators_grpc", "surveys_grpc", "inspections_grpc")
    @classmethod
    def _host_port(cls, value: str) -> str:
        value = value.strip()
        if value:
            host, sep, port = value.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"a source gRPC address must be host:port, got {value!r}")
        return value

    def missing_sources(self) -> list[str]:
        """The sources without a snapshot address: a close cannot reconcile with them."""
        return [name for name in SOURCES if name not in self.source_targets()]

    def check_for(self, env: str) -> None:
        """Outside local mode every source must be reachable for reconciliation: refuse to start
        rather than grade on whatever Kafka happened to deliver."""
        missing = self.missing_sources()
        if env != "local" and missing:
            names = ", ".join(f"JIXIAO_{name.upper()}_GRPC" for name in missing)
            raise ValueError(f"{names} must be set outside local mode: every close reconciles with every source")

    def source_targets(self) -> dict[str, str]:
        """The configured sources and their gRPC targets, by source name."""
        targets = {
            "indicators": self.indicators_grpc,
            "surveys": self.surveys_grpc,
            "inspections": self.inspections_grpc,
        }
        return {name: target for name, target in targets.items() if target}
