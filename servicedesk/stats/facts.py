"""Refreshing stats_conversation_facts: an incremental SQL upsert from the contact log.

Every change that matters (a resident message, a handoff, a staff answer, a close with its
rating prompt, a rating) writes a message and so moves the conversation's
last_activity_at (indexed). A refresh recounts the conversations active since the last
refresh, minus a slack for transactions that were still open then. A bulk load (the
demo data) refreshes everything at once with grouped joins.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicedesk.stats.sql import sqlite_instant

REFRESH_NAME = "conversation_facts"
SLACK = timedelta(minutes=5)
BEGINNING = datetime(1970, 1, 1, tzinfo=timezone.utc)
COLUMNS = ("conversation_id, created_at, channel, language, resident_messages, handoffs, "
           "closed_handoffs, ratings")
UPSERT = (" ON CONFLICT (conversation_id) DO UPDATE SET language = excluded.language, "
          "resident_messages = excluded.resident_messages, handoffs = excluded.handoffs, "
          "closed_handoffs = excluded.closed_handoffs, ratings = excluded.ratings")
INCREMENTAL = (
    f"INSERT INTO stats_conversation_facts ({COLUMNS}) "
    "SELECT c.id, c.created_at, c.channel, c.language, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id "
    "AND m.sender = 'resident'), "
    "(SELECT COUNT(*) FROM handoffs h WHERE h.conversation_id = c.id), "
    "(SELECT COUNT(*) FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'closed'), "
    "(SELECT COUNT(*) FROM ratings r WHERE r.conversation_id = c.id) "
    "FROM conversations c WHERE c.last_activity_at >= :since" + UPSERT)
FULL = (
    f"INSERT INTO stats_conversation_facts ({COLUMNS}) "
    "SELECT c.id, c.created_at, c.channel, c.language, COALESCE(m.n, 0), COALESCE(h.n, 0), "
    "COALESCE(h.closed, 0), COALESCE(r.n, 0) FROM conversations c "
    "LEFT JOIN (SELECT conversation_id, COUNT(*) AS n FROM messages WHERE sender = 'resident' "
    "GROUP BY conversation_id) m ON m.conversation_id = c.id "
    "LEFT JOIN (SELECT conversation_id, COUNT(*) AS n, "
    "SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed FROM handoffs "
    "GROUP BY conversation_id) h ON h.conversation_id = c.id "
    "LEFT JOIN (SELECT conversation_id, COUNT(*) AS n FROM ratings GROUP BY conversation_id) r "
    "ON r.conversation_id = c.id WHERE 1 = 1" + UPSERT)  # WHERE: SQLite's upsert parser


def _instant(connection: Connection, moment: datetime) -> object:
    return moment if connection.dialect.name == "postgresql" else sqlite_instant(moment)


def refresh(connection: Connection, now: datetime, *, full: bool = False) -> None:
    """Bring the facts up to `now` (the caller commits)."""
    row = connection.execute(text("SELECT refreshed_until FROM stats_refresh WHERE name = :n"),
                             {"n": REFRESH_NAME}).first()
    if full or row is None:
        connection.execute(text(FULL))
    else:
        last = row[0] if isinstance(row[0], datetime) else datetime.fromisoformat(str(row[0]))
        since = (last if last.tzinfo else last.replace(tzinfo=timezone.utc)) - SLACK
        connection.execute(text(INCREMENTAL), {"since": _instant(connection, since)})
    stamp = {"n": REFRESH_NAME, "t": _instant(connection, now)}
    if row is None:
        connection.execute(text("INSERT INTO stats_refresh (name, refreshed_until) "
                                "VALUES (:n, :t) ON CONFLICT (name) DO NOTHING"), stamp)
    connection.execute(text("UPDATE stats_refresh SET refreshed_until = :t WHERE name = :n "
                            "AND refreshed_until < :t"), stamp)
