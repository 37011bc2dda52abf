"""The dashboard's figures, each computed by SQL aggregation in the database.

Python only reshapes the aggregated rows (at most a few thousand: days x hours,
weeks x topics); it never loops over contacts or messages. Every view takes a
connection, the filters and the current time, and returns its figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicedesk import catalogue
from servicedesk.stats import filters as where
from servicedesk.stats.figures import Figure
from servicedesk.stats.filters import Filters
from servicedesk.stats.masking import mask
from servicedesk.stats.service_calendar import calendar_sql, service_time_sql, with_days
from servicedesk.stats.sql import Dialect

HANDOFF_REASONS = ("asked", "fallback", "sensitive", "unavailable")
# Resident messages the assistant itself handled (not those meant for staff or lost).
BOT_OUTCOMES = ("answered", "fallback", "handoff")
OPEN_STATUSES = ("waiting", "claimed", "answered")
TREND_TOPICS = 5
NOT_UNDERSTOOD_GROUPS = 500


@dataclass(frozen=True)
class Context:
    """One request's query context."""

    connection: Connection
    filters: Filters
    now: datetime

    @property
    def dialect(self) -> Dialect:
        horizon = max(self.filters.utc_end, self.now) + timedelta(days=45)
        return Dialect.for_engine(self.connection.dialect.name,
                                  min(self.filters.utc_start, self.now - timedelta(days=90)),
                                  horizon)

    def rows(self, sql: str, params: Dict[str, Any]) -> List[Any]:
        return list(self.connection.execute(text(sql), params))


def _day(value: Any) -> str:
    """A day from either database as 'YYYY-MM-DD'."""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _rate(part: Optional[float], whole: Optional[float]) -> Optional[float]:
    return round(part / whole, 4) if part is not None and whole else None


def _seconds(value: Any) -> Optional[int]:
    return None if value is None else round(float(value))


# --- volume: contacts per day, per week, weekday x hour -------------------------------

def contacts_by_day_and_hour(ctx: Context) -> Dict[Tuple[str, int, int], int]:
    """(local day, weekday, hour) -> conversations started.

    Counted per UTC hour first (cheap), then the at most 24 x days hour buckets are turned
    into Helsinki days and hours: the offsets are whole hours, so each bucket is one local
    hour.
    """
    d = ctx.dialect
    cond = where.conversations(d, ctx.filters)
    if d.postgresql:
        bucket = "date_trunc('hour', c.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    else:
        bucket = "substr(c.created_at, 1, 13) || ':00:00.000000'"
    hourly = (f"SELECT {bucket} AS bucket, COUNT(*) AS n FROM conversations c "
              f"WHERE {cond.sql} GROUP BY 1")
    local = d.local("b.bucket")
    sql = (f"SELECT {d.day('lt')} AS day, {d.weekday('lt')} AS wd, {d.hour('lt')} AS hr, "
           f"SUM(n) AS n FROM (SELECT {local} AS lt, b.n AS n FROM ({hourly}) AS b) AS s "
           "GROUP BY 1, 2, 3")
    return {(_day(r.day), int(r.wd), int(r.hr)): int(r.n) for r in ctx.rows(sql, cond.params)}


def volume(ctx: Context) -> List[Figure]:
    counts = contacts_by_day_and_hour(ctx)
    per_day: Dict[str, int] = defaultdict(int)
    grid = [[0] * 24 for _ in range(7)]
    for (day_text, weekday, hour), n in counts.items():
        per_day[day_text] += n
        grid[weekday][hour] += n
    days = ctx.filters.days()
    per_week: Dict[str, int] = defaultdict(int)
    for day in days:
        per_week[(day - timedelta(days=day.weekday())).isoformat()] += per_day[day.isoformat()]
    hours = [f"{h:02d}" for h in range(24)]
    return [
        Figure("contacts_per_day", ["day", "contacts"],
               [[day.isoformat(), per_day[day.isoformat()]] for day in days],
               counts=("contacts",)),
        Figure("contacts_per_week", ["week", "contacts"],
               [[week, n] for week, n in sorted(per_week.items())], counts=("contacts",)),
        Figure("heatmap", ["weekday", *hours],
               [[weekday, *grid[weekday]] for weekday in range(7)], counts=tuple(hours)),
    ]


# --- topics ---------------------------------------------------------------------------

def topics(ctx: Context) -> List[Figure]:
    d = ctx.dialect
    cond = where.message_days(d, ctx.filters)
    subjects = catalogue.subject_topics()
    names = {f"subject_{n}": topic for n, topic in enumerate(subjects)}
    listed = ", ".join(f":{name}" for name in names)
    day = "CAST(s.day AS timestamp)" if d.postgresql else "s.day"  # no time zone
    sql = (f"SELECT {d.week(day)} AS week, s.topic AS topic, SUM(s.messages) AS n "
           f"FROM stats_message_days s WHERE {cond.sql} AND s.topic IN ({listed}) "
           "GROUP BY 1, 2")
    weekly = [(_day(r.week), str(r.topic), int(r.n))
              for r in ctx.rows(sql, {**cond.params, **names})]
    totals: Dict[str, int] = defaultdict(int)
    for _, topic, n in weekly:
        totals[topic] += n
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    all_questions = sum(totals.values())
    top = Figure("top_topics", ["topic", "questions", "share"],
                 [[topic, n, _rate(n, all_questions)] for topic, n in ranked],
                 counts=("questions",), derived={"share": ("questions",)}, key="topic")
    leaders = [topic for topic, _ in ranked[:TREND_TOPICS]]
    by_week: Dict[str, Dict[str, int]] = defaultdict(dict)
    for week, topic, n in weekly:
        by_week[week][topic] = n
    weeks = sorted({(day - timedelta(days=day.weekday())).isoformat()
                    for day in ctx.filters.days()})
    trend = Figure("topic_trend", ["week", *leaders],
                   [[week, *(by_week[week].get(t, 0) for t in leaders)] for week in weeks],
                   counts=tuple(leaders))
    return [top, trend]


# --- the assistant: containment, handoffs by reason, fallback -------------------------

def assistant(ctx: Context) -> List[Figure]:
    d = ctx.dialect
    facts = where.conversations(d, ctx.filters, "f", id_column="conversation_id")
    sql = ("SELECT COUNT(*) AS conversations, "
           "COUNT(CASE WHEN f.resident_messages > 0 THEN 1 END) AS engaged, "
           "COUNT(CASE WHEN f.resident_messages > 0 AND f.handoffs = 0 THEN 1 END) AS contained, "
           "COUNT(CASE WHEN f.handoffs > 0 THEN 1 END) AS handed_off "
           f"FROM stats_conversation_facts f WHERE {facts.sql}")
    totals = ctx.rows(sql, facts.params)[0]
    engaged = int(totals.engaged)
    containment = Figure(
        "containment", ["conversations", "engaged", "contained", "handed_off", "containment"],
        [[int(totals.conversations), engaged, int(totals.contained), int(totals.handed_off),
          _rate(int(totals.contained), engaged)]],
        counts=("conversations", "engaged", "contained", "handed_off"),
        derived={"containment": ("contained", "engaged")})
    cond = where.handoffs(d, ctx.filters)
    sql = ("SELECT h.reason AS reason, h.kind AS kind, COUNT(*) AS n FROM handoffs h "
           f"WHERE {cond.sql} GROUP BY h.reason, h.kind")
    by_reason: Dict[str, int] = defaultdict(int)
    left_messages = 0
    for row in ctx.rows(sql, cond.params):
        by_reason[str(row.reason)] += int(row.n)
        left_messages += int(row.n) if row.kind == "message" else 0
    reasons = [*HANDOFF_REASONS, *sorted(set(by_reason) - set(HANDOFF_REASONS))]
    handoff_rows = [[reason, by_reason[reason], _rate(by_reason[reason], engaged)]
                    for reason in reasons]
    handoff_rows.append(["left_message", left_messages, _rate(left_messages, engaged)])
    handoff_figure = Figure("handoff_reasons", ["reason", "handoffs", "rate"], handoff_rows,
                            counts=("handoffs",), derived={"rate": ("handoffs",)})
    return [containment, handoff_figure, _fallback(ctx)]


def _fallback(ctx: Context) -> Figure:
    cond = where.message_days(ctx.dialect, ctx.filters)
    outcomes = ", ".join(f"'{o}'" for o in BOT_OUTCOMES)
    sql = ("SELECT COALESCE(SUM(s.messages), 0) AS handled, "
           "COALESCE(SUM(CASE WHEN s.outcome = 'fallback' THEN s.messages END), 0) AS fallback "
           f"FROM stats_message_days s WHERE {cond.sql} AND s.outcome IN ({outcomes})")
    row = ctx.rows(sql, cond.params)[0]
    handled, fallback = int(row.handled), int(row.fallback)
    return Figure("fallback", ["resident_messages", "not_understood", "fallback_rate"],
                  [[handled, fallback, _rate(fallback, handled)]],
                  counts=("resident_messages", "not_understood"),
                  derived={"fallback_rate": ("not_understood", "resident_messages")})


# --- service: waiting and first-response times, compliance, open work -----------------

def waiting(ctx: Context) -> List[Figure]:
    return [_response_times(ctx)]


def service_level(ctx: Context) -> List[Figure]:
    return [compliance(ctx), open_items(ctx)]


def _response_times(ctx: Context) -> Figure:
    d = ctx.dialect
    cond = where.handoffs(d, ctx.filters)
    waited = d.seconds_between("h.created_at", "h.claimed_at")
    answered = d.seconds_between("h.created_at", "h.first_response_at")
    inner = (f"SELECT 'wait_to_person' AS measure, h.department AS department, "
             f"{waited} AS v FROM handoffs h WHERE {cond.sql} "
             "AND h.kind = 'live_chat' AND h.claimed_at IS NOT NULL UNION ALL "
             f"SELECT 'first_response_' || h.kind AS measure, h.department AS department, "
             f"{answered} AS v FROM handoffs h WHERE {cond.sql} "
             "AND h.first_response_at IS NOT NULL")
    sql = d.percentiles_with_totals(inner, "measure", "department", "v")
    rows: List[List[Any]] = [
        [str(row.k1), str(row.k2), int(row.n), _seconds(row.median), _seconds(row.p90),
         _seconds(row.mean)] for row in ctx.rows(sql, cond.params)]
    order = {"wait_to_person": 0, "first_response_live_chat": 1, "first_response_message": 2}
    rows.sort(key=lambda r: (order.get(r[0], 9), r[1] != "all", r[1]))
    return Figure("response_times",
                  ["measure", "department", "items", "median_seconds", "p90_seconds",
                   "mean_seconds"], rows, counts=("items",),
                  derived={c: ("items",) for c in ("median_seconds", "p90_seconds",
                                                   "mean_seconds")},
                  key="department")


def compliance(ctx: Context) -> Figure:
    """First responses within the target, counted in service hours (see service_calendar)."""
    d = ctx.dialect
    cond = where.handoffs(d, ctx.filters)
    cal_start = ctx.filters.utc_start - timedelta(days=1)
    cal_end = min(ctx.filters.utc_end + timedelta(days=45), ctx.now + timedelta(days=1))
    ctes = calendar_sql(ctx.connection, d, cal_start.date(), cal_end.date())
    end_expr = ("CASE WHEN COALESCE(h.first_response_at, h.closed_at, :now) > :cal_end "
                "THEN :cal_end ELSE COALESCE(h.first_response_at, h.closed_at, :now) END")
    items = ("SELECT h.department AS department, h.kind AS kind, h.priority AS priority, "
             "CASE WHEN h.first_response_at IS NULL THEN 0 ELSE 1 END AS answered, "
             f"{d.epoch('h.created_at')} AS t0, {d.epoch(end_expr)} AS t1 "
             f"FROM handoffs h WHERE {cond.sql}")
    joins, used = service_time_sql(d, "x")
    sql = (f"{ctes} SELECT y.department AS department, "
           "COUNT(CASE WHEN y.answered = 1 OR y.used > y.target THEN 1 END) AS measured, "
           "COUNT(CASE WHEN y.answered = 1 AND y.used <= y.target THEN 1 END) AS met "
           f"FROM (SELECT x.department AS department, {used} AS used, t.seconds AS target, "
           f"x.answered AS answered FROM ({with_days(d, items)}) AS x {joins} "
           "JOIN sla_targets t ON t.department = x.department AND t.kind = x.kind "
           "AND t.priority = x.priority) AS y GROUP BY y.department")
    values = {**cond.params, "now": d.instant(ctx.now), "cal_end": d.instant(
        cal_end)}
    found = {str(r.department): (int(r.measured), int(r.met)) for r in ctx.rows(sql, values)}
    counted = [(dept, *found.get(dept, (0, 0))) for dept in _departments(ctx)]
    rows: List[List[Any]] = [[dept, measured, met, _rate(met, measured)]
                             for dept, measured, met in counted]
    measured = sum(c[1] for c in counted)
    met = sum(c[2] for c in counted)
    rows.append(["all", measured, met, _rate(met, measured)])
    return Figure("compliance", ["department", "measured", "met", "compliance"], rows,
                  counts=("measured", "met"), derived={"compliance": ("measured", "met")},
                  key="department")


def _departments(ctx: Context) -> Sequence[str]:
    chosen = ctx.filters.department
    return (chosen,) if chosen else catalogue.departments()


def open_items(ctx: Context) -> Figure:
    """Open work items now, and those past their target (service hours)."""
    d = ctx.dialect
    cond = where.handoffs(d, ctx.filters, dated=False)
    cal_start = ctx.now - timedelta(days=60)
    ctes = calendar_sql(ctx.connection, d, cal_start.date(),
                        (ctx.now + timedelta(days=1)).date())
    start_expr = "CASE WHEN h.created_at < :cal_start THEN :cal_start ELSE h.created_at END"
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    items = ("SELECT h.department AS department, h.kind AS kind, h.priority AS priority, "
             "h.status AS status, CASE WHEN h.first_response_at IS NULL THEN 0 ELSE 1 END "
             "AS answered, CASE WHEN h.created_at < :cal_start THEN 1 ELSE 0 END AS old, "
             f"{d.epoch(start_expr)} AS t0, {d.epoch(':now')} AS t1 FROM handoffs h "
             f"WHERE {cond.sql} AND h.status IN ({statuses})")
    joins, used = service_time_sql(d, "x")
    sql = (f"{ctes} SELECT x.department AS department, COUNT(*) AS open_items, "
           "COUNT(CASE WHEN x.status = 'waiting' THEN 1 END) AS waiting, "
           "COUNT(CASE WHEN x.answered = 0 AND "
           f"(x.old = 1 OR {used} > t.seconds) THEN 1 END) AS overdue "
           f"FROM ({with_days(d, items)}) AS x {joins} "
           "JOIN sla_targets t ON t.department = x.department AND t.kind = x.kind "
           "AND t.priority = x.priority GROUP BY x.department")
    values = {**cond.params, "now": d.instant(ctx.now),
              "cal_start": d.instant(cal_start)}
    found = {str(r.department): (int(r.open_items), int(r.waiting), int(r.overdue))
             for r in ctx.rows(sql, values)}
    counted = [found.get(dept, (0, 0, 0)) for dept in _departments(ctx)]
    rows: List[List[Any]] = [[dept, *numbers]
                             for dept, numbers in zip(_departments(ctx), counted, strict=True)]
    rows.append(["all", *(sum(numbers[i] for numbers in counted) for i in range(3))])
    return Figure("open_items", ["department", "open", "waiting", "overdue"], rows,
                  counts=("open", "waiting", "overdue"), key="department")


# --- outcomes: resolutions and satisfaction ---------------------------------------------

def outcomes(ctx: Context) -> List[Figure]:
    d = ctx.dialect
    cond = where.handoffs(d, ctx.filters)
    sql = (f"SELECT COALESCE(h.resolution, 'none') AS resolution, COUNT(*) AS n FROM handoffs h "
           f"WHERE {cond.sql} AND h.status = 'closed' GROUP BY 1 ORDER BY 2 DESC, 1")
    found = [(str(r.resolution), int(r.n)) for r in ctx.rows(sql, cond.params)]
    closed = sum(n for _, n in found)
    resolutions = Figure("resolutions", ["resolution", "handoffs", "share"],
                         [[name, n, _rate(n, closed)] for name, n in found],
                         counts=("handoffs",), derived={"share": ("handoffs",)})
    return [resolutions, *satisfaction(ctx)]


def satisfaction(ctx: Context) -> List[Figure]:
    d = ctx.dialect
    given = where.ratings(d, ctx.filters)
    sql = f"SELECT r.rating AS rating, COUNT(*) AS n FROM ratings r WHERE {given.sql} GROUP BY 1"
    counts = {int(r.rating): int(r.n) for r in ctx.rows(sql, given.params)}
    responses = sum(counts.values())
    distribution = Figure("satisfaction", ["rating", "responses", "share"],
                          [[score, counts.get(score, 0), _rate(counts.get(score, 0), responses)]
                           for score in range(1, 6)],
                          counts=("responses",), derived={"share": ("responses",)})
    facts = where.conversations(d, ctx.filters, "f", id_column="conversation_id")
    sql = ("SELECT COUNT(*) AS asked, COUNT(CASE WHEN f.ratings > 0 THEN 1 END) AS rated "
           f"FROM stats_conversation_facts f WHERE {facts.sql} AND f.closed_handoffs > 0")
    row = ctx.rows(sql, facts.params)[0]
    total = sum(score * n for score, n in counts.items())
    average = round(total / responses, 2) if responses else None
    summary = Figure("satisfaction_summary",
                     ["responses", "average", "asked", "rated", "response_rate"],
                     [[responses, average, int(row.asked), int(row.rated),
                       _rate(int(row.rated), int(row.asked))]],
                     counts=("responses", "asked", "rated"),
                     derived={"average": ("responses",), "response_rate": ("asked", "rated")})
    return [distribution, summary]


# --- staff workload -------------------------------------------------------------------

def workload(ctx: Context) -> List[Figure]:
    d = ctx.dialect
    cond = where.handoffs(d, ctx.filters)
    sql = ("SELECT h.department AS department, COUNT(*) AS items, "
           "COUNT(CASE WHEN h.status = 'closed' THEN 1 END) AS closed, "
           "COUNT(CASE WHEN h.kind = 'message' THEN 1 END) AS messages, "
           "COUNT(DISTINCT h.assignee) AS staff "
           f"FROM handoffs h WHERE {cond.sql} GROUP BY h.department")
    found = {str(r.department): r for r in ctx.rows(sql, cond.params)}
    inner = (f"SELECT h.department AS department, "
             f"{d.seconds_between('h.claimed_at', 'h.closed_at')} AS v FROM handoffs h "
             f"WHERE {cond.sql} AND h.closed_at IS NOT NULL AND h.claimed_at IS NOT NULL")
    handling = {str(r.grp): r for r in ctx.rows(d.percentiles(inner, "department", "v"),
                                                cond.params)}
    rows = []
    for dept in _departments(ctx):
        row = found.get(dept)
        items, closed, messages, staff = ((int(row.items), int(row.closed), int(row.messages),
                                           int(row.staff)) if row else (0, 0, 0, 0))
        times = handling.get(dept)
        rows.append([dept, items, messages, closed, staff,
                     round(closed / staff, 1) if staff else None,
                     _seconds(times.median) if times else None])
    return [Figure("workload", ["department", "items", "left_messages", "closed", "staff",
                                "closed_per_staff", "median_handling_seconds"], rows,
                   counts=("items", "left_messages", "closed"),
                   derived={"closed_per_staff": ("closed",),
                            "median_handling_seconds": ("closed",)},
                   key="department")]


# --- what the assistant did not understand --------------------------------------------

def not_understood_groups(ctx: Context, limit: int = NOT_UNDERSTOOD_GROUPS) -> List[Any]:
    """The most frequent texts of not-understood messages, before masking (exact text:
    masking needs the capitals; lower-casing and merging follow it)."""
    cond = where.fallback_messages(ctx.dialect, ctx.filters)
    sql = ("SELECT TRIM(m.text) AS message, COALESCE(m.language, '') AS language, "
           f"COUNT(*) AS n FROM messages m WHERE {cond.sql} AND m.outcome = 'fallback' "
           "AND m.text <> '' GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT :limit")
    return ctx.rows(sql, {**cond.params, "limit": limit})


def not_understood(ctx: Context, limit: int = NOT_UNDERSTOOD_GROUPS) -> List[Figure]:
    merged: Dict[Tuple[str, str], int] = defaultdict(int)
    for row in not_understood_groups(ctx, limit):
        message = " ".join(mask(str(row.message)).lower().split())
        merged[(message, str(row.language))] += int(row.n)
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return [Figure("not_understood", ["message", "language", "count"],
                   [[message, language, n] for (message, language), n in ranked],
                   counts=("count",))]


VIEWS = {
    "volume": volume,
    "topics": topics,
    "assistant": assistant,
    "waiting": waiting,
    "service_level": service_level,
    "outcomes": outcomes,
    "workload": workload,
    "not_understood": not_understood,
}
