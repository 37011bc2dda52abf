"""The service-level clock counts service hours only: evenings, weekends, holidays."""

from __future__ import annotations

from datetime import datetime, timedelta

from servicedesk.queue.service_hours import HELSINKI, department_hours, target


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


HOURS = department_hours("education")  # Mon-Thu 08-16, Fri 08-15


def test_open_and_closed_moments() -> None:
    assert HOURS.is_open(local(2026, 11, 25, 9, 0))       # Wednesday morning
    assert not HOURS.is_open(local(2026, 11, 25, 16, 0))  # closing time
    assert not HOURS.is_open(local(2026, 11, 28, 10, 0))  # Saturday
    assert HOURS.is_open(local(2026, 12, 7, 10, 0))       # Monday after Independence Day
    assert not HOURS.is_open(local(2026, 12, 24, 10, 0))  # Christmas Eve (holiday in Finland)


def test_clock_stops_over_the_evening() -> None:
    # Wed 15:30 -> Thu 08:30: 30 min on Wednesday + 30 min on Thursday.
    assert HOURS.service_time_between(local(2026, 11, 25, 15, 30),
                                      local(2026, 11, 26, 8, 30)) == timedelta(minutes=60)


def test_clock_stops_over_the_weekend() -> None:
    # Fri 14:00 -> Mon 09:00: 1 h on Friday (closes 15) + 1 h on Monday.
    assert HOURS.service_time_between(local(2026, 11, 27, 14, 0),
                                      local(2026, 11, 30, 9, 0)) == timedelta(hours=2)


def test_clock_stops_on_a_public_holiday() -> None:
    # Independence Day, Sunday 6.12.2026, and Epiphany, Wednesday 6.1.2027.
    assert HOURS.service_time_between(local(2027, 1, 5, 15, 0),
                                      local(2027, 1, 7, 9, 0)) == timedelta(hours=2)


def test_due_time_skips_closed_hours_and_the_clock_change() -> None:
    # A message left on Friday 27.3.2026 at 14:30 with 8 h of service time: 30 min on
    # Friday, then Monday 30.3 (after the change to summer time) 08:00 + 7.5 h.
    due = HOURS.add_service_time(local(2026, 3, 27, 14, 30), timedelta(hours=8))
    assert due == local(2026, 3, 30, 15, 30)
    assert due.utcoffset() == timedelta(hours=3)


def test_targets_are_configured_per_priority() -> None:
    assert target("kompassi", "live_chat", 2) == timedelta(minutes=5)
    assert target("kompassi", "message", 2) == timedelta(hours=8)
