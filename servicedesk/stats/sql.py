"""SQL fragments that differ between PostgreSQL and SQLite: Helsinki local time, epoch
seconds and percentiles.

PostgreSQL converts with its own time-zone database (`AT TIME ZONE`). SQLite has none, so
the UTC offsets of Europe/Helsinki over the queried span are taken from Python's zoneinfo
and written into the query as a CASE over the UTC instants of each change: the same
answer as PostgreSQL's, DST changes included.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import List, Tuple
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
UNIX_JULIAN_DAY = 2440587.5
# One stored instant as SQLite holds it (SQLAlchemy's DATETIME format, UTC).
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

OffsetSpan = Tuple[datetime, datetime, int]  # [from, to) in UTC, offset in minutes


@functools.lru_cache(maxsize=64)
def offset_spans(start: datetime, end: datetime) -> Tuple[OffsetSpan, ...]:
    """The spans of constant Helsinki UTC offset that cover [start, end)."""
    spans: List[OffsetSpan] = []
    span_start = start.astimezone(timezone.utc)
    offset = _offset_minutes(span_start)
    day = span_start
    while day < end:
        following = day + timedelta(days=1)
        if _offset_minutes(following) != offset:
            hour = day.replace(minute=0, second=0, microsecond=0)
            while _offset_minutes(hour + timedelta(hours=1)) == offset:
                hour += timedelta(hours=1)
            change = hour + timedelta(hours=1)  # changes happen on the full hour
            spans.append((span_start, change, offset))
            span_start, offset = change, _offset_minutes(change)
        day = following
    spans.append((span_start, end.astimezone(timezone.utc), offset))
    return tuple(spans)


def _offset_minutes(moment: datetime) -> int:
    delta = moment.astimezone(HELSINKI).utcoffset() or timedelta(0)
    return int(delta.total_seconds() // 60)


def sqlite_instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(SQLITE_FORMAT)


@dataclass(frozen=True)
class Dialect:
    """Builds the dialect's SQL text for the figures. Column names are trusted code."""

    name: str
    spans: Tuple[OffsetSpan, ...] = ()

    @classmethod
    def for_engine(cls, name: str, start: datetime, end: datetime) -> Dialect:
        if name not in ("postgresql", "sqlite"):
            raise ValueError(f"unsupported database: {name}")
        # Whole days, so that the cache serves every request of a day.
        first = start.astimezone(timezone.utc).replace(hour=0, minute=0, second=0,
                                                       microsecond=0) - timedelta(days=2)
        last = end.astimezone(timezone.utc).replace(hour=0, minute=0, second=0,
                                                    microsecond=0) + timedelta(days=3)
        return cls(name, offset_spans(first, last))

    @property
    def postgresql(self) -> bool:
        return self.name == "postgresql"

    def instant(self, moment: datetime) -> object:
        """A bound parameter for an instant, as the database stores it."""
        return moment if self.postgresql else sqlite_instant(moment)

    def date(self, day: date) -> object:
        """A bound parameter for a calendar day (SQLite keeps 'YYYY-MM-DD')."""
        return day if self.postgresql else day.isoformat()

    def _modifier(self, column: str) -> str:
        """SQLite: the '+N minutes' modifier that turns a UTC instant into Helsinki time."""
        cases = " ".join(
            f"WHEN {column} < '{sqlite_instant(end)}' THEN '{minutes:+d} minutes'"
            for _, end, minutes in self.spans[:-1])
        last = f"'{self.spans[-1][2]:+d} minutes'"
        return f"(CASE {cases} ELSE {last} END)" if cases else last

    def local(self, column: str) -> str:
        """Helsinki wall-clock time of an instant (timestamp on PostgreSQL, text on SQLite)."""
        if self.postgresql:
            return f"({column} AT TIME ZONE 'Europe/Helsinki')"
        return f"datetime({column}, {self._modifier(column)})"

    def day(self, local: str) -> str:
        """The calendar day of a local time."""
        return f"CAST({local} AS date)" if self.postgresql else f"date({local})"

    def week(self, local: str) -> str:
        """The Monday that starts the ISO week of a local time."""
        if self.postgresql:
            return f"CAST(date_trunc('week', {local}) AS date)"
        return f"date({local}, 'weekday 0', '-6 days')"

    def weekday(self, local: str) -> str:
        """0 = Monday ... 6 = Sunday."""
        if self.postgresql:
            return f"(CAST(EXTRACT(ISODOW FROM {local}) AS integer) - 1)"
        return f"((CAST(strftime('%w', {local}) AS integer) + 6) % 7)"

    def hour(self, local: str) -> str:
        if self.postgresql:
            return f"CAST(EXTRACT(HOUR FROM {local}) AS integer)"
        return f"CAST(strftime('%H', {local}) AS integer)"

    def epoch_day(self, seconds: str) -> str:
        """Days from 1970-01-01 to the local calendar day of an instant given in epoch
        seconds: arithmetic only, cheaper than a time-zone conversion per row."""
        cases = " ".join(f"WHEN {seconds} < {int(end.timestamp())} THEN {minutes * 60}"
                         for _, end, minutes in self.spans[:-1])
        last = str(self.spans[-1][2] * 60)
        offset = f"(CASE {cases} ELSE {last} END)" if cases else last
        local_days = f"(({seconds}) + {offset}) / 86400"
        if self.postgresql:
            return f"CAST(floor({local_days}) AS integer)"
        return f"CAST({local_days} AS integer)"  # truncation = floor after 1970

    def epoch(self, column: str) -> str:
        """Seconds since 1970 of an instant."""
        if self.postgresql:  # date_part: a double; EXTRACT's numeric is much slower
            return f"date_part('epoch', {column})"
        # julianday() is a double (about 50 microseconds of resolution today): milliseconds.
        return f"ROUND((julianday({column}) - {UNIX_JULIAN_DAY}) * 86400.0, 3)"

    def seconds_between(self, start: str, end: str) -> str:
        if self.postgresql:
            return f"date_part('epoch', {end} - {start})"
        return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)"

    def least(self, *values: str) -> str:
        return f"{'LEAST' if self.postgresql else 'MIN'}({', '.join(values)})"

    def greatest(self, *values: str) -> str:
        return f"{'GREATEST' if self.postgresql else 'MAX'}({', '.join(values)})"

    def percentiles_with_totals(self, inner: str, first: str, second: str,
                                value: str) -> str:
        """Like percentiles(), per (first, second) and per first alone (second = 'all')."""
        if self.postgresql:  # one pass over the rows
            return (f"SELECT {first} AS k1, COALESCE({second}, 'all') AS k2, COUNT(*) AS n, "
                    f"AVG({value}) AS mean, "
                    f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {value}) AS median, "
                    f"percentile_disc(0.9) WITHIN GROUP (ORDER BY {value}) AS p90 "
                    f"FROM ({inner}) AS src GROUP BY GROUPING SETS (({first}, {second}), "
                    f"({first}))")
        both = (f"SELECT {first} AS k1, {second} AS k2, {value} AS v FROM ({inner}) AS a "
                f"UNION ALL SELECT {first}, 'all', {value} FROM ({inner}) AS b")
        return ("SELECT substr(grp, 1, instr(grp, ':') - 1) AS k1, "
                "substr(grp, instr(grp, ':') + 1) AS k2, n, mean, median, p90 FROM ("
                + self.percentiles(both, "k1 || ':' || k2", "v") + ") AS p")

    def percentiles(self, inner: str, group: str, value: str) -> str:
        """Per `group` of the rows of `inner`: n, mean, median and 90th percentile of `value`.

        Nearest rank on both databases (PostgreSQL's percentile_disc): the smallest value
        whose rank r satisfies r >= p * n.
        """
        if self.postgresql:
            group = f'({group}) COLLATE "C"'  # byte order: sorting the groups is cheaper
            return (f"SELECT {group} AS grp, COUNT(*) AS n, AVG({value}) AS mean, "
                    f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {value}) AS median, "
                    f"percentile_disc(0.9) WITHIN GROUP (ORDER BY {value}) AS p90 "
                    f"FROM ({inner}) AS src GROUP BY {group}")
        ranked = (f"SELECT {group} AS grp, {value} AS v, "
                  f"ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY {value}) AS r, "
                  f"COUNT(*) OVER (PARTITION BY {group}) AS c FROM ({inner}) AS src")
        return ("SELECT grp, COUNT(*) AS n, AVG(v) AS mean, "
                "MIN(CASE WHEN r * 10 >= c * 5 THEN v END) AS median, "
                "MIN(CASE WHEN r * 10 >= c * 9 THEN v END) AS p90 "
                f"FROM ({ranked}) AS ranked GROUP BY grp")
