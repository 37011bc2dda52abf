"""Written contacts (e-mail, web form) into the contact log and the work queue.

A new contact: the assistant classifies the text (Rasa's /model/parse: topic,
confidence, language), the topic's department gets a work item of kind "message",
and the sender's acknowledgement with its reference number goes to the outbox, all in
one transaction. A reply that carries the reference (in its subject or its thread
headers) from the same address joins the same conversation and work item.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional, Sequence, Tuple, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors import email_compose as compose
from connectors.email_models import MailAttachment, MailMessageId, OutgoingMail, WrittenContact
from connectors.email_parsing import Attachment, InboundMail, strip_quoted
from servicedesk import catalogue, contacts
from servicedesk.core.db import run_in_transaction
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.events import department_topic
from servicedesk.gateway import Gateway
from servicedesk.models import Conversation, Handoff
from servicedesk.queue import service_hours
from servicedesk.rasa_client import RasaUnavailable, Understanding
from servicedesk.texts import LANGUAGES, department_name

logger = logging.getLogger(__name__)

OUTBOX_TOPIC = "email:outbox"
DEFAULT_DEPARTMENT = "kompassi"
# The assistant's NLU reads at most this much (longer input is screened as too long).
PARSE_CHARS = 2000
T = TypeVar("T")



@dataclass(frozen=True)
class NewContact:
    """What a resident wrote, by e-mail or through the web form."""

    channel: str
    text: str
    address: Optional[str] = None
    name: Optional[str] = None
    phone: Optional[str] = None
    subject: Optional[str] = None
    # Known from the web form's page; detected otherwise.
    language: Optional[str] = None
    language_hint: Optional[str] = None
    # Chosen on the web form; the assistant decides when None.
    topic: Optional[str] = None
    message_id: Optional[str] = None
    dedup_key: Optional[str] = None
    form_token_hash: Optional[str] = None
    acknowledge: bool = True
    attachments: Tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Receipt:
    conversation_id: str
    reference: str
    department: str
    language: str
    due: Optional[datetime]
    acknowledged: bool
    duplicate: bool = False
    follow_up: bool = False

    def due_text(self) -> str:
        if self.due is None:
            return compose.text("due_unknown", self.language)
        return service_hours.local_due_text(self.due)


class Intake:
    """Takes written contacts in; shared by the SMTP endpoint and the web form."""

    def __init__(self, *, gateway: Gateway, settings: Settings) -> None:
        self.gateway = gateway
        self.settings = settings

    async def take_in_mail(self, mail: InboundMail) -> Receipt:
        """A new contact, or a reply joining its conversation."""
        thread = await self._db(lambda s: self._find_thread(s, mail))
        if thread is not None:
            return await self._store(lambda s: self._store_reply(s, thread, mail))
        body = f"{mail.subject}\n\n{mail.text}".strip() if mail.subject else mail.text
        return await self.take_in(NewContact(
            channel="email", text=with_attachment_lines(body, mail.attachments),
            address=mail.sender, name=mail.sender_name,
            subject=mail.subject or None, language_hint=mail.language_hint,
            message_id=mail.message_id, dedup_key=mail.dedup_key,
            acknowledge=not mail.automatic, attachments=mail.attachments))

    async def take_in(self, contact: NewContact) -> Receipt:
        """Classify, route and store a new contact with its acknowledgement."""
        duplicate = await self._db(lambda s: self._existing(s, contact))
        if duplicate is not None:
            return duplicate
        understanding = await self._understand(contact)
        return await self._store(lambda s: self._store_new(s, contact, understanding))

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await run_in_transaction(self.gateway.sessions, work)

    async def _store(self, work: Callable[[Session], Receipt]) -> Receipt:
        """Store; a duplicate delivered at the same moment finds the first one's receipt."""
        try:
            receipt = await self._db(work)
        except IntegrityError:
            receipt = await self._db(work)
        if not receipt.duplicate:
            self._announce(receipt)
        return receipt

    async def _understand(self, contact: NewContact) -> Understanding:
        try:
            # A leading "/" would make Rasa read the text as an intent payload.
            return await self.gateway.rasa.parse(contact.text[:PARSE_CHARS].lstrip("/ "))
        except RasaUnavailable:
            return Understanding(intent=None, confidence=None, language=None)

    def _announce(self, receipt: Receipt) -> None:
        bus = self.gateway.bus
        event = {"type": "resident_message", "conversation_id": receipt.conversation_id}
        bus.publish(department_topic(receipt.department), event)
        bus.publish(f"staff:{receipt.conversation_id}", event)
        bus.publish(department_topic(receipt.department), {"type": "queue_changed"})
        bus.publish(OUTBOX_TOPIC, {"type": "wake"})

    # -- storing (inside one transaction) ------------------------------------------------

    def _existing(self, session: Session, contact: NewContact) -> Optional[Receipt]:
        """The receipt of the same mail or form already taken in, if any."""
        if contact.dedup_key:
            conversation_id = session.execute(
                select(MailMessageId.conversation_id).where(
                    MailMessageId.message_id_hash == compose.message_id_hash(
                        contact.dedup_key))).scalar()
        elif contact.form_token_hash:
            conversation_id = session.execute(
                select(WrittenContact.conversation_id).where(
                    WrittenContact.form_token_hash == contact.form_token_hash)).scalar()
        else:
            return None
        return self._receipt(session, conversation_id, duplicate=True) if conversation_id \
            else None

    def _receipt(self, session: Session, conversation_id: str, *, duplicate: bool = False,
                 follow_up: bool = False, due: Optional[datetime] = None,
                 acknowledged: bool = False) -> Receipt:
        written = session.get(WrittenContact, conversation_id)
        conversation = contacts.get_conversation(session, conversation_id)
        handoff = contacts.current_handoff(session, conversation_id)
        return Receipt(conversation_id=conversation_id, reference=written.reference,
                       department=handoff.department if handoff else DEFAULT_DEPARTMENT,
                       language=conversation.language, due=due or self._due(handoff),
                       acknowledged=acknowledged or (duplicate and bool(written.address)),
                       duplicate=duplicate, follow_up=follow_up)

    @staticmethod
    def _due(handoff: Optional[Handoff],
             start: Optional[datetime] = None) -> Optional[datetime]:
        """When the work item's answer is due (service time from `start`)."""
        if handoff is None:
            return None
        hours = service_hours.department_hours(handoff.department)
        return hours.add_service_time(start or handoff.created_at, service_hours.target(
            handoff.department, "message", handoff.priority))

    def _store_new(self, session: Session, contact: NewContact,
                   understanding: Understanding) -> Receipt:
        existing = self._existing(session, contact)
        if existing is not None:
            return existing
        language = self._language(contact, understanding)
        topic = self._topic(contact, understanding)
        department = catalogue.topic_departments().get(topic or "", DEFAULT_DEPARTMENT)
        conversation = contacts.create_conversation(session, channel=contact.channel,
                                                    language=language)
        message_id, _mode, _language = contacts.log_resident_message(
            session, conversation.id, contact.text)
        contacts.record_understanding(
            session, message_id, topic=contact.topic or understanding.intent,
            confidence=None if contact.topic else understanding.confidence,
            language=language, outcome="handoff")
        handoff = contacts.open_handoff(session, conversation, department=department,
                                        reason=contact.channel, topic=topic, kind="message")
        handoff.contact_details = contact.address or contact.phone or None
        now = self.gateway.clock()
        written = WrittenContact(
            conversation_id=conversation.id, reference=self._new_reference(session, now),
            channel=contact.channel, address=contact.address, name=contact.name,
            phone=contact.phone, subject=(contact.subject or "")[:255] or None,
            form_token_hash=contact.form_token_hash, created_at=now)
        session.add(written)
        if contact.dedup_key:
            self._remember_id(session, conversation.id, contact.dedup_key, "in",
                              keep=contact.message_id is not None)
        self._keep_attachments(session, conversation.id, message_id, contact.attachments)
        due = self._due(handoff, now)
        acknowledged = bool(contact.acknowledge and contact.address)
        if acknowledged:
            self._acknowledge(session, conversation, written, department, due, contact)
        logger.info("written contact taken in: channel=%s department=%s", contact.channel,
                    department)
        return self._receipt(session, conversation.id, due=due, acknowledged=acknowledged)

    def _language(self, contact: NewContact, understanding: Understanding) -> str:
        for candidate in (contact.language, understanding.language, contact.language_hint):
            if candidate in LANGUAGES:
                return str(candidate)
        return self.settings.default_language

    @staticmethod
    def _topic(contact: NewContact, understanding: Understanding) -> Optional[str]:
        subjects = catalogue.subject_topics()
        if contact.topic in subjects:
            return contact.topic
        return understanding.intent if understanding.intent in subjects else None

    @staticmethod
    def _new_reference(session: Session, moment: datetime) -> str:
        while True:
            reference = compose.new_reference(moment)
            taken = session.execute(select(func.count()).where(
                WrittenContact.reference == reference)).scalar_one()
            if not taken:
                return reference

    @staticmethod
    def _remember_id(session: Session, conversation_id: str, message_id: str, direction: str,
                     *, keep: bool = True) -> None:
        session.add(MailMessageId(
            conversation_id=conversation_id,
            message_id_hash=compose.message_id_hash(message_id),
            message_id=message_id if keep and len(message_id) <= 255 else None,
            direction=direction))

    @staticmethod
    def _keep_attachments(session: Session, conversation_id: str, message_id: int,
                          attachments: Sequence[Attachment]) -> None:
        for attachment in attachments:
            session.add(MailAttachment(
                conversation_id=conversation_id, message_id=message_id,
                filename=attachment.filename, content_type=attachment.content_type,
                size=len(attachment.data), sha256=attachment.sha256, data=attachment.data))

    def _acknowledge(self, session: Session, conversation: Conversation,
                     written: WrittenContact, department: str, due: Optional[datetime],
                     contact: NewContact) -> None:
        """The acknowledgement: logged as a system message and queued in the outbox."""
        language = conversation.language
        due_text = (service_hours.local_due_text(due) if due
                    else compose.text("due_unknown", language))
        body = compose.text("ack_body", language, reference=written.reference,
                            department=department_name(department, language), due=due_text)
        message = contacts.add_message(session, conversation, sender="system", text=body)
        session.flush()
        mail_id = compose.new_message_id(self.settings.email_from_address)
        self._remember_id(session, conversation.id, mail_id, "out")
        session.add(OutgoingMail(
            conversation_id=conversation.id, source_message_id=message.id, kind="ack",
            status="pending", to_address=contact.address,
            subject=compose.text("ack_subject", language, reference=written.reference),
            body=body, mail_message_id=mail_id, in_reply_to=contact.message_id
            if contact.message_id and len(contact.message_id) <= 255 else None,
            attempts=0, next_attempt_at=utcnow()))

    # -- replies ---------------------------------------------------------------------------

    def _find_thread(self, session: Session, mail: InboundMail) -> Optional[str]:
        """The conversation a reply belongs to: by thread ids, then by the subject's
        reference; only when the reply comes from the contact's own address."""
        candidates = []
        if mail.references:
            hashes = [compose.message_id_hash(i) for i in mail.references]
            candidates += list(session.execute(
                select(MailMessageId.conversation_id)
                .where(MailMessageId.message_id_hash.in_(hashes))).scalars())
        references = compose.references_in(mail.subject)
        if references:
            candidates += list(session.execute(
                select(WrittenContact.conversation_id)
                .where(WrittenContact.reference.in_(references))).scalars())
        for conversation_id in dict.fromkeys(candidates):
            written = session.get(WrittenContact, conversation_id)
            if (written is not None and written.address
                    and written.address.casefold() == mail.sender.casefold()):
                return str(conversation_id)
        return None

    def _store_reply(self, session: Session, conversation_id: str,
                     mail: InboundMail) -> Receipt:
        """The resident's reply: logged, and its work item waits for staff again."""
        seen = session.execute(select(MailMessageId.id).where(
            MailMessageId.message_id_hash == compose.message_id_hash(mail.dedup_key))).scalar()
        if seen is not None:
            return self._receipt(session, conversation_id, duplicate=True, follow_up=True)
        conversation = contacts.get_conversation(session, conversation_id)
        handoff = contacts.current_handoff(session, conversation_id)
        if handoff is None or handoff.status == "closed":
            department = handoff.department if handoff else DEFAULT_DEPARTMENT
            handoff = contacts.open_handoff(
                session, conversation, department=department, reason="email",
                topic=handoff.topic if handoff else None, kind="message")
        elif handoff.status == "answered":
            back_to_waiting(session, handoff.id)
        text = with_attachment_lines(strip_quoted(mail.text) or mail.text, mail.attachments)
        message_id, _mode, _language = contacts.log_resident_message(session, conversation_id,
                                                                     text)
        self._remember_id(session, conversation_id, mail.dedup_key, "in",
                          keep=mail.message_id is not None)
        self._keep_attachments(session, conversation_id, message_id, mail.attachments)
        logger.info("written contact: reply joined its conversation")
        return self._receipt(session, conversation_id, follow_up=True)


def with_attachment_lines(text: str, attachments: Sequence[Attachment]) -> str:
    """The text with one line per kept attachment, so that staff see them."""
    lines = [f"[\N{PAPERCLIP} {a.filename or a.content_type}, {max(1, len(a.data) // 1024)} kB]"
             for a in attachments]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


def back_to_waiting(session: Session, handoff_id: int) -> bool:
    """An answered work item waits for staff again (the resident wrote back)."""
    result = session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "answered")
        .values(status="waiting").execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)
