"""E-mail in and out through real SMTP on loopback: our aiosmtpd endpoint receives mail
sent with smtplib; a second aiosmtpd server captures what the service desk sends."""

from __future__ import annotations

import functools
import smtplib
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from typing import Any, List, Optional, Tuple

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from connectors.email_models import MailAttachment, OutgoingMail, WrittenContact
from servicedesk.app import create_app
from servicedesk.core.settings import Settings
from servicedesk.models import Conversation, Handoff, Message
from tests.servicedesk.conftest import create_staff, during_service_hours, login, make_settings
from tests.support.stack import RasaStack, free_port

SERVICE_ADDRESS = "palvelu@porvoo.example"
RESIDENT = "maija.meikalainen@example.fi"


class MailCatcher:
    """A real SMTP server on loopback that keeps every mail it is given."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.messages: List[EmailMessage] = []
        self.refuse_recipients = False
        self.controller = Controller(self, hostname="127.0.0.1", port=port or free_port())

    @property
    def port(self) -> int:
        return int(self.controller.port)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> List[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} mails, expected {count}"
        return self.messages


@pytest.fixture
def catcher() -> Iterator[MailCatcher]:
    mail = MailCatcher()
    mail.controller.start()
    yield mail
    mail.controller.stop()


def email_settings(database_url: str, stack: RasaStack, outbound_port: int,
                   **overrides: Any) -> Settings:
    values = dict(email_enabled=True, email_inbound_port=free_port(),
                  email_outbound_port=outbound_port, email_from_address=SERVICE_ADDRESS,
                  email_inbound_addresses=SERVICE_ADDRESS)
    values.update(overrides)
    return make_settings(database_url, stack, **values)


@pytest.fixture
def open_app() -> Iterator[Callable[[Settings], TestClient]]:
    clients: List[TestClient] = []

    def start(settings: Settings) -> TestClient:
        # https: the console's session cookie is Secure.
        client = TestClient(create_app(settings), base_url="https://testserver")
        client.__enter__()
        clients.append(client)
        return during_service_hours(client)
    yield start
    for client in clients:
        client.__exit__(None, None, None)


def resident_mail(text: str, *, subject: str = "Kysymys", sender: str = RESIDENT,
                  **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Maija Meikäläinen <{sender}>"
    mail["To"] = SERVICE_ADDRESS
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.fi")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return mail


def deliver(port: int, raw: bytes, *, sender: str = RESIDENT,
            recipient: str = SERVICE_ADDRESS, size: Optional[int] = None) -> Tuple[int, str]:
    """Send one mail; the first refusal (MAIL, RCPT or DATA) or the final reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("resident.example.fi")
        code, reply = smtp.mail(sender, [f"SIZE={size}"] if size else [])
        if code >= 400:
            return code, reply.decode()
        code, reply = smtp.rcpt(recipient)
        if code >= 400:
            return code, reply.decode()
        code, reply = smtp.data(raw)
        return code, reply.decode()


def send(client: TestClient, mail: EmailMessage, **options: Any) -> Tuple[int, str]:
    port = client.app.state.email.port
    return deliver(port, mail.as_bytes(policy=policy.SMTP), **options)


def rows(database_url: str, statement: Any) -> list:
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            return list(session.execute(statement).scalars())
    finally:
        engine.dispose()


def count(database_url: str, model: Any) -> int:
    return int(rows(database_url, select(func.count()).select_from(model))[0])


def written(database_url: str) -> List[WrittenContact]:
    return rows(database_url, select(WrittenContact).order_by(WrittenContact.created_at))


def handoff_of(database_url: str, conversation_id: str) -> Handoff:
    return rows(database_url, select(Handoff).where(Handoff.conversation_id == conversation_id)
                .order_by(Handoff.id.desc()))[0]


def messages_of(database_url: str, conversation_id: str) -> List[Message]:
    return rows(database_url, select(Message).where(Message.conversation_id == conversation_id)
                .order_by(Message.id))


def call(client: TestClient, function: Callable[..., Any], **kwargs: Any) -> Any:
    """Run one of the app's coroutines on its own event loop."""
    return client.portal.call(functools.partial(function, **kwargs))


def test_a_mail_becomes_a_routed_work_item_and_is_acknowledged_in_its_language(
        database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
        open_app: Callable[[Settings], TestClient]) -> None:
    client = open_app(email_settings(database_url, rasa_stack, catcher.port))
    finnish = resident_mail("Hei, miten haen lapselleni päiväkotipaikkaa ensi syksyksi?",
                            subject="Päiväkotipaikka")
    swedish = resident_mail("Hej, hur förnyar jag mina lån på biblioteket?",
                            subject="Lån", sender="sven@example.se")

    code, reply = send(client, finnish)
    assert code == 250 and "PRV-" in reply
    assert send(client, swedish, sender="sven@example.se")[0] == 250

    contacts = {c.address: c for c in written(database_url)}
    assert set(contacts) == {RESIDENT, "sven@example.se"}
    fi_contact, sv_contact = contacts[RESIDENT], contacts["sven@example.se"]
    conversation = rows(database_url, select(Conversation).where(
        Conversation.id == fi_contact.conversation_id))[0]
    assert (conversation.channel, conversation.language, conversation.mode) == (
        "email", "fi", "human")
    resident = messages_of(database_url, fi_contact.conversation_id)[0]
    assert resident.sender == "resident" and "päiväkotipaikkaa" in resident.text
    assert (resident.topic, resident.outcome) == ("daycare", "handoff")
    handoff = handoff_of(database_url, fi_contact.conversation_id)
    assert (handoff.kind, handoff.reason, handoff.department, handoff.status, handoff.topic) \
        == ("message", "email", "education", "waiting", "daycare")
    assert handoff_of(database_url, sv_contact.conversation_id).department == "culture"

    acks = {m["To"].addresses[0].addr_spec: m for m in catcher.wait_for(2)}
    fi_ack, sv_ack = acks[RESIDENT], acks["sven@example.se"]
    assert fi_contact.reference in fi_ack["Subject"]
    assert "vastaanotettu" in fi_ack["Subject"]
    assert fi_ack["In-Reply-To"] == finnish["Message-ID"]
    assert fi_ack["Auto-Submitted"] == "auto-replied"
    fi_body = fi_ack.get_content()
    assert fi_contact.reference in fi_body and "varhaiskasvatus" in fi_body
    assert "viimeistään" in fi_body
    assert sv_contact.reference in sv_ack["Subject"] and "tagits emot" in sv_ack["Subject"]
    assert "senast" in sv_ack.get_content()
    statuses = rows(database_url, select(OutgoingMail.status))
    assert statuses == ["sent", "sent"]


def test_staff_answer_goes_out_once_and_the_residents_reply_joins_the_work_item(
        database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
        open_app: Callable[[Settings], TestClient]) -> None:
    client = open_app(email_settings(database_url, rasa_stack, catcher.port))
    first = resident_mail("Miten uusin kirjaston lainani verkossa?", subject="Lainat")
    assert send(client, first)[0] == 250
    assert send(client, first)[0] == 250  # the same mail delivered twice: taken in once
    contact = written(database_url)[0]
    conversation_id, reference = contact.conversation_id, contact.reference
    ack = catcher.wait_for(1)[0]

    gateway = client.app.state.gateway
    handoff = handoff_of(database_url, conversation_id)
    assert call(client, gateway.claim, handoff_id=handoff.id, assignee="liisa")
    call(client, gateway.post_staff_message, conversation_id=conversation_id,
         text="Voit uusia lainat verkkokirjastossa kirjastokortin numerolla.")
    answer = catcher.wait_for(2)[1]
    assert answer["Subject"] == f"Re: Lainat [{reference}]"
    assert answer["In-Reply-To"] == first["Message-ID"]
    assert answer.get("Auto-Submitted") is None
    body = answer.get_content()
    assert "verkkokirjastossa" in body and reference in body
    assert handoff_of(database_url, conversation_id).status == "answered"

    reply = resident_mail("Kiitos! Entä jos kortti on kadonnut?\n\n"
                          "Porvoon kaupunki kirjoitti:\n> Voit uusia lainat verkkokirjastossa",
                          subject=f"Re: Lainat [{reference}]",
                          In_Reply_To=answer["Message-ID"])
    assert send(client, reply)[0] == 250
    messages = messages_of(database_url, conversation_id)
    last = messages[-1]
    assert last.sender == "resident" and last.outcome == "to_staff"
    assert last.text == "Kiitos! Entä jos kortti on kadonnut?"
    assert handoff_of(database_url, conversation_id).status == "waiting"
    assert count(database_url, Conversation) == 1

    # The reference alone, from someone else's address, does not open this conversation.
    stranger = resident_mail("Haluan nähdä tämän asian", subject=f"Re: [{reference}]",
                             sender="other@example.com")
    assert send(client, stranger, sender="other@example.com")[0] == 250
    assert count(database_url, Conversation) == 2
    assert len(messages_of(database_url, conversation_id)) == len(messages)

    # Only the acknowledgements and the staff answer went out: no system or bot lines.
    catcher.wait_for(3)
    time.sleep(0.5)
    call(client, client.app.state.email.outbox.deliver)
    sent_subjects = [m["Subject"] for m in catcher.messages]
    assert len(sent_subjects) == 3 and sent_subjects[0] == ack["Subject"]
    assert sum(1 for s in sent_subjects if s.startswith("Re: Lainat")) == 1


@pytest.fixture
def refusing_app(database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
                 open_app: Callable[[Settings], TestClient]) -> TestClient:
    return open_app(email_settings(database_url, rasa_stack, catcher.port,
                                   email_max_message_bytes=100_000,
                                   email_max_text_chars=5_000,
                                   email_messages_per_minute_per_sender=100))


def raw(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def test_bad_mail_is_refused_with_a_clear_status_and_nothing_is_stored(
        refusing_app: TestClient, database_url: str) -> None:
    port = refusing_app.app.state.email.port
    too_big = resident_mail("a" * 150_000)
    code, reply = send(refusing_app, too_big)
    assert code == 552
    assert deliver(port, b"", size=200_000)[0] == 552

    with_attachment = resident_mail("Liitteenä hakemus.")
    with_attachment.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf",
                                   filename="hakemus.pdf")
    code, reply = send(refusing_app, with_attachment)
    assert code == 550 and "ttachments are not accepted" in reply

    code, reply = deliver(port, raw("From: not an address", "To: " + SERVICE_ADDRESS,
                                    "Subject: hei", "", "Hei"))
    assert code == 554 and "From" in reply
    code, reply = deliver(port, raw(f"From: {RESIDENT}", f"From: {RESIDENT}",
                                    "Subject: hei", "", "Hei"))
    assert code == 554
    code, reply = deliver(port, raw(f"From: {RESIDENT}", "Subject:", "", "  "))
    assert code == 554 and "no text" in reply
    long_text = resident_mail("sana " * 1_200)
    code, reply = send(refusing_app, long_text)
    assert code == 552 and "5000" in reply
    assert deliver(port, raw(f"From: {RESIDENT}", "", "Hei"),
                   recipient="someone@else.example")[0] == 550

    for model in (Conversation, Message, WrittenContact, OutgoingMail):
        assert count(database_url, model) == 0


def test_floods_are_slowed_per_sender_and_per_address(
        database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
        open_app: Callable[[Settings], TestClient]) -> None:
    client = open_app(email_settings(database_url, rasa_stack, catcher.port,
                                     email_messages_per_minute_per_sender=2,
                                     email_messages_per_minute_per_ip=4))
    for n in range(2):
        assert send(client, resident_mail(f"Kysymys numero {n} kirjastosta"))[0] == 250
    code, reply = send(client, resident_mail("Kolmas kysymys kirjastosta"))
    assert code == 450 and "Try again" in reply
    assert send(client, resident_mail("Toinen lähettäjä kysyy kirjastosta",
                                      sender="b@example.fi"), sender="b@example.fi")[0] == 250
    code, reply = send(client, resident_mail("Kolmas lähettäjä", sender="c@example.fi"),
                       sender="c@example.fi")
    assert code == 421
    assert count(database_url, Conversation) == 3


def test_attachments_are_stored_unopened_within_the_limit(
        database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
        open_app: Callable[[Settings], TestClient]) -> None:
    client = open_app(email_settings(database_url, rasa_stack, catcher.port,
                                     email_attachment_policy="store",
                                     email_max_attachment_bytes=50_000))
    script = b"#!/bin/sh\nrm -rf /\n"
    mail = resident_mail("Liitteenä rakennuslupahakemuksen piirustus.")
    mail.add_attachment(script, maintype="application", subtype="x-sh",
                        filename="../../piirustus.sh")
    assert send(client, mail)[0] == 250
    stored = rows(database_url, select(MailAttachment))
    assert len(stored) == 1
    assert stored[0].data == script and stored[0].filename == "piirustus.sh"
    assert stored[0].content_type == "application/x-sh" and stored[0].size == len(script)
    resident = messages_of(database_url, stored[0].conversation_id)[0]
    assert "piirustus.sh" in resident.text

    too_large = resident_mail("Liitteenä iso tiedosto.")
    too_large.add_attachment(b"x" * 60_000, maintype="application", subtype="octet-stream",
                             filename="iso.bin")
    code, reply = send(client, too_large)
    assert code == 552 and "50000" in reply
    assert count(database_url, MailAttachment) == 1
    assert count(database_url, Conversation) == 1


def test_the_development_endpoint_yields_a_busy_port_but_an_explicit_one_fails(
        tmp_path: Any) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        common = dict(database_url=f"sqlite:///{tmp_path / 'desk.db'}", rasa_tracker_db_url="",
                      rasa_url=f"http://127.0.0.1:{free_port()}", email_inbound_port=busy,
                      email_outbound_host="")
        with TestClient(create_app(Settings(environment="development", **common))) as client:
            assert client.app.state.email.port is None
            assert client.get("/contact").status_code == 200
        with pytest.raises(OSError), TestClient(create_app(Settings(
                environment="test", email_enabled=True, **common))):
            pass


def test_a_reply_written_in_the_staff_console_reaches_the_resident_by_mail(
        database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,
        open_app: Callable[[Settings], TestClient]) -> None:
    client = open_app(email_settings(database_url, rasa_stack, catcher.port))
    question = resident_mail("Hur bokar jag en tid på hälsostationen?", subject="Tidsbokning",
                             sender="eva@example.se")
    assert send(client, question, sender="eva@example.se")[0] == 250
    contact = written(database_url)[0]
    handoff = handoff_of(database_url, contact.conversation_id)
    assert handoff.department == "health"
    create_staff(database_url, "sara", departments=("health",), language="sv")
    csrf = login(client, "sara")
    headers = {"X-CSRF-Token": csrf}
    assert client.post(f"/console/api/items/{handoff.id}/claim",
                       headers=headers).status_code == 200
    reply = client.post(f"/console/api/items/{handoff.id}/messages", headers=headers,
                        json={"text": "Boka tiden på nätet eller ring rådgivningen."})
    assert reply.status_code == 200, reply.text
    answer = catcher.wait_for(2)[1]
    assert answer["To"].addresses[0].addr_spec == "eva@example.se"
    assert answer["Subject"] == f"Re: Tidsbokning [{contact.reference}]"
    body = answer.get_content()
    assert "Boka tiden på nätet" in body and "Referensnummer" in body
