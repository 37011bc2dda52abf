"""The service-level clock in SQL: service time between two instants, per department.

servicedesk.queue.service_hours counts open time in Python for one item. For the
statistics the same hours become a small table written into the query (one row per
department and local calendar day: its open interval and the open seconds of all
earlier days). The service time between a and b is then S(b) - S(a), with

    S(t) = before(day of t) + clamp(t - opens(day of t), 0, closes - opens)

found by two equality joins on (department, local day): exact, holidays and an
admin's edited hours included, and cheap for hundreds of thousands of items. The
hours in force now are applied to the past as well (the history of edits is not kept).
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime, time, timedelta
from typing import List, Tuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicedesk import catalogue
from servicedesk.queue import service_hours
from servicedesk.stats.sql import HELSINKI, Dialect

KINDS = ("live_chat", "message")
PRIORITIES = (1, 2, 3)
EPOCH = date(1970, 1, 1)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def calendar_rows(first: date, last: date) -> List[Tuple[str, int, int, int, int]]:
    """(department, day number, opens, closes, open seconds before the day) per day."""
    hours_now = json.dumps([service_hours.effective_config(d) for d in catalogue.departments()],
                           sort_keys=True)
    return list(_calendar_rows(first, last, hours_now))


@functools.lru_cache(maxsize=32)
def _calendar_rows(first: date, last: date,
                   hours_now: str) -> Tuple[Tuple[str, int, int, int, int], ...]:
    """Cached per span and per version of the hours (an admin's edit changes `hours_now`)."""
    rows = []
    for department in catalogue.departments():
        hours = service_hours.department_hours(department)
        before = 0
        day = first
        while day <= last:
            intervals = hours.intervals_on(day)
            if intervals:
                opens, closes = intervals[0]
            else:
                opens = closes = datetime.combine(day, time(0), HELSINKI)
            rows.append((department, (day - EPOCH).days, _epoch(opens), _epoch(closes), before))
            before += _epoch(closes) - _epoch(opens)
            day += timedelta(days=1)
    return tuple(rows)


def target_rows() -> List[Tuple[str, str, int, int]]:
    """(department, kind, priority, target seconds) for every combination."""
    return [(department, kind, priority,
             int(service_hours.target(department, kind, priority).total_seconds()))
            for department in catalogue.departments() for kind in KINDS
            for priority in PRIORITIES]


def calendar_sql(connection: Connection, dialect: Dialect, first: date, last: date) -> str:
    """Make sla_calendar and sla_targets available to the next query; returns the SQL
    to put before it.

    PostgreSQL: a WITH clause of literal rows, hash joins forced for this transaction.
    SQLite: temporary tables with primary keys (its planner would scan a CTE once per item).
    Run it in the view's own transaction: the PostgreSQL settings last until its end.
    """
    days = calendar_rows(first, last)
    targets = target_rows()
    if dialect.postgresql:
        for department in catalogue.departments():
            if not department.replace("_", "").isalnum():  # ids are written into the SQL
                raise ValueError(f"unexpected department id {department!r}")
        day_rows = ", ".join(f"('{d}', {n}, {o}, {c}, {b})" for d, n, o, c, b in days)
        target_values = ", ".join(f"('{d}', '{k}', {p}, {s})" for d, k, p, s in targets)
        # The planner cannot estimate joins on literal rows and picks nested loops
        # (minutes for 170,000 items); the right plan is hash joins on (department, day).
        for setting in ("enable_nestloop", "enable_mergejoin"):
            connection.execute(text(f"SET LOCAL {setting} = off"))
        return (f"WITH sla_calendar (department, day, opens, closes, before_s) AS "
                f"(VALUES {day_rows}), sla_targets (department, kind, priority, seconds) AS "
                f"(VALUES {target_values}) ")
    for statement in (
        "CREATE TEMP TABLE IF NOT EXISTS sla_calendar (department TEXT, day INTEGER, "
        "opens INTEGER, closes INTEGER, before_s INTEGER, PRIMARY KEY (department, day))",
        "CREATE TEMP TABLE IF NOT EXISTS sla_targets (department TEXT, kind TEXT, "
        "priority INTEGER, seconds INTEGER, PRIMARY KEY (department, kind, priority))",
        "DELETE FROM sla_calendar", "DELETE FROM sla_targets",
    ):
        connection.execute(text(statement))
    connection.execute(text("INSERT INTO sla_calendar VALUES (:d, :n, :o, :c, :b)"),
                       [dict(zip("dnocb", row, strict=True)) for row in days])
    connection.execute(text("INSERT INTO sla_targets VALUES (:d, :k, :p, :s)"),
                       [dict(zip("dkps", row, strict=True)) for row in targets])
    return ""


def with_days(dialect: Dialect, items: str) -> str:
    """`items` (with epoch-second columns t0 and t1) plus their local days d0 and d1."""
    return (f"SELECT i.*, {dialect.epoch_day('i.t0')} AS d0, {dialect.epoch_day('i.t1')} AS d1 "
            f"FROM ({items}) AS i")


def service_time_sql(dialect: Dialect, alias: str) -> Tuple[str, str]:
    """(joins, expression): the service seconds from `alias`.t0 to `alias`.t1 (epoch
    seconds, local days d0 and d1, see with_days) in `alias`.department's hours."""
    d = dialect
    joins = (f"JOIN sla_calendar c0 ON c0.department = {alias}.department "
             f"AND c0.day = {alias}.d0 "
             f"JOIN sla_calendar c1 ON c1.department = {alias}.department "
             f"AND c1.day = {alias}.d1")

    def clock(day: str, moment: str) -> str:
        into_day = d.greatest(f"{moment} - {day}.opens", "0")
        return f"({day}.before_s + {d.least(into_day, f'{day}.closes - {day}.opens')})"
    return joins, f"({clock('c1', f'{alias}.t1')} - {clock('c0', f'{alias}.t0')})"
