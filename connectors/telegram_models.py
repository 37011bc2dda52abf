"""Telegram's tables: chat <-> conversation, the durable outbox, updates already seen.

The outbox holds no message text: a row points at the contact log's message (or names one
of the adapter's own lines), so retention of the contact log covers Telegram too; sent
rows and seen updates are pruned after a week, and retention erases the chat link.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)

from servicedesk.core.types import UTCDateTime, utcnow
from servicedesk.models import Base

OUTBOX_STATUSES = ("pending", "sent", "failed")


class TelegramConversation(Base):
    """A conversation held in a Telegram chat; the newest one per chat is the current one."""

    __tablename__ = "telegram_conversations"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             nullable=False, unique=True)
    # The resident's Telegram chat (their user id): erased by retention with the transcript.
    chat_id = Column(BigInteger, nullable=True, info={"personal": True})
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_telegram_conversations_chat_id", "chat_id", "id"),)


class TelegramOutbox(Base):
    """One outgoing message: recorded, then sent (in parts when long), then marked sent."""

    __tablename__ = "telegram_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    chat_id = Column(BigInteger, nullable=False)
    # A message of the contact log, or else one of the adapter's own lines in a language.
    message_id = Column(ForeignKey("messages.id", ondelete="CASCADE"), nullable=True)
    notice = Column(String(32), nullable=True)
    language = Column(String(2), nullable=True)
    status = Column(String(8), nullable=False, default="pending")
    parts_sent = Column(Integer, nullable=False, default=0)
    attempts = Column(Integer, nullable=False, default=0)
    # The kind of the last error (an exception class name), never a message text.
    error = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("message_id", name="uq_telegram_outbox_message_id"),
        Index("ix_telegram_outbox_status_id", "status", "id"),
    )


class TelegramUpdate(Base):
    """An update already handled: Telegram may deliver one again (webhook retry, restart)."""

    __tablename__ = "telegram_updates"

    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_telegram_updates_received_at", "received_at"),)
