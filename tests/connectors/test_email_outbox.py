"""The outbox against a real SMTP relay on loopback: retried until the relay answers,
sent once, permanent refusals told to staff; intake keeps working while Rasa is down;
retention erases the channel's personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import List

import pytest
from sqlalchemy import select, update

from connectors.email_intake import Intake, NewContact
from connectors.email_models import MailAttachment, MailMessageId, OutgoingMail, WrittenContact
from connectors.email_outbox import Outbox
from connectors.email_parsing import Attachment
from servicedesk import retention
from servicedesk.core.db import make_engine, make_session_factory, migrate
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.events import EventBus
from servicedesk.gateway import Gateway
from servicedesk.models import Conversation, Handoff, Message
from servicedesk.rasa_client import RasaClient
from tests.connectors.test_email_channel import MailCatcher, rows
from tests.servicedesk.conftest import OPEN_HOURS
from tests.support.stack import free_port


@dataclass
class Desk:
    settings: Settings
    gateway: Gateway
    intake: Intake
    outbox: Outbox
    ahead: List[timedelta]  # how far the outbox's clock runs ahead of real time


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    """A gateway whose Rasa is down (nothing listens on its port) and a closed relay."""
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    settings = Settings(environment="test", database_url=database_url,
                        rasa_url=f"http://127.0.0.1:{free_port()}", rasa_tracker_db_url="",
                        rasa_timeout_seconds=2, email_outbound_port=free_port(),
                        email_from_address="palvelu@porvoo.example")
    rasa = RasaClient(rasa_url=settings.rasa_url, action_server_url=settings.action_server_url,
                      timeout=2)
    gateway = Gateway(sessions=sessions, rasa=rasa, bus=EventBus(), clock=lambda: OPEN_HOURS)
    ahead = [timedelta(0)]
    outbox = Outbox(sessions=sessions, bus=gateway.bus, settings=settings,
                    clock=lambda: utcnow() + ahead[0])
    yield Desk(settings, gateway, Intake(gateway=gateway, settings=settings), outbox, ahead)
    await rasa.close()
    engine.dispose()


def swedish_mail(**extra: object) -> NewContact:
    values: dict = dict(channel="email", text="Hej! Var kan jag parkera nära torget?",
                        address="anna@example.se", name="Anna Andersson",
                        subject="Parkering", language_hint="sv",
                        message_id="<m1@example.se>", dedup_key="<m1@example.se>")
    values.update(extra)
    return NewContact(**values)  # type: ignore[arg-type]


async def test_rasa_down_keeps_the_contact_and_the_relay_outage_loses_no_mail(
        desk: Desk, database_url: str) -> None:
    receipt = await desk.intake.take_in(swedish_mail())
    assert (receipt.department, receipt.language) == ("kompassi", "sv")
    assert receipt.acknowledged and receipt.reference.startswith("PRV-2026-")
    resident = rows(database_url, select(Message).where(Message.sender == "resident"))[0]
    assert (resident.topic, resident.outcome) == (None, "handoff")

    await desk.outbox.deliver()  # nothing listens on the relay's port
    ack = rows(database_url, select(OutgoingMail))[0]
    assert (ack.status, ack.attempts, ack.sent_at) == ("pending", 1, None)
    assert ack.last_error == "ConnectionRefusedError"

    relay = MailCatcher(port=desk.settings.email_outbound_port)
    relay.controller.start()
    try:
        await desk.outbox.deliver()  # not due yet: back-off
        assert relay.messages == []
        desk.ahead[0] += timedelta(minutes=1, seconds=1)
        await desk.outbox.deliver()
        await desk.outbox.deliver()
        assert len(relay.messages) == 1
        assert receipt.reference in relay.messages[0]["Subject"]
        assert rows(database_url, select(OutgoingMail.status)) == ["sent"]
    finally:
        relay.controller.stop()


async def test_a_permanent_refusal_is_marked_and_told_to_staff(
        desk: Desk, database_url: str) -> None:
    relay = MailCatcher(port=desk.settings.email_outbound_port)
    relay.refuse_recipients = True
    relay.controller.start()
    try:
        receipt = await desk.intake.take_in(swedish_mail())
        await desk.gateway.post_staff_message(conversation_id=receipt.conversation_id,
                                              text="Parkera vid Näsinmäki.")
        await desk.outbox.deliver()
        await desk.outbox.deliver()
    finally:
        relay.controller.stop()
    mails = rows(database_url, select(OutgoingMail).order_by(OutgoingMail.id))
    assert [(m.kind, m.status, m.attempts) for m in mails] == [
        ("ack", "failed", 1), ("answer", "failed", 1)]
    notices = rows(database_url, select(Message.text).where(Message.sender == "system"))
    assert sum("kunde inte levereras" in n for n in notices) == 2


async def test_a_contact_without_address_gets_no_mail(desk: Desk, database_url: str) -> None:
    receipt = await desk.intake.take_in(NewContact(
        channel="webform", text="Hei, kysymys laskusta", phone="040 123 4567", language="fi",
        form_token_hash="a" * 64))
    assert not receipt.acknowledged
    await desk.gateway.post_staff_message(conversation_id=receipt.conversation_id,
                                          text="Soitamme teille.")
    await desk.outbox.deliver()
    assert rows(database_url, select(OutgoingMail.status)) == ["no_address"]


async def test_retention_erases_addresses_names_phones_and_attachments(
        desk: Desk, database_url: str) -> None:
    receipt = await desk.intake.take_in(swedish_mail(
        phone="040 765 4321", attachments=(Attachment("karta.pdf", "application/pdf",
                                                      b"%PDF-1.4 karta"),)))
    kept = await desk.intake.take_in(swedish_mail(message_id="<m2@example.se>",
                                                  dedup_key="<m2@example.se>"))
    expired_at = utcnow() + timedelta(days=desk.settings.retention_days + 1)
    with desk.gateway.sessions() as session, session.begin():
        session.execute(update(Conversation).where(Conversation.id == kept.conversation_id)
                        .values(last_activity_at=expired_at))
    assert retention.run_once(desk.gateway.sessions, desk.settings, now=expired_at) == 1

    contact = rows(database_url, select(WrittenContact).where(
        WrittenContact.conversation_id == receipt.conversation_id))[0]
    assert (contact.address, contact.name, contact.phone, contact.subject) == (
        None, None, None, None)
    assert contact.reference == receipt.reference  # the anonymous fact stays
    mail = rows(database_url, select(OutgoingMail).where(
        OutgoingMail.conversation_id == receipt.conversation_id))[0]
    assert (mail.to_address, mail.subject, mail.body, mail.in_reply_to) == (
        None, None, None, None)
    attachment = rows(database_url, select(MailAttachment))[0]
    assert (attachment.data, attachment.filename) == (None, None)
    assert attachment.size == len(b"%PDF-1.4 karta")
    ids = rows(database_url, select(MailMessageId).where(
        MailMessageId.conversation_id == receipt.conversation_id))
    assert ids and all(i.message_id is None for i in ids)
    handoff = rows(database_url, select(Handoff).where(
        Handoff.conversation_id == receipt.conversation_id))[0]
    assert handoff.contact_details is None

    other = rows(database_url, select(WrittenContact).where(
        WrittenContact.conversation_id == kept.conversation_id))[0]
    assert (other.address, other.name) == ("anna@example.se", "Anna Andersson")
