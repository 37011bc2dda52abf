"""The dashboard's filters and the SQL conditions they become on each table."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Tuple

from servicedesk import catalogue
from servicedesk.stats.sql import HELSINKI, Dialect

MAX_RANGE_DAYS = 3 * 366
# Statistics cover the contact log's years; dates outside are refused, not computed
# (a day after 9999-12-31 does not exist).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


class InvalidFilter(ValueError):
    """A filter value the statistics do not know (answered with 422)."""


@dataclass(frozen=True)
class Filters:
    """A date range (Helsinki calendar days, both ends included) and optional filters."""

    start: date
    end: date
    channel: Optional[str] = None
    language: Optional[str] = None
    department: Optional[str] = None
    topic: Optional[str] = None

    def __post_init__(self) -> None:
        if not (FIRST_DAY <= self.start <= LAST_DAY and FIRST_DAY <= self.end <= LAST_DAY):
            raise InvalidFilter(f"dates must be between {FIRST_DAY} and {LAST_DAY}")
        if self.end < self.start:
            raise InvalidFilter("the end date is before the start date")
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise InvalidFilter(f"the date range is longer than {MAX_RANGE_DAYS} days")
        if self.department is not None and self.department not in catalogue.departments():
            raise InvalidFilter(f"unknown department: {self.department}")
        if self.topic is not None and self.topic not in catalogue.subject_topics():
            raise InvalidFilter(f"unknown topic: {self.topic}")

    @property
    def utc_start(self) -> datetime:
        """Local midnight at the start of the first day."""
        return datetime.combine(self.start, time(0), HELSINKI)

    @property
    def utc_end(self) -> datetime:
        """Local midnight after the last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), HELSINKI)

    def days(self) -> List[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def narrows_to_sensitive(self) -> bool:
        """The figures describe only a sensitive topic or a department handling one."""
        return (self.topic in catalogue.sensitive_topics()
                or self.department in catalogue.sensitive_departments())


@dataclass
class Where:
    """SQL conditions joined with AND, and their bound parameters."""

    conditions: List[str] = field(default_factory=list)
    params: Dict[str, Any] = field(default_factory=dict)

    def add(self, condition: str, **params: Any) -> None:
        self.conditions.append(condition)
        self.params.update(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.conditions) or "1 = 1"


def _in_list(prefix: str, values: Tuple[str, ...]) -> Tuple[str, Dict[str, str]]:
    names = {f"{prefix}{n}": value for n, value in enumerate(values)}
    return "(" + ", ".join(f":{name}" for name in names) + ")", names


def _topic_condition(alias: str, filters: Filters) -> Tuple[str, Dict[str, str]]:
    """A resident message of `alias` on the filtered topic or on the department's topics."""
    if filters.topic:
        return f"{alias}.topic = :topic", {"topic": filters.topic}
    topics = catalogue.topics_of(filters.department or "") or ("",)
    listed, params = _in_list("dept_topic_", topics)
    return f"{alias}.topic IN {listed}", params


def conversations(dialect: Dialect, filters: Filters, alias: str = "c",
                  dated: bool = True, id_column: str = "id") -> Where:
    """Conversations started in the range; department = one of its topics or a handoff.

    Also for stats_conversation_facts (`id_column="conversation_id"`)."""
    where = Where()
    if dated:
        where.add(f"{alias}.created_at >= :start AND {alias}.created_at < :end",
                  start=dialect.instant(filters.utc_start), end=dialect.instant(filters.utc_end))
    if filters.channel:
        where.add(f"{alias}.channel = :channel", channel=filters.channel)
    if filters.language:
        where.add(f"{alias}.language = :language", language=filters.language)
    if filters.topic or filters.department:
        topic_sql, params = _topic_condition("fm", filters)
        about = (f"EXISTS (SELECT 1 FROM messages fm WHERE fm.conversation_id = "
                 f"{alias}.{id_column} "
                 f"AND fm.sender = 'resident' AND {topic_sql})")
        if filters.department and not filters.topic:
            about = (f"({about} OR EXISTS (SELECT 1 FROM handoffs fh WHERE "
                     f"fh.conversation_id = {alias}.{id_column} "
                     "AND fh.department = :department))")
            params["department"] = filters.department
        where.add(about, **params)
    return where


def fallback_messages(dialect: Dialect, filters: Filters, alias: str = "m") -> Where:
    """Resident messages written in the range; department = the topic's department.
    Only for not-understood messages: the channel is the one kept per fallback message
    (stats_fallback_channels)."""
    where = Where()
    where.add(f"{alias}.sender = 'resident'")
    where.add(f"{alias}.created_at >= :start AND {alias}.created_at < :end",
              start=dialect.instant(filters.utc_start), end=dialect.instant(filters.utc_end))
    if filters.language:
        where.add(f"{alias}.language = :language", language=filters.language)
    if filters.topic or filters.department:
        condition, params = _topic_condition(alias, filters)
        where.add(condition, **params)
    if filters.channel:
        where.add(f"{alias}.id IN (SELECT fc.message_id FROM stats_fallback_channels fc "
                  "WHERE fc.channel = :channel)", channel=filters.channel)
    return where


def message_days(dialect: Dialect, filters: Filters, alias: str = "s") -> Where:
    """stats_message_days rows of the range (resident messages counted per day); the
    department = the topic's department, as for fallback_messages()."""
    where = Where()
    where.add(f"{alias}.day >= :first_day AND {alias}.day <= :last_day",
              first_day=dialect.date(filters.start), last_day=dialect.date(filters.end))
    if filters.channel:
        where.add(f"{alias}.channel = :channel", channel=filters.channel)
    if filters.language:
        where.add(f"{alias}.language = :language", language=filters.language)
    if filters.topic or filters.department:
        condition, params = _topic_condition(alias, filters)
        where.add(condition, **params)
    return where


def ratings(dialect: Dialect, filters: Filters, alias: str = "r") -> Where:
    """Ratings given in the range, by their conversation's channel (kept per rating by the
    refresh), language and subject."""
    where = Where()
    where.add(f"{alias}.created_at >= :start AND {alias}.created_at < :end",
              start=dialect.instant(filters.utc_start), end=dialect.instant(filters.utc_end))
    if filters.channel:
        where.add(f"{alias}.id IN (SELECT rc.rating_id FROM stats_rating_channels rc "
                  "WHERE rc.channel = :channel)", channel=filters.channel)
    if filters.language or filters.topic or filters.department:
        about = conversations(dialect, replace(filters, channel=None), "fc", dated=False)
        where.add(f"EXISTS (SELECT 1 FROM conversations fc WHERE fc.id = "
                  f"{alias}.conversation_id AND {about.sql})", **about.params)
    return where


def handoffs(dialect: Dialect, filters: Filters, alias: str = "h", dated: bool = True) -> Where:
    """Work items opened in the range (or all, `dated=False`), by their own department."""
    where = Where()
    if dated:
        where.add(f"{alias}.created_at >= :start AND {alias}.created_at < :end",
                  start=dialect.instant(filters.utc_start), end=dialect.instant(filters.utc_end))
    if filters.language:
        where.add(f"{alias}.language = :language", language=filters.language)
    if filters.department:
        where.add(f"{alias}.department = :department", department=filters.department)
    if filters.topic:
        where.add(f"{alias}.topic = :topic", topic=filters.topic)
    if filters.channel:  # the channel kept per work item by the refresh (facts.py)
        where.add(f"{alias}.id IN (SELECT hc.handoff_id FROM stats_handoff_channels hc "
                  "WHERE hc.channel = :channel)", channel=filters.channel)
    return where
