"""Telegram's rows in the database: plain functions over a session (the caller commits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from connectors.telegram_models import TelegramConversation, TelegramOutbox, TelegramUpdate
from servicedesk.core.types import utcnow
from servicedesk.models import Conversation, Message

OUTGOING_SENDERS = ("bot", "staff", "system")


@dataclass(frozen=True)
class ChatConversation:
    """The conversation a chat is in now."""

    conversation_id: str
    mode: str
    language: str


@dataclass(frozen=True)
class OutboxJob:
    """A recorded outgoing message, as the sender needs it."""

    id: int
    chat_id: int
    message_id: Optional[int]
    notice: Optional[str]
    language: Optional[str]
    text: str
    buttons: List[Dict[str, str]]
    parts_sent: int
    attempts: int


def current_conversation(session: Session, chat_id: int) -> Optional[ChatConversation]:
    row = session.execute(
        select(Conversation.id, Conversation.mode, Conversation.language)
        .join(TelegramConversation, TelegramConversation.conversation_id == Conversation.id)
        .where(TelegramConversation.chat_id == chat_id)
        .order_by(TelegramConversation.id.desc()).limit(1)).first()
    return ChatConversation(str(row.id), str(row.mode), str(row.language)) if row else None


def link(session: Session, *, chat_id: int, conversation_id: str) -> None:
    """Make `conversation_id` the chat's current conversation."""
    session.execute(insert(TelegramConversation).values(
        chat_id=chat_id, conversation_id=conversation_id, created_at=utcnow()))


def claim_update(session: Session, update_id: int) -> None:
    """Note an update as handled; raises IntegrityError when it already was."""
    session.execute(insert(TelegramUpdate).values(update_id=update_id, received_at=utcnow()))


def prune(session: Session, before: datetime) -> None:
    """Forget updates seen and messages sent (or given up) before `before`."""
    session.execute(delete(TelegramUpdate).where(TelegramUpdate.received_at < before))
    session.execute(delete(TelegramOutbox).where(TelegramOutbox.status != "pending",
                                                 TelegramOutbox.created_at < before))


def _unrecorded_outgoing() -> Any:
    """Outgoing messages of Telegram conversations that the outbox does not hold yet."""
    return (select(Message.id, TelegramConversation.chat_id)
            .join(TelegramConversation,
                  TelegramConversation.conversation_id == Message.conversation_id)
            .where(Message.sender.in_(OUTGOING_SENDERS),
                   ~exists().where(TelegramOutbox.message_id == Message.id))
            .order_by(Message.id))


def record_conversation(session: Session, conversation_id: str) -> int:
    """Record every outgoing message of one conversation not recorded yet; how many."""
    rows = session.execute(
        _unrecorded_outgoing().where(Message.conversation_id == conversation_id)).all()
    return _insert_jobs(session, rows)


def record_recent(session: Session, since: datetime) -> int:
    """The same for every Telegram conversation, for messages since `since`."""
    rows = session.execute(_unrecorded_outgoing().where(Message.created_at >= since)).all()
    return _insert_jobs(session, rows)


def _insert_jobs(session: Session, rows: List[Any]) -> int:
    now = utcnow()
    for row in rows:
        session.execute(insert(TelegramOutbox).values(
            chat_id=row.chat_id, message_id=row.id, status="pending", parts_sent=0,
            attempts=0, created_at=now))
    return len(rows)


def record_notice(session: Session, *, chat_id: int, notice: str,
                  language: Optional[str]) -> None:
    """One of the adapter's own lines, to be sent like any other message."""
    session.execute(insert(TelegramOutbox).values(
        chat_id=chat_id, notice=notice, language=language, status="pending", parts_sent=0,
        attempts=0, created_at=utcnow()))


def next_job(session: Session) -> Optional[OutboxJob]:
    """The oldest unsent message (messages go out in the order they were recorded)."""
    row = session.execute(
        select(TelegramOutbox, Message.text, Message.buttons)
        .outerjoin(Message, Message.id == TelegramOutbox.message_id)
        .where(TelegramOutbox.status == "pending")
        .order_by(TelegramOutbox.id).limit(1)).first()
    if row is None:
        return None
    job: TelegramOutbox = row[0]
    return OutboxJob(id=job.id, chat_id=job.chat_id, message_id=job.message_id,
                     notice=job.notice, language=job.language, text=row.text or "",
                     buttons=list(row.buttons or []), parts_sent=job.parts_sent,
                     attempts=job.attempts)


def mark_progress(session: Session, job_id: int, *, parts_sent: int, done: bool) -> None:
    values: Dict[str, Any] = {"parts_sent": parts_sent}
    if done:
        values.update(status="sent", sent_at=utcnow(), error=None)
    session.execute(update(TelegramOutbox).where(TelegramOutbox.id == job_id).values(**values))


def mark_attempt(session: Session, job_id: int, *, error: str, give_up: bool) -> None:
    """A failed attempt: counted, its kind noted; `give_up` marks the message failed."""
    values: Dict[str, Any] = {"attempts": TelegramOutbox.attempts + 1, "error": error[:64]}
    if give_up:
        values["status"] = "failed"
    session.execute(update(TelegramOutbox).where(TelegramOutbox.id == job_id).values(**values))


def pressed_button(session: Session, *, chat_id: int, message_id: int,
                   index: int) -> Optional[Dict[str, str]]:
    """A button of a message of the chat's current conversation, with that conversation."""
    current = current_conversation(session, chat_id)
    if current is None or index < 0:
        return None
    buttons = session.execute(select(Message.buttons).where(
        Message.id == message_id,
        Message.conversation_id == current.conversation_id)).scalar_one_or_none()
    if not buttons or index >= len(buttons):
        return None
    button = buttons[index]
    return {"conversation_id": current.conversation_id, "title": str(button.get("title", "")),
            "payload": str(button.get("payload", ""))}
