"""The incremental refresh of the statistics tables (servicedesk.stats.facts): what
changes after a refresh is counted after the next one, once, on the right Helsinki day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import insert, text

from servicedesk.models import Handoff, Message, Rating
from servicedesk.stats import facts
from tests.stats.conftest import ContactLog, figures, local, utc

DAY = date(2026, 5, 6)


def _touch(log: ContactLog, conversation_id: str) -> None:
    """What the gateway does on every write: the conversation's last activity is now."""
    with log.engine.begin() as connection:
        connection.execute(text("UPDATE conversations SET last_activity_at = :now "
                                "WHERE id = :id"),
                           {"now": _now_value(log), "id": conversation_id})


def _now_value(log: ContactLog) -> Any:
    now = datetime.now(timezone.utc)
    return now if log.engine.dialect.name == "postgresql" else now.strftime(
        "%Y-%m-%d %H:%M:%S.%f")


def _say(log: ContactLog, conversation_id: str, at: datetime, topic: Optional[str],
         outcome: str) -> int:
    with log.engine.begin() as connection:
        return int(connection.execute(insert(Message).values(
            conversation_id=conversation_id, sender="resident", text="mitä kuuluu",
            created_at=at, topic=topic, language="fi", outcome=outcome)).inserted_primary_key[0])


def _message_days(log: ContactLog) -> List[List[Any]]:
    with log.engine.begin() as connection:
        rows = connection.execute(text(
            "SELECT day, channel, topic, outcome, messages FROM stats_message_days "
            "ORDER BY day, channel, topic, outcome"))
        return [[str(r.day)[:10], r.channel, r.topic, r.outcome, r.messages] for r in rows]


def _fallback(log: ContactLog, **chosen: Any) -> List[Any]:
    return figures(log, "assistant", DAY, DAY, **chosen)["fallback"].rows[0][:2]


def test_a_message_written_after_a_refresh_is_counted_after_the_next(
        contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)
    first = contact_log.conversation(at, said=[("library", "answered")], touched_now=True)
    assert figures(contact_log, "topics", DAY, DAY)["top_topics"].rows == [["library", 1, 1.0]]

    _say(contact_log, first, at + timedelta(minutes=5), "library", "answered")
    _say(contact_log, first, at + timedelta(minutes=6), None, "fallback")
    _touch(contact_log, first)
    contact_log.conversation(at, channel="telegram", said=[("daycare", "answered")],
                             touched_now=True)

    top = figures(contact_log, "topics", DAY, DAY)["top_topics"]
    assert top.rows == [["library", 2, 0.6667], ["daycare", 1, 0.3333]]
    assert _fallback(contact_log) == [4, 1]
    assert _fallback(contact_log, channel="webchat") == [3, 1]
    assert _fallback(contact_log, channel="telegram") == [1, 0]
    # Refreshing again (the same day recounted) counts nothing twice.
    assert _fallback(contact_log) == [4, 1]
    assert sum(row[-1] for row in _message_days(contact_log)) == 4


def test_an_outcome_written_later_is_counted_as_it_is_now(contact_log: ContactLog) -> None:
    """The gateway stores a resident message as pending and writes what the assistant
    understood afterwards (an UPDATE): the refresh recounts the day."""
    at = local(2026, 5, 6, 10)
    conversation = contact_log.conversation(at, touched_now=True)
    message_id = _say(contact_log, conversation, at, None, "pending")
    _touch(contact_log, conversation)
    assert _fallback(contact_log) == [0, 0]

    with contact_log.engine.begin() as connection:
        connection.execute(text("UPDATE messages SET outcome = 'fallback' WHERE id = :id"),
                           {"id": message_id})
    _touch(contact_log, conversation)
    assert _fallback(contact_log) == [1, 1]
    understood = figures(contact_log, "not_understood", DAY, DAY, channel="webchat")
    assert understood["not_understood"].rows == [["mitä kuuluu", "fi", 1]]
    assert figures(contact_log, "not_understood", DAY, DAY,
                   channel="email")["not_understood"].rows == []


def test_days_are_helsinki_days_across_midnight_and_dst(contact_log: ContactLog) -> None:
    """21:30 UTC on 6 May is 00:30 on 7 May in Helsinki (UTC+3); 22:30 UTC on 28 March
    is 00:30 on 29 March (UTC+2), and 29 March 2026 is the day clocks go forward."""
    contact_log.conversation(utc(2026, 5, 6, 20, 30), said=[("library", "answered")],
                             touched_now=True)
    contact_log.conversation(utc(2026, 5, 6, 21, 30), said=[("library", "answered")],
                             touched_now=True)
    contact_log.conversation(utc(2026, 3, 28, 22, 30), said=[("daycare", "answered")],
                             touched_now=True)
    contact_log.conversation(utc(2026, 3, 29, 0, 59), said=[("daycare", "answered")],
                             touched_now=True)
    contact_log.conversation(utc(2026, 3, 29, 21, 30), said=[("daycare", "answered")],
                             touched_now=True)
    with contact_log.engine.begin() as connection:
        facts.refresh(connection, datetime.now(timezone.utc))
    assert _message_days(contact_log) == [
        ["2026-03-29", "webchat", "daycare", "answered", 2],
        ["2026-03-30", "webchat", "daycare", "answered", 1],
        ["2026-05-06", "webchat", "library", "answered", 1],
        ["2026-05-07", "webchat", "library", "answered", 1]]
    trend = figures(contact_log, "topics", date(2026, 3, 23), date(2026, 3, 30))["topic_trend"]
    assert trend.rows == [["2026-03-23", 2], ["2026-03-30", 1]]


def test_work_items_and_ratings_added_later_follow_the_channel_filter(
        contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)
    chat = contact_log.conversation(at, said=[("human_handoff", "handoff")],
                                    handoff={"reason": "asked"}, touched_now=True)
    mail = contact_log.conversation(at, channel="email", touched_now=True)

    def workload(channel: str) -> Dict[Any, Any]:
        rows = figures(contact_log, "workload", DAY, DAY, channel=channel)["workload"].rows
        return {row[0]: row[1] for row in rows}

    assert workload("webchat")["kompassi"] == 1
    assert workload("email")["kompassi"] == 0
    with contact_log.engine.begin() as connection:
        connection.execute(insert(Handoff).values(
            conversation_id=mail, department="kompassi", reason="asked", language="fi",
            kind="message", status="closed", created_at=at + timedelta(hours=1)))
        connection.execute(insert(Rating).values(conversation_id=chat, rating=4,
                                                 created_at=at + timedelta(hours=1)))
    _touch(contact_log, mail)
    _touch(contact_log, chat)
    assert workload("email")["kompassi"] == 1
    assert workload("webchat")["kompassi"] == 1
    ratings = figures(contact_log, "outcomes", DAY, DAY, channel="webchat")["satisfaction"]
    assert ratings.rows[3] == [4, 1, 1.0]
    ratings = figures(contact_log, "outcomes", DAY, DAY, channel="email")["satisfaction"]
    assert [row[1] for row in ratings.rows] == [0, 0, 0, 0, 0]


def test_a_table_without_a_stamp_is_built_in_full(contact_log: ContactLog) -> None:
    """A new migration's table, or a bulk load: no stamp, so everything is counted even
    when the conversations' last activity is long past."""
    contact_log.conversation(local(2026, 5, 6, 10), said=[("library", "answered")])
    with contact_log.engine.begin() as connection:
        facts.refresh(connection, datetime.now(timezone.utc))
        connection.execute(text("DELETE FROM stats_message_days"))
        connection.execute(text("DELETE FROM stats_refresh WHERE name = 'message_days'"))
    assert _message_days(contact_log) == []
    assert figures(contact_log, "topics", DAY, DAY)["top_topics"].rows == [["library", 1, 1.0]]
