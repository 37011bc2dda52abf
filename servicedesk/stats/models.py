"""Per-conversation counts for the statistics, and the indexes the figures need.

Whether a conversation had a resident message, a handoff, a closed handoff or a rating
needs a join of a million conversations with millions of messages: over a second per
figure. `stats_conversation_facts` keeps those counts, one narrow row per conversation,
refreshed by SQL (servicedesk.stats.facts) from the conversations whose last activity
is newer than the last refresh, just before the figures are computed.

The channel is stored on the conversation only. Filtering a year of resident messages,
work items or ratings by channel meant looking up a million conversations (0.4-1 s), so
the refresh also keeps `stats_message_days` (resident messages counted per Helsinki day x
channel x language x topic x outcome: 160,000 rows for 1.2 M messages) and the channel of
each work item, rating and not-understood message (`stats_handoff_channels`,
`stats_rating_channels`, `stats_fallback_channels`: ids only, no text).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, text

from servicedesk.core.types import UTCDateTime
from servicedesk.models import Base, Handoff, Message, Rating

RESIDENT_ONLY = text("sender = 'resident'")
FALLBACK_ONLY = text("sender = 'resident' AND outcome = 'fallback'")


class ConversationFacts(Base):
    __tablename__ = "stats_conversation_facts"

    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             primary_key=True)
    created_at = Column(UTCDateTime, nullable=False)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    resident_messages = Column(Integer, nullable=False, default=0)
    handoffs = Column(Integer, nullable=False, default=0)
    closed_handoffs = Column(Integer, nullable=False, default=0)
    ratings = Column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_stats_conversation_facts_created_at", "created_at"),)


class FactsRefresh(Base):
    """Up to when the facts have been refreshed (one row)."""

    __tablename__ = "stats_refresh"

    name = Column(String(32), primary_key=True)
    refreshed_until = Column(UTCDateTime, nullable=False)


# Resident messages per Helsinki day and what the filters and figures need of them
# (NULL topic, language or outcome as in messages). No key: a refresh replaces whole days.
message_days = Table(
    "stats_message_days", Base.metadata,
    Column("day", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("language", String(2), nullable=True),
    Column("topic", String(64), nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("messages", Integer, nullable=False),
    Index("ix_stats_message_days_day", "day"),
)


class HandoffChannel(Base):
    """The channel of a work item's conversation (a channel filter without the join)."""

    __tablename__ = "stats_handoff_channels"

    handoff_id = Column(ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True)
    channel = Column(String(16), nullable=False)

    __table_args__ = (Index("ix_stats_handoff_channels_channel", "channel", "handoff_id"),)


class RatingChannel(Base):
    """The channel of a rating's conversation."""

    __tablename__ = "stats_rating_channels"

    rating_id = Column(ForeignKey("ratings.id", ondelete="CASCADE"), primary_key=True)
    channel = Column(String(16), nullable=False)

    __table_args__ = (Index("ix_stats_rating_channels_channel", "channel", "rating_id"),)


class FallbackChannel(Base):
    """The channel of a not-understood resident message (its text stays in messages)."""

    __tablename__ = "stats_fallback_channels"

    message_id = Column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    channel = Column(String(16), nullable=False)

    __table_args__ = (Index("ix_stats_fallback_channels_channel", "channel", "message_id"),)


# Resident messages by time with topic, outcome and language: the topic, fallback and
# not-understood figures read only this index (partial: residents' messages).
resident_messages = Index(
    "ix_messages_resident_created", Message.created_at, Message.topic, Message.outcome,
    Message.language, postgresql_where=RESIDENT_ONLY, sqlite_where=RESIDENT_ONLY)
# Not-understood messages by time: their texts are grouped (heap reads of these rows only).
fallback_messages = Index(
    "ix_messages_fallback_created", Message.created_at,
    postgresql_where=FALLBACK_ONLY, sqlite_where=FALLBACK_ONLY)
handoffs_created = Index("ix_handoffs_created_at", Handoff.created_at)
ratings_created = Index("ix_ratings_created_at", Rating.created_at)
ratings_conversation = Index("ix_ratings_conversation_id", Rating.conversation_id)
