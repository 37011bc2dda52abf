"""All configuration of the service desk, from the environment and `.env`."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseSettings, validator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "var"
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """Settings; `ENVIRONMENT=development` is the only mode with usable default secrets."""

    environment: Literal["development", "production", "test"] = "development"
    port: int = 8000
    database_url: str = f"sqlite:///{DATA_DIR / 'servicedesk.db'}"
    secret_key: str = ""

    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = 8.0

    max_message_chars: int = 2000
    # Rate limits on the public web chat: messages per minute.
    messages_per_minute_per_conversation: int = 20
    messages_per_minute_per_address: int = 60
    conversations_per_minute_per_address: int = 10

    # Personal data: transcripts older than this are anonymised (statistics stay).
    retention_days: int = 365
    retention_check_interval_seconds: int = 3600
    # Rasa's SQL tracker store, so that retention reaches it too ("" = not configured).
    rasa_tracker_db_url: str = f"sqlite:///{DATA_DIR / 'rasa-tracker.db'}"

    default_language: Literal["fi", "sv", "en"] = "fi"

    class Config:
        env_file = ".env"
        env_file_encoding = "utf-8"

    @validator("secret_key", always=True)
    def _secret_outside_development(cls, value: str, values: dict) -> str:
        if value:
            return value
        if values.get("environment") in ("development", "test"):
            return DEVELOPMENT_SECRET
        raise ValueError("SECRET_KEY must be set outside development")


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
