"""Small fixed contact logs for the statistics, written straight into a fresh database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from servicedesk.core.db import migrate
from servicedesk.models import Conversation, Handoff, Message, Rating
from servicedesk.stats import facts, queries
from servicedesk.stats.figures import Figure, suppress
from servicedesk.stats.filters import Filters

HELSINKI = ZoneInfo("Europe/Helsinki")
# "Now" in these tests: Wednesday 25 November 2026, 10:00 in Helsinki (every desk open).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI)
_ids = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0,
          second: int = 0) -> datetime:
    """A Helsinki wall-clock time as an aware instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=HELSINKI)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@dataclass
class ContactLog:
    """Writes conversations with their messages, work items and ratings."""

    engine: Engine

    def conversation(self, at: datetime, *, channel: str = "webchat", language: str = "fi",
                     said: Sequence[Tuple[Optional[str], str]] = (), texts: Sequence[str] = (),
                     handoff: Optional[Dict[str, Any]] = None,
                     ratings: Sequence[int] = (), touched_now: bool = False) -> str:
        """`said`: the resident's messages as (topic, outcome), a minute apart.
        `touched_now`: last activity now, as when the gateway writes (else at `at`)."""
        conversation_id = f"c{next(_ids):06d}"
        rows: List[Dict[str, Any]] = []
        for n, (topic, outcome) in enumerate(said):
            rows.append({"conversation_id": conversation_id, "sender": "resident",
                         "text": texts[n] if n < len(texts) else f"question {n}",
                         "created_at": at + timedelta(minutes=n), "topic": topic,
                         "confidence": 0.9, "language": language, "outcome": outcome})
            rows.append({"conversation_id": conversation_id, "sender": "bot", "text": "answer",
                         "created_at": at + timedelta(minutes=n, seconds=1), "topic": None,
                         "confidence": None, "language": None, "outcome": None})
        with self.engine.begin() as connection:
            connection.execute(insert(Conversation).values(
                id=conversation_id, channel=channel, language=language,
                mode="bot", created_at=at,
                last_activity_at=datetime.now(timezone.utc) if touched_now else at))
            if rows:
                connection.execute(insert(Message), rows)
            if handoff is not None:
                connection.execute(insert(Handoff).values(
                    conversation_id=conversation_id, language=language,
                    **{"department": "kompassi", "reason": "asked", "priority": 2,
                       "kind": "live_chat", "status": "closed", "created_at": at, **handoff}))
            for rating in ratings:
                connection.execute(insert(Rating).values(
                    conversation_id=conversation_id, rating=rating,
                    created_at=at + timedelta(minutes=30)))
        return conversation_id


@pytest.fixture
def contact_log(database_url: str) -> Iterator[ContactLog]:
    migrate(database_url)
    engine = create_engine(database_url, future=True)
    yield ContactLog(engine)
    engine.dispose()


def figures(log: ContactLog, view: str, start: date, end: date, *, now: datetime = NOW,
            min_cell: int = 1, **chosen: Any) -> Dict[str, Figure]:
    """A view's figures by id, as the API computes them."""
    filters = Filters(start=start, end=end, **chosen)
    with log.engine.begin() as connection:
        facts.refresh(connection, datetime.now(timezone.utc))
        computed = queries.VIEWS[view](queries.Context(connection, filters, now))
    return {f.id: suppress(f, min_cell=min_cell, everything=filters.narrows_to_sensitive)
            for f in computed}


def rows_by_key(figure: Figure) -> Dict[Any, Dict[str, Any]]:
    """{first column's value: {column: value}}."""
    return {row[0]: dict(zip(figure.columns, row, strict=True)) for row in figure.rows}
