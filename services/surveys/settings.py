"""The surveys service's own settings: the key that encrypts respondents' personal data."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.surveys.adapters.pii import PiiError, validate_key

# Published on purpose (sha256 of a fixed phrase): it only ever protects local test data.
DEFAULT_PII_KEY = "jYElLskeb5WTp904UEYJiFtANfyJ5ECOLvD50xBWrNo="


class SurveysSettings(BaseSettings):
    """`JIXIAO_PII_KEY` (a secret; the default is refused outside local mode) and `JIXIAO_ENV`."""

    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore", frozen=True)

    env: Literal["local", "production"] = "local"
    pii_key: SecretStr = SecretStr(DEFAULT_PII_KEY)
    pii_previous_keys: tuple[SecretStr, ...] = ()  # decrypt-only, during a key rotation

    @model_validator(mode="after")
    def _no_default_key_in_production(self) -> SurveysSettings:
        if self.env != "local" and self.pii_key.get_secret_value() == DEFAULT_PII_KEY:
            raise ValueError("JIXIAO_PII_KEY must be set outside local mode")
        try:
            validate_key(self.pii_key.get_secret_value())
        except PiiError as exc:
            raise ValueError(f"JIXIAO_PII_KEY: {exc}") from None
        return self

    def check_against(self, env: str) -> None:
        """Refuse the default key when the service itself runs outside local mode."""
        if env != "local" and self.pii_key.get_secret_value() == DEFAULT_PII_KEY:
            raise ValueError("JIXIAO_PII_KEY must be set outside local mode")
