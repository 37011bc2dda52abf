"""Outside service hours, or with a full queue, the resident leaves a message instead."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from servicedesk import contacts
from servicedesk.core.db import transaction
from servicedesk.models import Handoff
from servicedesk.texts import department_name, text
from tests.servicedesk.conftest import say, start

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_outside_service_hours_a_message_is_left(client: TestClient, settings) -> None:
    # Friday 27.11.2026 at 18:00: the Kompassi target for a message is 8 service hours,
    # so the answer is due on Monday 30.11 at 16:00.
    client.app.state.gateway.clock = lambda: datetime(2026, 11, 27, 18, 0, tzinfo=HELSINKI)
    conversation = start(client, "en")["conversation_id"]
    handed = say(client, conversation, "I want to talk to a real person")
    notice = handed["messages"][-1]["text"]
    assert notice == text("leave_message_closed", "en",
                          department=department_name("kompassi", "en"), due="30.11.2026 16:00")
    assert handed["conversation"]["handoff"]["status"] == "left_message"
    assert handed["conversation"]["handoff"]["queue_position"] is None
    left = say(client, conversation, "Please call me back about my invoice.")
    assert left["messages"] == []
    engine = create_engine(settings.database_url, future=True)
    with Session(engine) as session:
        handoff = session.execute(select(Handoff).where(
            Handoff.conversation_id == conversation)).scalar_one()
        assert (handoff.kind, handoff.status) == ("message", "waiting")
    engine.dispose()


def test_a_full_queue_offers_to_leave_a_message(client: TestClient) -> None:
    gateway = client.app.state.gateway
    with transaction(gateway.sessions) as session:
        for _ in range(10):  # the configured queue limit of Kompassi
            other = contacts.create_conversation(session, channel="webchat", language="fi")
            contacts.open_handoff(session, other, department="kompassi", reason="asked",
                                  topic=None)
    conversation = start(client, "fi")["conversation_id"]
    handed = say(client, conversation, "haluan puhua ihmisen kanssa")
    assert handed["conversation"]["handoff"]["status"] == "left_message"
    assert handed["messages"][-1]["text"].startswith(
        text("leave_message_queue_full", "fi", department="X", due="Y").split("(")[0])
