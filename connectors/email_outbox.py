"""The outbox of the e-mail channel: every acknowledgement and staff answer is sent once,
by SMTP, and kept until it is.

Staff answers are found in the contact log itself (staff messages of e-mail and web-form
conversations that have no outbox row yet), so an answer stored just before a crash is
still sent after the restart. A row is claimed with a conditional UPDATE before sending;
temporary SMTP errors are retried with back-off, permanent ones are marked failed and
told to staff in the conversation. Trouble with TLS or our login (email_smtp.RelayProblem)
is not the mail's: it is logged as an error, the mail stays queued as it was, and sending
pauses (1, 2, 4 ... 60 min) so that a wrong password does not lock the account.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import smtplib
from datetime import datetime, timedelta
from typing import Callable, List, Optional, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from connectors import email_compose as compose
from connectors.email_intake import OUTBOX_TOPIC
from connectors.email_models import MailMessageId, OutgoingMail, WrittenContact
from connectors.email_smtp import PermanentFailure, RelayProblem, SmtpRelay
from servicedesk import contacts
from servicedesk.core.db import run_in_transaction
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.events import EventBus, channel_topic, department_topic
from servicedesk.models import Conversation, Message
from servicedesk.texts import department_name

logger = logging.getLogger(__name__)

T = TypeVar("T")
WRITTEN_CHANNELS = ("email", "webform")
POLL_SECONDS = 60.0
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
BATCH = 20

__all__ = ["Outbox", "PermanentFailure", "RelayProblem", "backoff"]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


class Outbox:
    def __init__(self, *, sessions: sessionmaker, bus: EventBus, settings: Settings,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.bus = bus
        self.settings = settings
        self.clock = clock
        self.relay = SmtpRelay(settings)
        # The relay's trouble with TLS or our login (None while it accepts us).
        self.relay_problem: Optional[str] = None
        self._relay_failures = 0
        self._paused_until: Optional[datetime] = None
        self._wake = asyncio.Event()
        self._tasks: List[asyncio.Task[None]] = []

    def start(self) -> None:
        topics = [channel_topic(c) for c in WRITTEN_CHANNELS] + [OUTBOX_TOPIC]
        self._tasks = [asyncio.create_task(self._listen(t)) for t in topics]
        self._tasks.append(asyncio.create_task(self._run()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _listen(self, topic: str) -> None:
        """Staff messages of written channels (and new acknowledgements) wake the sender."""
        async with self.bus.subscribe(topic) as queue:
            while True:
                event = await queue.get()
                message = event.get("message") or {}
                if topic == OUTBOX_TOPIC or message.get("sender") == "staff":
                    self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.deliver()
            except Exception as error:  # the database or the network: try again later
                logger.warning("outbox round failed: %s", type(error).__name__)
                wait = POLL_SECONDS
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await run_in_transaction(self.sessions, work)

    async def deliver(self) -> float:
        """Queue new staff answers, send what is due; seconds until the next due mail."""
        await self._db(self._queue_staff_answers)
        if self._paused_until is not None and self.clock() < self._paused_until:
            return self._pause_left()
        for row_id in await self._db(self._due_ids):
            claimed = await self._db(functools.partial(self._claim, row_id=row_id))
            if claimed is not None and not await self._send(claimed):
                return self._pause_left()
        return await self._db(self._seconds_to_next)

    def _pause_left(self) -> float:
        assert self._paused_until is not None
        left = (self._paused_until - self.clock()).total_seconds()
        return min(POLL_SECONDS, max(0.05, left))

    def _queue_staff_answers(self, session: Session) -> int:
        outbox = aliased(OutgoingMail)
        rows = session.execute(
            select(Message, WrittenContact)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(WrittenContact, WrittenContact.conversation_id == Message.conversation_id)
            .outerjoin(outbox, outbox.source_message_id == Message.id)
            .where(Message.sender == "staff", Conversation.channel.in_(WRITTEN_CHANNELS),
                   Conversation.anonymised_at.is_(None), outbox.id.is_(None))
            .order_by(Message.id)).all()
        for message, written in rows:
            session.add(self._answer(session, message, written))
        return len(rows)

    def _answer(self, session: Session, message: Message,
                written: WrittenContact) -> OutgoingMail:
        conversation = contacts.get_conversation(session, message.conversation_id)
        handoff = contacts.current_handoff(session, conversation.id)
        language = conversation.language
        department = department_name(handoff.department if handoff else "kompassi", language)
        mail_id = compose.new_message_id(self.settings.email_from_address)
        session.add(MailMessageId(conversation_id=conversation.id,
                                  message_id_hash=compose.message_id_hash(mail_id),
                                  message_id=mail_id, direction="out"))
        last_in = session.execute(
            select(MailMessageId.message_id)
            .where(MailMessageId.conversation_id == conversation.id,
                   MailMessageId.direction == "in", MailMessageId.message_id.is_not(None))
            .order_by(MailMessageId.id.desc()).limit(1)).scalar()
        return OutgoingMail(
            conversation_id=conversation.id, source_message_id=message.id, kind="answer",
            status="pending" if written.address else "no_address",
            to_address=written.address,
            subject=compose.answer_subject(written.subject, written.reference, language),
            body=compose.answer_body(message.text, reference=written.reference,
                                     department=department, language=language),
            mail_message_id=mail_id, in_reply_to=last_in, attempts=0,
            next_attempt_at=self.clock())

    def _due_ids(self, session: Session) -> List[int]:
        return list(session.execute(
            select(OutgoingMail.id)
            .where(OutgoingMail.status.in_(("pending", "sending")),
                   OutgoingMail.next_attempt_at <= self.clock())
            .order_by(OutgoingMail.id).limit(BATCH)).scalars())

    def _claim(self, session: Session, *, row_id: int) -> Optional[OutgoingMail]:
        """Take one mail to send; a crashed sender's claim expires after the lease."""
        now = self.clock()
        claimed = session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == row_id, OutgoingMail.status.in_(("pending", "sending")),
                   OutgoingMail.next_attempt_at <= now)
            .values(status="sending", next_attempt_at=now + LEASE,
                    attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None
        row = session.get(OutgoingMail, row_id)
        session.expunge(row)
        return row

    async def _send(self, row: OutgoingMail) -> bool:
        """Sends one claimed mail; False when the relay refused us (not the mail)."""
        language = (await self._db(
            lambda s: contacts.get_conversation(s, row.conversation_id))).language
        mail = compose.build_mail(
            from_address=self.settings.email_from_address, to_address=row.to_address or "",
            subject=row.subject or "", body=row.body or "", message_id=row.mail_message_id,
            in_reply_to=row.in_reply_to, language=language, automatic=row.kind == "ack",
            date=self.clock())
        try:
            await asyncio.to_thread(self.relay.send, mail)
        except RelayProblem as problem:
            self._relay_refused(problem)
            short = problem.short
            await self._db(lambda s: self._release(s, row, short))
            return False
        except PermanentFailure:
            logger.warning("outbox: mail %s refused for good", row.id)
            department = await self._db(lambda s: self._failed(s, row))
            if department is not None:
                self.bus.publish(department_topic(department), {
                    "type": "resident_message", "conversation_id": row.conversation_id})
        except (OSError, smtplib.SMTPException) as error:
            reason = type(error).__name__
            logger.warning("outbox: mail %s not sent (%s); retrying", row.id, reason)
            await self._db(lambda s: self._retry(s, row, reason))
        else:
            self._relay_accepted()
            await self._db(lambda s: self._sent(s, row))
        return True

    def _relay_refused(self, problem: RelayProblem) -> None:
        """Logged for the operator (no password, no mail data); sending pauses."""
        self._relay_failures += 1
        pause = backoff(self._relay_failures)
        self._paused_until = self.clock() + pause
        self.relay_problem = problem.short
        logger.error("outbox: %s; mail stays queued, sending paused for %d min (%r)",
                     problem.detail, pause.total_seconds() // 60, self.relay)

    def _relay_accepted(self) -> None:
        if self.relay_problem is not None:
            logger.info("outbox: the relay accepts us again (%r)", self.relay)
        self.relay_problem = None
        self._relay_failures = 0
        self._paused_until = None

    def _release(self, session: Session, row: OutgoingMail, problem: str) -> None:
        """Back in the queue as it was: the attempt is not counted against the mail."""
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row.id).values(
            status="pending", last_error=problem[:64], next_attempt_at=self.clock(),
            attempts=OutgoingMail.attempts - 1))

    def _sent(self, session: Session, row: OutgoingMail) -> None:
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row.id)
                        .values(status="sent", sent_at=self.clock(), last_error=None))

    def _retry(self, session: Session, row: OutgoingMail, error: str) -> None:
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row.id).values(
            status="pending", last_error=error[:64],
            next_attempt_at=self.clock() + backoff(row.attempts)))

    def _failed(self, session: Session, row: OutgoingMail) -> Optional[str]:
        """Marked failed; staff read why in the conversation (returns its department)."""
        session.execute(update(OutgoingMail).where(OutgoingMail.id == row.id)
                        .values(status="failed", last_error="refused"))
        conversation = contacts.get_conversation(session, row.conversation_id)
        contacts.add_message(session, conversation, sender="system",
                             text=compose.text("delivery_failed", conversation.language))
        handoff = contacts.current_handoff(session, conversation.id)
        return handoff.department if handoff else None

    def _seconds_to_next(self, session: Session) -> float:
        upcoming = session.execute(
            select(OutgoingMail.next_attempt_at)
            .where(OutgoingMail.status.in_(("pending", "sending")))
            .order_by(OutgoingMail.next_attempt_at).limit(1)).scalar()
        if upcoming is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.05, (upcoming - self.clock()).total_seconds()))
