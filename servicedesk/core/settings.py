"""All configuration of the service desk, from the environment and `.env`."""

from __future__ import annotations

import functools
import ipaddress
import re
import ssl
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseSettings, SecretStr, validator

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
    # Rasa's HTTP API token (`rasa run --auth-token`); `make run` makes a new one per start.
    rasa_auth_token: SecretStr = SecretStr("")

    max_message_chars: int = 2000
    # The edge (servicedesk/core/edge.py). TRUSTED_PROXIES: comma-separated addresses or
    # networks of the reverse proxies whose X-Forwarded-For is believed (none by default).
    trusted_proxies: str = ""
    max_request_bytes: int = 256 * 1024
    # Origins that may frame the demo page and the widget (the city's own sites).
    widget_frame_origins: str = ""
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

    # Managers' dashboard (servicedesk/stats): on sensitive topics (child welfare, social
    # services) counts below this are suppressed, so that no resident can be recognised.
    stats_min_cell_size: int = 5

    # E-mail and web form (connectors/email.py, servicedesk/webform). The SMTP endpoint
    # runs inside the service desk's process; None = on in development only.
    email_enabled: Optional[bool] = None
    email_inbound_host: str = "127.0.0.1"
    email_inbound_port: int = 2525
    # Recipients the endpoint accepts (comma-separated); others get 550.
    email_inbound_addresses: str = "palvelu@porvoo.example"
    # The relay that sends acknowledgements and staff answers ("" = no sending).
    email_outbound_host: str = "127.0.0.1"
    email_outbound_port: int = 1025
    # Its security: "starttls" (usually port 587) or "tls" (implicit TLS, port 465);
    # "none" only for a relay on this host or in development. Certificates are always
    # verified: against the system's CAs, or only those in EMAIL_OUTBOUND_CA_FILE (PEM,
    # for a private CA). A username turns on AUTH; the password is never logged.
    email_outbound_tls: Literal["none", "starttls", "tls"] = "none"
    email_outbound_username: str = ""
    email_outbound_password: SecretStr = SecretStr("")
    email_outbound_ca_file: str = ""
    email_from_address: str = "palvelu@porvoo.example"
    email_max_message_bytes: int = 10 * 1024 * 1024
    email_max_text_chars: int = 20000
    # Attachments: "refuse" the mail, or "store" them (never opened) up to the size limit.
    email_attachment_policy: Literal["refuse", "store"] = "refuse"
    email_max_attachment_bytes: int = 5 * 1024 * 1024
    email_messages_per_minute_per_sender: int = 5
    email_messages_per_minute_per_ip: int = 30
    webform_max_message_chars: int = 5000
    webform_submissions_per_minute_per_address: int = 5
    webform_token_max_age_seconds: int = 4 * 3600

    # Telegram (connectors/telegram.py): "webhook" in production, "polling" in development
    # (no public address needed), "off" by default. The token comes from the environment.
    telegram_mode: Literal["off", "webhook", "polling"] = "off"
    telegram_bot_token: SecretStr = SecretStr("")
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; required in webhook mode.
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_base_url: str = "https://api.telegram.org/bot"
    # The public https address of /telegram/webhook; when set, registered at start-up.
    telegram_webhook_url: str = ""

    # Staff console: log-in lock-out and session lifetime. The session cookie is Secure
    # (browsers accept it on https and on http://localhost / 127.0.0.1).
    # The account-wide ceiling: failures from anywhere before the account waits
    # CONSOLE_LOCKOUT_MINUTES (each address and account also backs off on its own).
    console_max_failed_logins: int = 100
    console_lockout_minutes: int = 15
    console_session_hours: int = 10

    class Config:
        env_file = ".env"
        env_file_encoding = "utf-8"

    @validator("telegram_webhook_secret", always=True)
    def _telegram_configured(cls, value: SecretStr, values: dict) -> SecretStr:
        mode = values.get("telegram_mode")
        token = values.get("telegram_bot_token")
        if mode != "off" and not (token and token.get_secret_value()):
            raise ValueError("TELEGRAM_BOT_TOKEN must be set when TELEGRAM_MODE is not off")
        if mode == "webhook" and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}",
                                                  value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET (16-256 of A-Z a-z 0-9 _ -) must be "
                             "set in webhook mode")
        return value

    @validator("email_outbound_ca_file", always=True)
    def _outbound_relay_secured(cls, value: str, values: dict) -> str:
        """E-mail channel: login and TLS settings that make sense together."""
        tls, username = values.get("email_outbound_tls"), values.get("email_outbound_username")
        password = values.get("email_outbound_password")
        if bool(username) != bool(password and password.get_secret_value()):
            raise ValueError("EMAIL_OUTBOUND_USERNAME and EMAIL_OUTBOUND_PASSWORD must be "
                             "set together")
        if username and tls == "none" and values.get("environment") != "development":
            raise ValueError("EMAIL_OUTBOUND_USERNAME needs EMAIL_OUTBOUND_TLS=starttls or "
                             "tls outside development: the password would go in clear text")
        if value and tls == "none":
            raise ValueError("EMAIL_OUTBOUND_CA_FILE is only used with EMAIL_OUTBOUND_TLS="
                             "starttls or tls")
        if value:
            try:
                ssl.create_default_context(cafile=value)
            except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
                raise ValueError(f"EMAIL_OUTBOUND_CA_FILE {value}: not a readable PEM file "
                                 f"of CA certificates ({error})") from None
        return value

    @validator("secret_key", always=True)
    def _secret_outside_development(cls, value: str, values: dict) -> str:
        if value:
            return value
        if values.get("environment") in ("development", "test"):
            return DEVELOPMENT_SECRET
        raise ValueError("SECRET_KEY must be set outside development")

    @validator("trusted_proxies")
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in filter(None, (v.strip() for v in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {entry!r} is no address or network"
                                 ) from None
        return value


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
