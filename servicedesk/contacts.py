"""The contact log: storing and reading conversations, messages, handoffs and ratings.

Plain functions over a SQLAlchemy session; the caller owns the transaction.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from servicedesk.core.types import UTCDateTime, utcnow
from servicedesk.models import Conversation, Handoff, Message, Rating
from servicedesk.texts import department_name

OPEN_HANDOFF_STATUSES = ("waiting", "claimed", "answered")
PRIORITY_BY_REASON = {"sensitive": 1, "asked": 2, "fallback": 2, "unavailable": 2}
AVERAGE_HANDLING_MINUTES = 4
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+358|0)[\s-]?\d{1,3}(?:[\s-]?\d){5,9}(?!\w)")


class ConversationNotFound(LookupError):
    """No conversation has this id."""


def create_conversation(session: Session, *, channel: str, language: str) -> Conversation:
    conversation = Conversation(channel=channel, language=language, mode="bot")
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def add_message(
    session: Session,
    conversation: Conversation,
    *,
    sender: str,
    text: str,
    buttons: Optional[List[Dict[str, str]]] = None,
    outcome: Optional[str] = None,
) -> Message:
    now = utcnow()
    message = Message(conversation_id=conversation.id, sender=sender, text=text,
                      buttons=buttons or None, outcome=outcome, created_at=now)
    conversation.last_activity_at = now
    session.add(message)  # flushed with the next query or commit
    return message


_SELECT_MODE = text("SELECT mode, language FROM conversations WHERE id = :id")
_TOUCH_CONVERSATION = text(
    "UPDATE conversations SET last_activity_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=UTCDateTime()))


def log_resident_message(session: Session, conversation_id: str,
                         text: str) -> tuple[int, str, str]:
    """Store a resident's message before it goes anywhere: (message id, mode, language).

    Plain SQL on the session's connection rather than ORM objects: this runs on every
    message.
    """
    connection = session.connection()
    row = connection.execute(_SELECT_MODE, {"id": conversation_id}).first()
    if row is None:
        raise ConversationNotFound(conversation_id)
    now = utcnow()
    message_id = _insert_message(connection, conversation_id, sender="resident", text=text,
                                 buttons=None, created_at=now,
                                 outcome="to_staff" if row.mode == "human" else "pending")
    connection.execute(_TOUCH_CONVERSATION, {"now": now, "id": conversation_id})
    return message_id, str(row.mode), str(row.language)


# RETURNING: PostgreSQL, and SQLite from 3.35 on.
_INSERT_MESSAGE = text(
    "INSERT INTO messages (conversation_id, sender, text, buttons, created_at, outcome) "
    "VALUES (:conversation_id, :sender, :text, :buttons, :created_at, :outcome) RETURNING id"
).bindparams(bindparam("buttons", type_=Message.__table__.c.buttons.type),
             bindparam("created_at", type_=UTCDateTime()))


def _insert_message(connection: Connection, conversation_id: str, *, sender: str, text: str,
                    buttons: Optional[List[Dict[str, str]]], created_at: datetime,
                    outcome: Optional[str]) -> int:
    return int(connection.execute(_INSERT_MESSAGE, {
        "conversation_id": conversation_id, "sender": sender, "text": text,
        "buttons": buttons, "created_at": created_at, "outcome": outcome}).scalar_one())


_SELECT_CHANNEL = text(
    "SELECT channel, mode, EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = :id) "
    "AS has_handoff FROM conversations WHERE id = :id")
_RECORD_UNDERSTANDING = text(
    "UPDATE messages SET topic = :topic, confidence = :confidence, language = :language, "
    "outcome = :outcome WHERE id = :id")
_SET_LANGUAGE = text(
    "UPDATE conversations SET language = :language, last_activity_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=UTCDateTime()))


def record_plain_bot_turn(session: Session, conversation_id: str, message_id: int, *,
                          topic: Optional[str], confidence: Optional[float], language: str,
                          outcome: str, replies: List[Tuple[str, Optional[List[Dict[str, str]]]]]
                          ) -> Optional[Tuple[List[Dict[str, Any]], Dict[str, Any]]]:
    """The common turn, in plain SQL: the bot answered a conversation that never had a
    handoff. Returns (reply views, conversation state), or None (writing nothing) when the
    conversation has a handoff and needs the full path."""
    connection = session.connection()
    row = connection.execute(_SELECT_CHANNEL, {"id": conversation_id}).first()
    if row is None:
        raise ConversationNotFound(conversation_id)
    if row.has_handoff:
        return None
    now = utcnow()
    connection.execute(_RECORD_UNDERSTANDING, {"topic": topic, "confidence": confidence,
                                               "language": language, "outcome": outcome,
                                               "id": message_id})
    views = []
    for reply_text, buttons in replies:
        reply_id = _insert_message(connection, conversation_id, sender="bot", text=reply_text,
                                   buttons=buttons or None, created_at=now, outcome=None)
        views.append({"id": str(reply_id), "sender": "bot", "text": reply_text,
                      "buttons": buttons or [], "created_at": now.isoformat()})
    connection.execute(_SET_LANGUAGE, {"language": language, "now": now, "id": conversation_id})
    state = {"conversation_id": conversation_id, "channel": row.channel, "language": language,
             "mode": row.mode, "handoff": None}
    return views, state


def record_understanding(session: Session, message_id: int, *, topic: Optional[str],
                         confidence: Optional[float], language: Optional[str],
                         outcome: str) -> None:
    """What the assistant understood of a resident message, and what happened."""
    session.execute(update(Message).where(Message.id == message_id).values(
        topic=topic, confidence=confidence, language=language, outcome=outcome))


def messages_after(session: Session, conversation_id: str, after_id: int,
                   limit: int = 200) -> List[Message]:
    """Messages of a conversation with an id above `after_id`, oldest first."""
    query = (select(Message)
             .where(Message.conversation_id == conversation_id, Message.id > after_id)
             .order_by(Message.id).limit(limit))
    return list(session.execute(query).scalars())


def open_handoff(session: Session, conversation: Conversation, *, department: str,
                 reason: str, topic: Optional[str], kind: str = "live_chat") -> Handoff:
    """Switch the conversation to a person and put it in its department's queue."""
    handoff = Handoff(
        conversation_id=conversation.id, department=department, reason=reason, topic=topic,
        language=conversation.language, priority=PRIORITY_BY_REASON.get(reason, 2),
        status="waiting", kind=kind, created_at=utcnow(),
    )
    conversation.mode = "human"
    session.add(handoff)
    session.flush()
    return handoff


def current_handoff(session: Session, conversation_id: str) -> Optional[Handoff]:
    """The newest handoff of a conversation, open or not."""
    query = (select(Handoff).where(Handoff.conversation_id == conversation_id)
             .order_by(Handoff.id.desc()).limit(1))
    return session.execute(query).scalars().first()


def waiting_live_chats(session: Session, department: str) -> int:
    return int(session.execute(select(func.count(Handoff.id)).where(
        Handoff.department == department, Handoff.status == "waiting",
        Handoff.kind == "live_chat")).scalar_one())


def queue_position(session: Session, handoff: Handoff) -> int:
    """1 + the waiting live chats of the same department ahead of this one."""
    ahead = session.execute(
        select(func.count(Handoff.id)).where(
            Handoff.department == handoff.department, Handoff.status == "waiting",
            Handoff.kind == "live_chat",
            (Handoff.priority < handoff.priority)
            | ((Handoff.priority == handoff.priority) & (Handoff.id < handoff.id)),
        )
    ).scalar_one()
    return int(ahead) + 1


def add_rating(session: Session, conversation: Conversation, rating: int) -> Rating:
    row = Rating(conversation_id=conversation.id, rating=rating, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def message_view(message: Message) -> Dict[str, Any]:
    """A message as the public API shows it."""
    return {
        "id": str(message.id),
        "sender": message.sender,
        "text": message.text,
        "buttons": message.buttons or [],
        "created_at": message.created_at.isoformat(),
    }


def conversation_state(session: Session, conversation: Conversation) -> Dict[str, Any]:
    """The public state of a conversation: mode, language and its handoff."""
    handoff = current_handoff(session, conversation.id)
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "language": conversation.language,
        "mode": conversation.mode,
        "handoff": handoff_view(session, handoff, conversation.language) if handoff else None,
    }


def handoff_view(session: Session, handoff: Handoff, language: str) -> Dict[str, Any]:
    waiting = handoff.status == "waiting"
    left_message = waiting and handoff.kind == "message"
    position = queue_position(session, handoff) if waiting and not left_message else None
    return {
        "status": "left_message" if left_message else handoff.status,
        "kind": handoff.kind,
        "department": handoff.department,
        "department_name": department_name(handoff.department, language),
        "queue_position": position,
        "estimated_wait_minutes": position * AVERAGE_HANDLING_MINUTES if position else None,
    }


def remember_contact_details(handoff: Handoff, text: str) -> None:
    """A left message's first e-mail address or phone number: where staff send the answer."""
    if handoff.kind != "message" or handoff.contact_details:
        return
    found = EMAIL.search(text) or PHONE.search(text)
    if found:
        handoff.contact_details = found.group(0)[:255]


# How far back a clicked button may have been offered (bot and system messages).
OFFERED_BUTTONS_LOOKBACK = 20


def _recent_offers(session: Session, conversation_id: str
                   ) -> List[Tuple[datetime, List[str]]]:
    """(when, payloads) of the conversation's recent bot and system messages with buttons,
    newest first."""
    rows = session.execute(
        select(Message.created_at, Message.buttons)
        .where(Message.conversation_id == conversation_id,
               Message.sender.in_(("bot", "system")), Message.buttons.is_not(None))
        .order_by(Message.id.desc()).limit(OFFERED_BUTTONS_LOOKBACK)).all()
    return [(created, [str(b.get("payload", "")) for b in buttons or [] if isinstance(b, dict)])
            for created, buttons in rows]


def offered_payload(session: Session, conversation_id: str, payload: str) -> bool:
    """Whether one of the conversation's recent bot or system messages offered `payload`."""
    return any(payload in payloads for _, payloads in _recent_offers(session, conversation_id))


def rating_awaited(session: Session, conversation_id: str) -> bool:
    """A rating was asked for (its buttons were offered) and not yet given since."""
    asked = next((created for created, payloads in _recent_offers(session, conversation_id)
                  if any(p.startswith("/rate") for p in payloads)), None)
    if asked is None:
        return False
    rated = session.execute(select(func.max(Rating.created_at))
                            .where(Rating.conversation_id == conversation_id)).scalar()
    return rated is None or rated < asked
