"""Staff close a handoff: the bot takes over again and asks for a 1-5 rating."""

from __future__ import annotations

import functools

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from actions.knowledge import knowledge
from servicedesk import contacts
from servicedesk.models import Handoff, Message, Rating
from servicedesk.queue import work_items
from servicedesk.texts import text
from tests.servicedesk.conftest import say, start


def test_close_returns_to_the_bot_which_asks_for_a_rating(client: TestClient, settings) -> None:
    conversation = start(client, "sv")["conversation_id"]
    say(client, conversation, "jag vill prata med en människa")
    gateway = client.app.state.gateway
    engine = create_engine(settings.database_url, future=True)
    with Session(engine) as session, session.begin():
        handoff_id = session.execute(select(Handoff.id).where(
            Handoff.conversation_id == conversation)).scalar_one()
        assert work_items.claim(session, handoff_id=handoff_id, assignee="anna")

    with client.websocket_connect(f"/api/webchat/conversations/{conversation}/ws") as ws:
        closed = client.portal.call(functools.partial(
            gateway.close_by_staff, handoff_id=handoff_id, assignee="anna",
            resolution="answered"))
        assert closed
        event = ws.receive_json()
        assert event["message"]["text"] == knowledge().line("rating_prompt", "sv")
        assert [b["title"] for b in event["message"]["buttons"]] == ["1", "2", "3", "4", "5"]
        payload = event["message"]["buttons"][3]["payload"]

    assert client.get(f"/api/webchat/conversations/{conversation}").json()["mode"] == "bot"
    thanks = say(client, conversation, "4", payload=payload)
    assert thanks["messages"][0]["text"] == knowledge().line("rating_thanks", "sv")
    say(client, conversation, "1", payload=payload.replace("4", "1"))  # replayed: ignored
    say(client, conversation, "4", payload=payload)
    with Session(engine) as session:
        assert session.execute(select(Rating.rating).where(
            Rating.conversation_id == conversation)).scalars().all() == [4]
    engine.dispose()


def ratings_of(settings, conversation: str) -> list:
    engine = create_engine(settings.database_url, future=True)
    with Session(engine) as session:
        found = session.execute(select(Rating.rating).where(
            Rating.conversation_id == conversation)).scalars().all()
    engine.dispose()
    return list(found)


def test_typed_intents_and_payloads_never_offered_do_nothing(client: TestClient, settings,
                                                              stored_messages) -> None:
    """Rasa obeys "/intent{entities}": residents' text and unoffered payloads must not."""
    conversation = start(client, "fi")["conversation_id"]
    typed = say(client, conversation, '/rate{"rating":"1"}')
    forged = say(client, conversation, "1", payload='/rate{"rating": "1"}')
    for reply in (typed, forged):
        assert knowledge().line("rating_thanks", "fi") not in [m["text"] for m in
                                                                reply["messages"]]
    assert ratings_of(settings, conversation) == []
    # The greeting's own button is a payload this conversation was offered.
    handoff = say(client, conversation, "ihminen", payload="/human_handoff")
    assert handoff["conversation"]["mode"] == "human"
    stored = [m.text for m in stored_messages(conversation) if m.sender == "resident"]
    assert stored == ['/rate{"rating":"1"}', "1", "ihminen"]  # as the resident wrote it


def test_claim_tells_the_resident_and_moves_the_queue(client: TestClient) -> None:
    gateway = client.app.state.gateway
    first = start(client, "fi")["conversation_id"]
    second = start(client, "en")["conversation_id"]
    say(client, first, "haluan puhua ihmisen kanssa")
    waiting = say(client, second, "I want to talk to a person")["conversation"]["handoff"]
    assert waiting["queue_position"] == 2
    with Session(create_engine(client.app.state.settings.database_url, future=True)) as session:
        first_item = session.execute(select(Handoff.id).where(
            Handoff.conversation_id == first)).scalar_one()
    with client.websocket_connect(f"/api/webchat/conversations/{second}/ws") as ws:
        assert client.portal.call(functools.partial(
            gateway.claim, handoff_id=first_item, assignee="anna"))
        assert not client.portal.call(functools.partial(
            gateway.claim, handoff_id=first_item, assignee="ben"))
        event = ws.receive_json()
        assert event["type"] == "state"
        assert event["conversation"]["handoff"]["queue_position"] == 1
    joined = client.get(f"/api/webchat/conversations/{first}/messages").json()["messages"][-1]
    assert joined["text"] == text("staff_joined", "fi")


def test_a_mail_or_form_contact_gets_no_rating_prompt(client: TestClient, settings) -> None:
    gateway = client.app.state.gateway
    engine = create_engine(settings.database_url, future=True)
    with Session(engine) as session, session.begin():
        conversation = contacts.create_conversation(session, channel="webform", language="sv")
        contacts.add_message(session, conversation, sender="resident", text="Hej, en fråga")
        handoff = contacts.open_handoff(session, conversation, department="kompassi",
                                        reason="webform", topic=None, kind="message")
        conversation_id, handoff_id = conversation.id, handoff.id
        assert work_items.claim(session, handoff_id=handoff_id, assignee="anna")
    assert client.portal.call(functools.partial(
        gateway.close_by_staff, handoff_id=handoff_id, assignee="anna", resolution="answered"))
    with Session(engine) as session:
        senders = session.execute(select(Message.sender).where(
            Message.conversation_id == conversation_id)).scalars().all()
        assert senders == ["resident"]
        assert session.get(Handoff, handoff_id).status == "closed"
    engine.dispose()
