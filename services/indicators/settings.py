"""Settings of the indicators service: where evidence files go and what may be uploaded."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.indicators.domain.evidence import DEFAULT_TYPES, UploadLimits


class IndicatorsSettings(BaseSettings):
    """`JIXIAO_EVIDENCE_DIR` (empty: files are kept in the database), `JIXIAO_EVIDENCE_MAX_BYTES`,
    `JIXIAO_EVIDENCE_TYPES` (comma-separated media types), `JIXIAO_UPLOAD_MAX_BYTES` (Excel uploads)."""

    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore", frozen=True)

    evidence_dir: Path | None = None
    evidence_max_bytes: int = Field(20 * 1024 * 1024, ge=1)
    evidence_types: tuple[str, ...] = DEFAULT_TYPES
    upload_max_bytes: int = Field(10 * 1024 * 1024, ge=1)

    @field_validator("evidence_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("evidence_types", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(t.strip().lower() for t in value.split(",") if t.strip())
        if not value:
            raise ValueError("name at least one media type, e.g. application/pdf,image/jpeg")
        return value

    def evidence_limits(self) -> UploadLimits:
        return UploadLimits(max_bytes=self.evidence_max_bytes, types=frozenset(self.evidence_types))
