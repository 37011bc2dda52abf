"""No conversation id, token or client address in the server's own log lines.

uvicorn logs every WebSocket it accepts as `<client> - "WebSocket <path>" [accepted]`,
and the path of a widget's socket holds the conversation id, which is the bearer secret
of the conversation. This filter rewrites such records of uvicorn's loggers: ids and
tokens in paths become `…`, query strings go, client addresses become `-`.
"""

from __future__ import annotations

import logging
import re

_SECRET_IN_PATH = re.compile(
    r"(/(?:conversations|items|users|telegram/webhook)/)[^/\s\"?]+")
_QUERY = re.compile(r"\?[^\s\"]*")
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9a-fA-F:]+\](?::\d+)?")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def redact(message: str) -> str:
    message = _SECRET_IN_PATH.sub(r"\1…", message)
    message = _QUERY.sub("", message)
    return _ADDRESS.sub("-", message)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def install() -> None:
    """Adds the filter to uvicorn's loggers (once)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
