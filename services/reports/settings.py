"""Settings only the reports service reads (`JIXIAO_*`); the kernel's settings stay as they are."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReportsSettings(BaseSettings):
    """`JIXIAO_TIMEZONE`: the county's time zone for every time shown; `JIXIAO_SCORING_URL`: scoring's REST
    base URL for score-card explanations (`jixiao up` sets it; empty = cards without explanations)."""

    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore", frozen=True)

    timezone: str = "Asia/Shanghai"
    scoring_url: str = ""
    scoring_timeout_s: float = 10.0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"JIXIAO_TIMEZONE {value!r} is not a known time zone") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
