"""Old transcripts lose their personal data; the anonymous facts stay."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from servicedesk import contacts, retention
from servicedesk.core.db import make_engine, make_session_factory, migrate, transaction
from servicedesk.core.settings import Settings
from servicedesk.models import Conversation, Message

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def test_expired_conversations_are_anonymised_and_recent_ones_kept(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    settings = Settings(environment="test", database_url=database_url, retention_days=30,
                        rasa_tracker_db_url="")
    with transaction(sessions) as session:
        old = contacts.create_conversation(session, channel="webchat", language="fi")
        message = contacts.add_message(session, old, sender="resident",
                                       text="Nimeni on Matti, puhelin 040 1234567")
        message.topic, message.outcome = "daycare", "answered"
        old.last_activity_at = NOW - timedelta(days=31)
        recent = contacts.create_conversation(session, channel="webchat", language="sv")
        contacts.add_message(session, recent, sender="resident", text="hej")
        recent.last_activity_at = NOW - timedelta(days=29)
        old_id, recent_id = old.id, recent.id

    assert retention.run_once(sessions, settings, now=NOW) == 1
    assert retention.run_once(sessions, settings, now=NOW) == 0  # idempotent

    with sessions() as session:
        anonymised = session.get(Conversation, old_id)
        assert anonymised.anonymised_at is not None
        kept = session.execute(select(Message).where(Message.conversation_id == old_id)
                               ).scalars().one()
        assert kept.text == "" and kept.topic == "daycare" and kept.outcome == "answered"
        untouched = session.execute(select(Message).where(Message.conversation_id == recent_id)
                                    ).scalars().one()
        assert untouched.text == "hej"
    engine.dispose()
