"""The synthetic year: every channel and language, plausible work items, and a service-level
clock in SQL that agrees with the queue's own (Python) clock item by item."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from servicedesk import demo_data
from servicedesk.models import Handoff
from servicedesk.queue import service_hours
from servicedesk.stats import queries
from servicedesk.stats.filters import Filters
from servicedesk.stats.sql import HELSINKI

END = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def demo_url(database_url: str) -> str:
    demo_data.fill(database_url, conversations=1500, days=60, seed=7, end=END)
    return database_url


def test_fills_all_channels_and_languages(demo_url: str) -> None:
    engine = create_engine(demo_url, future=True)
    with engine.connect() as connection:
        def values(sql: str) -> set:
            return set(connection.execute(text(sql)).scalars())

        assert values("SELECT DISTINCT channel FROM conversations") == set(
            demo_data.CHANNELS)
        assert values("SELECT DISTINCT language FROM conversations") == {"fi", "sv", "en"}
        assert values("SELECT DISTINCT sender FROM messages") == {
            "resident", "bot", "staff", "system"}
        assert {"asked", "sensitive"} <= values("SELECT DISTINCT reason FROM handoffs")
        assert values("SELECT DISTINCT kind FROM handoffs") == {"live_chat", "message"}
        count = connection.execute(text("SELECT COUNT(*) FROM conversations")).scalar_one()
        facts = connection.execute(text(
            "SELECT COUNT(*) FROM stats_conversation_facts")).scalar_one()
        assert 1400 <= count <= 1500 and facts == count
    engine.dispose()
    with pytest.raises(SystemExit):
        demo_data.fill(demo_url, conversations=10, days=2, end=END)


def test_sql_compliance_agrees_with_the_python_clock(demo_url: str) -> None:
    filters = Filters(start=datetime(2026, 9, 26).date(), end=END.astimezone(HELSINKI).date())
    engine = create_engine(demo_url, future=True)
    with Session(engine) as session:
        items = session.execute(select(Handoff).where(
            Handoff.created_at >= filters.utc_start)).scalars().all()
        expected: dict = {}
        for item in items:  # the test's own loop: the figure itself is one SQL query
            hours = service_hours.department_hours(item.department)
            target = service_hours.target(item.department, item.kind, item.priority)
            end = item.first_response_at or item.closed_at or END
            used = hours.service_time_between(item.created_at, end)
            measured, met = expected.get(item.department, (0, 0))
            if item.first_response_at is not None or used > target:
                expected[item.department] = (
                    measured + 1, met + int(item.first_response_at is not None and used <= target))
        figure = queries.compliance(queries.Context(session.connection(), filters, END))
    engine.dispose()
    found = {row[0]: (row[1], row[2]) for row in figure.rows if row[0] != "all"}
    assert sum(m for m, _ in expected.values()) > 50
    assert {d: v for d, v in found.items() if v != (0, 0)} == expected
