"""Readiness of every part the service desk needs."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from servicedesk.rasa_client import RasaClient


def database_status(sessions: sessionmaker) -> Dict[str, Any]:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not ready"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


async def system_health(sessions: sessionmaker, rasa: RasaClient) -> Dict[str, Any]:
    """{"ok": all ready, "parts": {name: {"ok": ..., ...}}}."""
    database, rasa_state, actions = await asyncio.gather(
        asyncio.to_thread(database_status, sessions), rasa.rasa_status(),
        rasa.action_server_status())
    parts = {"servicedesk": {"ok": True}, "database": database, "rasa": rasa_state,
             "action_server": actions}
    return {"ok": all(part["ok"] for part in parts.values()), "parts": parts}
