"""Retention of personal data: old transcripts are anonymised, statistics are kept.

Message texts, buttons, internal notes and contact details of conversations inactive
for longer than the retention period are erased; the conversation's channel, language,
topics, outcomes and times stay for the anonymous statistics. The same conversations are
deleted from Rasa's tracker store when its database is configured. Expired staff
sessions are deleted on the same round.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import bindparam, create_engine, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from servicedesk import schema
from servicedesk.console.models import HandoffNote, StaffSession
from servicedesk.core.db import transaction
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.models import Conversation, Handoff, Message

logger = logging.getLogger(__name__)


def anonymise_expired(session: Session, *, older_than: datetime) -> List[str]:
    """Erase the personal data of conversations inactive since before `older_than`."""
    expired = list(session.execute(
        select(Conversation.id).where(Conversation.last_activity_at < older_than,
                                      Conversation.anonymised_at.is_(None))).scalars())
    if not expired:
        return []
    session.execute(update(Message).where(Message.conversation_id.in_(expired))
                    .values(text="", buttons=None).execution_options(synchronize_session=False))
    session.execute(update(Handoff).where(Handoff.conversation_id.in_(expired))
                    .values(contact_details=None).execution_options(synchronize_session=False))
    expired_handoffs = select(Handoff.id).where(Handoff.conversation_id.in_(expired))
    session.execute(update(HandoffNote).where(HandoffNote.handoff_id.in_(expired_handoffs))
                    .values(text="").execution_options(synchronize_session=False))
    _erase_marked_columns(session, expired)
    session.execute(update(Conversation).where(Conversation.id.in_(expired))
                    .values(anonymised_at=utcnow()).execution_options(synchronize_session=False))
    return expired


def _erase_marked_columns(session: Session, expired: List[str]) -> None:
    """Channels' own personal data: columns marked `info={"personal": True}` (set to NULL)
    in every table keyed by conversation_id (e.g. e-mail addresses, names, phones)."""
    for table in schema.metadata.sorted_tables:
        personal = {c.name: None for c in table.columns if c.info.get("personal")}
        if personal and "conversation_id" in table.c:
            session.execute(update(table).where(table.c.conversation_id.in_(expired))
                            .values(personal))


def delete_rasa_trackers(tracker_db_url: str, conversation_ids: List[str]) -> None:
    """Delete the conversations' events from Rasa's SQL tracker store."""
    engine = create_engine(tracker_db_url, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM events WHERE sender_id IN :ids")
                               .bindparams(bindparam("ids", expanding=True)),
                               {"ids": conversation_ids})
    finally:
        engine.dispose()


def run_once(sessions: sessionmaker, settings: Settings,
             now: Optional[datetime] = None) -> int:
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.retention_days)
    with transaction(sessions) as session:
        expired = anonymise_expired(session, older_than=cutoff)
        session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    if expired and settings.rasa_tracker_db_url:
        delete_rasa_trackers(settings.rasa_tracker_db_url, expired)
    if expired:
        logger.info("retention: anonymised %d conversations", len(expired))
    return len(expired)


def start(sessions: sessionmaker, settings: Settings) -> asyncio.Task[None]:
    """The scheduled job: runs at start-up and then every check interval."""
    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(run_once, sessions, settings)
            except Exception:
                logger.exception("retention job failed; retrying at the next interval")
            await asyncio.sleep(settings.retention_check_interval_seconds)
    return asyncio.create_task(loop())
