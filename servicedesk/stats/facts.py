"""Refreshing the statistics tables (servicedesk.stats.models) from the contact log by SQL.

Every change that matters (a resident message, a handoff, a staff answer, a close with its
rating prompt, a rating) writes a message and so moves the conversation's
last_activity_at (indexed). A refresh looks at the conversations active since the last
refresh, minus a slack for transactions that were still open then:
- stats_conversation_facts: their rows are recounted (upsert);
- stats_handoff_channels, stats_rating_channels, stats_fallback_channels: their new work
  items, ratings and not-understood messages are added (a channel never changes; a row
  whose message is no longer a fallback matches nothing, the figures also ask for it);
- stats_message_days: the Helsinki days of their resident messages are recounted whole
  (delete and insert: idempotent, and a message whose topic or outcome was written later
  is counted as it is now).
Each table has its stamp in stats_refresh; without one (a new database or table, a bulk
load) it is built in full. Refreshes are serialised, so two requests never count a day
twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Dict, List, Optional, Set, Tuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicedesk.stats.sql import HELSINKI, Dialect, sqlite_instant

REFRESH_NAME = "conversation_facts"
SLACK = timedelta(minutes=5)
BEGINNING = datetime(1970, 1, 1, tzinfo=timezone.utc)
LOCK_KEY = 7_120_609  # PostgreSQL advisory lock of the refresh
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
# (table, its id column, the source table, which of its rows) of the per-item channels.
ITEM_CHANNELS = (("stats_handoff_channels", "handoff_id", "handoffs", "1 = 1"),
                 ("stats_rating_channels", "rating_id", "ratings", "1 = 1"),
                 ("stats_fallback_channels", "message_id", "messages",
                  "s.sender = 'resident' AND s.outcome = 'fallback'"))
RECOUNT_DAYS = (
    "INSERT INTO stats_message_days (day, channel, language, topic, outcome, messages) "
    "SELECT {day} AS day, {channel} AS channel, m.language, m.topic, m.outcome, COUNT(*) "
    "FROM messages m {join} "
    "WHERE m.sender = 'resident' AND m.created_at >= :start AND m.created_at < :end "
    "GROUP BY 1, 2, 3, 4, 5")
# Up to this many days, each message's conversation is looked up by its key (a few
# thousand lookups); longer spans join all conversations (PostgreSQL would do that even
# for one day: a scan of a million conversations, 0.2 s).
LOOKUP_DAYS = 31

DayRange = Tuple[date, date]  # first and last Helsinki day, both included


def _instant(connection: Connection, moment: datetime) -> object:
    return moment if connection.dialect.name == "postgresql" else sqlite_instant(moment)


def _join(connection: Connection) -> str:
    """SQLite: CROSS JOIN keeps the conversations (few, by last activity) as the outer
    loop; its planner otherwise scans every message or work item (seconds)."""
    return "JOIN" if connection.dialect.name == "postgresql" else "CROSS JOIN"


def _as_instant(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- the tables ------------------------------------------------------------------------

def _conversation_facts(connection: Connection, since: Optional[datetime]) -> None:
    if since is None:
        connection.execute(text(FULL))
    else:
        connection.execute(text(INCREMENTAL), {"since": _instant(connection, since)})


def _item_channels(connection: Connection, since: Optional[datetime]) -> None:
    join = "JOIN" if since is None else _join(connection)
    for table, id_column, source, rows in ITEM_CHANNELS:
        insert = (f"INSERT INTO {table} ({id_column}, channel) SELECT s.id, c.channel "
                  f"FROM conversations c {join} {source} s "
                  "ON s.conversation_id = c.id "
                  f"WHERE {rows} ")
        if since is None:
            connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text(insert))
            _analyse(connection, table)
        else:
            connection.execute(text(insert + "AND c.last_activity_at >= :since "
                                    f"ON CONFLICT ({id_column}) DO NOTHING"),
                               {"since": _instant(connection, since)})


def _message_days(connection: Connection, since: Optional[datetime]) -> None:
    if since is None:
        connection.execute(text("DELETE FROM stats_message_days"))
        ranges = _all_days(connection)
    else:
        ranges = _days_touched_since(connection, since)
    for first, last in ranges:
        recount_days(connection, first, last)
    if since is None:
        _analyse(connection, "stats_message_days")


def _analyse(connection: Connection, table: str) -> None:
    """Planner statistics after a full build (PostgreSQL; SQLite's are not kept per table
    until ANALYZE, which the bulk load runs)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ANALYZE {table}"))


def recount_days(connection: Connection, first: date, last: date) -> None:
    """Replace the counts of the Helsinki days first..last by a count of the messages."""
    start = datetime.combine(first, time(0), HELSINKI)
    end = datetime.combine(last + timedelta(days=1), time(0), HELSINKI)
    dialect = Dialect.for_engine(connection.dialect.name, start, end)
    connection.execute(text("DELETE FROM stats_message_days WHERE day >= :first "
                            "AND day <= :last"),
                       {"first": dialect.date(first), "last": dialect.date(last)})
    lookup = (last - first).days < LOOKUP_DAYS
    sql = RECOUNT_DAYS.format(
        day=dialect.day(dialect.local("m.created_at")),
        channel=("(SELECT c.channel FROM conversations c WHERE c.id = m.conversation_id)"
                 if lookup else "c.channel"),
        join="" if lookup else "JOIN conversations c ON c.id = m.conversation_id")
    connection.execute(text(sql), {"start": dialect.instant(start), "end": dialect.instant(end)})


def _all_days(connection: Connection) -> List[DayRange]:
    row = connection.execute(text("SELECT MIN(created_at), MAX(created_at) FROM messages "
                                  "WHERE sender = 'resident'")).first()
    if row is None or row[0] is None:
        return []
    return [(_local_day(_as_instant(row[0])), _local_day(_as_instant(row[1])))]


def _days_touched_since(connection: Connection, since: datetime) -> List[DayRange]:
    """The Helsinki days of the resident messages of the conversations active since
    `since`, as runs of consecutive days. The database gives UTC days (no time-zone
    arithmetic per row); each UTC day overlaps two Helsinki days."""
    utc_day = ("CAST(m.created_at AT TIME ZONE 'UTC' AS date)"
               if connection.dialect.name == "postgresql" else "substr(m.created_at, 1, 10)")
    rows = connection.execute(text(
        f"SELECT DISTINCT {utc_day} FROM conversations c {_join(connection)} messages m "
        "ON m.conversation_id = c.id WHERE c.last_activity_at >= :since "
        "AND m.sender = 'resident'"), {"since": _instant(connection, since)})
    days: Set[date] = set()
    for (value,) in rows:
        start = datetime.combine(_as_date(value), time(0), timezone.utc)
        days.add(_local_day(start))
        days.add(_local_day(start + timedelta(days=1) - timedelta(microseconds=1)))
    return _runs(sorted(days))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def _runs(days: List[date]) -> List[DayRange]:
    """Sorted days as runs of consecutive days."""
    runs: List[DayRange] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


PARTS: Dict[str, Callable[[Connection, Optional[datetime]], None]] = {
    REFRESH_NAME: _conversation_facts,
    "item_channels": _item_channels,
    "message_days": _message_days,
}


# --- the refresh -----------------------------------------------------------------------

def _serialise(connection: Connection) -> None:
    """One refresh at a time: an advisory lock on PostgreSQL; on SQLite a first statement
    that writes takes the database's write lock (others wait: busy_timeout)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        connection.execute(text("UPDATE stats_refresh SET name = name WHERE name = :n"),
                           {"n": REFRESH_NAME})


def refresh(connection: Connection, now: datetime, *, full: bool = False) -> None:
    """Bring the statistics tables up to `now` (the caller commits)."""
    _serialise(connection)
    stamps = {str(name): _as_instant(until) for name, until in connection.execute(
        text("SELECT name, refreshed_until FROM stats_refresh"))}
    for name, update in PARTS.items():
        last = None if full else stamps.get(name)
        update(connection, None if last is None else last - SLACK)
        stamp = {"n": name, "t": _instant(connection, now)}
        if name not in stamps:
            connection.execute(text("INSERT INTO stats_refresh (name, refreshed_until) "
                                    "VALUES (:n, :t) ON CONFLICT (name) DO NOTHING"), stamp)
        connection.execute(text("UPDATE stats_refresh SET refreshed_until = :t "
                                "WHERE name = :n AND refreshed_until < :t"), stamp)
