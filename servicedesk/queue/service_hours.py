"""Service hours per department in Europe/Helsinki, closed on Finnish public holidays,
and the service-level clock that counts only those hours."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import holidays
import yaml

HELSINKI = ZoneInfo("Europe/Helsinki")
CONFIG_FILE = Path(__file__).with_name("service_levels.yml")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = Tuple[datetime, datetime]


@dataclass(frozen=True)
class DepartmentHours:
    """Opening hours per weekday: (open, close) local times, or absent when closed."""

    weekly: Dict[int, Tuple[time, time]]

    def intervals_on(self, day: date) -> List[Interval]:
        """The open interval of a local calendar day, as aware datetimes (none on holidays)."""
        if day in _finnish_holidays(day.year) or day.weekday() not in self.weekly:
            return []
        opens, closes = self.weekly[day.weekday()]
        return [(datetime.combine(day, opens, HELSINKI), datetime.combine(day, closes, HELSINKI))]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(HELSINKI)
        return any(start <= local < end for start, end in self.intervals_on(local.date()))

    def service_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants: the service-level clock."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(HELSINKI).date()
        last = end.astimezone(HELSINKI).date()
        while day <= last:
            for opens, closes in self.intervals_on(day):
                overlap = min(closes, end) - max(opens, start)
                total += max(overlap, timedelta(0))
            day += timedelta(days=1)
        return total

    def add_service_time(self, start: datetime, amount: timedelta,
                         horizon_days: int = 60) -> Optional[datetime]:
        """The instant when `amount` of open time has passed after `start` (the due time)."""
        remaining = amount
        day = start.astimezone(HELSINKI).date()
        for _ in range(horizon_days):
            for opens, closes in self.intervals_on(day):
                begin = max(opens, start)
                if begin >= closes:
                    continue
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)
        return None


@functools.lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FI", years=year)


def _parse_hours(spec: Dict[str, str]) -> Dict[int, Tuple[time, time]]:
    weekly = {}
    for name, span in spec.items():
        opens, closes = (time.fromisoformat(part) for part in span.split("-"))
        weekly[WEEKDAYS.index(name)] = (opens, closes)
    return weekly


# An admin's edits (from the database), department -> keys that replace the file's.
_overrides: Dict[str, dict] = {}


@functools.lru_cache(maxsize=1)
def file_config() -> dict:
    data: dict = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def _config() -> dict:
    base = file_config()
    departments = {name: {**(own or {}), **_overrides.get(name, {})}
                   for name, own in base["departments"].items()}
    return {"defaults": base["defaults"], "departments": departments}


def apply_overrides(overrides: Dict[str, dict]) -> None:
    """Use an admin's edited hours, queue limits and targets from now on."""
    _overrides.clear()
    _overrides.update(overrides)
    _config.cache_clear()


def effective_config(department: str) -> dict:
    """A department's hours, queue limit and targets as they apply now."""
    config = _config()
    own = config["departments"].get(department) or {}
    defaults = config["defaults"]
    return {"hours": own.get("hours") or defaults["hours"],
            "queue_limit": int(own.get("queue_limit") or defaults["queue_limit"]),
            "targets_minutes": own.get("targets_minutes") or defaults["targets_minutes"]}


def department_hours(department: str) -> DepartmentHours:
    return DepartmentHours(_parse_hours(effective_config(department)["hours"]))


def target(department: str, kind: str, priority: int) -> timedelta:
    """The service-level target of a work item (service time to first answer)."""
    targets = effective_config(department)["targets_minutes"]
    by_priority = {int(key): minutes for key, minutes in targets[kind].items()}  # JSON: str keys
    return timedelta(minutes=by_priority[int(priority)])


def queue_limit(department: str) -> int:
    return int(effective_config(department)["queue_limit"])


def local_due_text(moment: datetime) -> str:
    """A due time as residents read it: 'd.m.yyyy HH:MM' in Helsinki time."""
    local = moment.astimezone(HELSINKI)
    return f"{local.day}.{local.month}.{local.year} {local:%H:%M}"
