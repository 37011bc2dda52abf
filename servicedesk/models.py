"""The contact log: conversations, their messages, handoffs and ratings."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

from servicedesk.core.types import UTCDateTime, utcnow

Base: Any = declarative_base()

CHANNELS = ("webchat", "telegram", "email", "webform")
MODES = ("bot", "human")
SENDERS = ("resident", "bot", "staff", "system")
# What happened to a resident message.
OUTCOMES = ("pending", "answered", "fallback", "handoff", "to_staff", "unavailable")
HANDOFF_STATUSES = ("waiting", "claimed", "answered", "closed")


def new_conversation_id() -> str:
    """An unguessable id (192 random bits)."""
    return secrets.token_urlsafe(24)


class Conversation(Base):
    __tablename__ = "conversations"

    id = Column(String(64), primary_key=True, default=new_conversation_id)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    mode = Column(String(8), nullable=False, default="bot")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_activity_at = Column(UTCDateTime, nullable=False,
                                                       default=utcnow)
    # Set when the retention job has removed the transcript's personal data.
    anonymised_at = Column(UTCDateTime, nullable=True)

    messages = relationship(
        "Message", back_populates="conversation", order_by="Message.id")
    handoffs = relationship(
        "Handoff", back_populates="conversation", order_by="Handoff.id")

    __table_args__ = (
        Index("ix_conversations_created_at", "created_at"),
        Index("ix_conversations_last_activity_at", "last_activity_at"),
    )


class Message(Base):
    __tablename__ = "messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    sender = Column(String(16), nullable=False)
    text = Column(Text, nullable=False, default="")
    buttons = Column(JSON, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # For resident messages: what the assistant understood and what happened.
    topic = Column(String(64), nullable=True)
    confidence = Column(Float, nullable=True)
    language = Column(String(2), nullable=True)
    outcome = Column(String(16), nullable=True)

    conversation = relationship("Conversation", back_populates="messages")

    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_messages_created_at", "created_at"),
    )


class Handoff(Base):
    """A conversation handed to a person: one work item of the queue."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    department = Column(String(32), nullable=False)
    reason = Column(String(16), nullable=False)
    topic = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False)
    priority = Column(Integer, nullable=False, default=2)
    status = Column(String(16), nullable=False, default="waiting")
    # live_chat: a person during service hours; message: a left message answered later.
    kind = Column(String(16), nullable=False, default="live_chat")
    # Who holds the item (the staff user's login name) and how it ended.
    assignee = Column(String(64), nullable=True)
    resolution = Column(String(32), nullable=True)
    # A left message's optional e-mail address or phone number for the answer.
    contact_details = Column(String(255), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at = Column(UTCDateTime, nullable=True)
    first_response_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)

    conversation = relationship("Conversation", back_populates="handoffs")

    __table_args__ = (
        Index("ix_handoffs_department_status_created", "department", "status", "created_at"),
        Index("ix_handoffs_conversation_id", "conversation_id"),
    )


class Rating(Base):
    """A satisfaction answer (1-5) after a conversation."""

    __tablename__ = "ratings"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    rating = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
