"""Keep the bot token (and the webhook secret) out of the logs.

The token is part of every Bot API URL, and python-telegram-bot shows it in the repr of
its Bot; httpx logs each request's URL at INFO. A filter on those libraries' loggers
(and ours) replaces the secrets in every record; httpx's request lines and the library's
DEBUG records (which show whole updates, i.e. residents' messages) are not logged.
"""

from __future__ import annotations

import logging
from typing import Iterable, List

REDACTED = "<redacted>"
LOGGER_PREFIXES = ("httpx", "httpcore", "telegram", "connectors")


class TokenRedactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]
        self._loggers: List[logging.Logger] = []

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def install(self) -> None:
        """Filter the loggers of httpx, httpcore, python-telegram-bot and the connectors."""
        # httpx logs every URL at INFO; python-telegram-bot logs whole updates at DEBUG.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("telegram").setLevel(logging.INFO)
        names = [name for name in logging.root.manager.loggerDict
                 if name.split(".")[0] in LOGGER_PREFIXES]
        for name in {*names, *LOGGER_PREFIXES}:
            target = logging.getLogger(name)
            target.addFilter(self)
            self._loggers.append(target)

    def uninstall(self) -> None:
        for target in self._loggers:
            target.removeFilter(self)
        self._loggers.clear()
