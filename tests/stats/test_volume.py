"""Contacts per day, per week and by weekday x hour, in Helsinki time on both databases:
local midnight, and the two daylight-saving changes of 2026."""

from __future__ import annotations

from datetime import date

from tests.stats.conftest import ContactLog, figures, rows_by_key, utc


def heat(figure: object, weekday: int, hour: int) -> int:
    rows = rows_by_key(figure)  # type: ignore[arg-type]
    return int(rows[weekday][f"{hour:02d}"])


def test_days_start_at_helsinki_midnight_not_utc(contact_log: ContactLog) -> None:
    contact_log.conversation(utc(2026, 1, 15, 21, 59))  # Thu 23:59 in Helsinki
    contact_log.conversation(utc(2026, 1, 15, 22, 0))   # Fri 00:00
    contact_log.conversation(utc(2026, 1, 15, 22, 30))  # Fri 00:30

    only_friday = figures(contact_log, "volume", date(2026, 1, 16), date(2026, 1, 16))
    assert only_friday["contacts_per_day"].rows == [["2026-01-16", 2]]

    both = figures(contact_log, "volume", date(2026, 1, 15), date(2026, 1, 16))
    assert both["contacts_per_day"].rows == [["2026-01-15", 1], ["2026-01-16", 2]]
    assert heat(both["heatmap"], 3, 23) == 1
    assert heat(both["heatmap"], 4, 0) == 2
    assert both["contacts_per_week"].rows == [["2026-01-12", 3]]


def test_spring_daylight_saving_change(contact_log: ContactLog) -> None:
    """29 March 2026: 03:00 EET became 04:00 EEST at 01:00 UTC."""
    contact_log.conversation(utc(2026, 3, 28, 21, 30))  # Sat 23:30 (UTC+2)
    contact_log.conversation(utc(2026, 3, 29, 0, 30))   # Sun 02:30 (UTC+2)
    contact_log.conversation(utc(2026, 3, 29, 1, 30))   # Sun 04:30 (UTC+3)
    contact_log.conversation(utc(2026, 3, 29, 21, 30))  # Mon 00:30 (UTC+3)

    result = figures(contact_log, "volume", date(2026, 3, 28), date(2026, 3, 30))
    assert result["contacts_per_day"].rows == [
        ["2026-03-28", 1], ["2026-03-29", 2], ["2026-03-30", 1]]
    assert heat(result["heatmap"], 5, 23) == 1
    assert heat(result["heatmap"], 6, 2) == 1
    assert heat(result["heatmap"], 6, 3) == 0
    assert heat(result["heatmap"], 6, 4) == 1
    assert heat(result["heatmap"], 0, 0) == 1
    assert result["contacts_per_week"].rows == [["2026-03-23", 3], ["2026-03-30", 1]]


def test_autumn_daylight_saving_change(contact_log: ContactLog) -> None:
    """25 October 2026: 04:00 EEST became 03:00 EET at 01:00 UTC; 03:xx happened twice."""
    contact_log.conversation(utc(2026, 10, 24, 21, 30))  # Sun 00:30 (UTC+3)
    contact_log.conversation(utc(2026, 10, 25, 0, 30), channel="telegram")  # Sun 03:30 (+3)
    contact_log.conversation(utc(2026, 10, 25, 1, 30), language="sv")  # Sun 03:30 (UTC+2)
    contact_log.conversation(utc(2026, 10, 25, 22, 30))  # Mon 00:30 (UTC+2)

    result = figures(contact_log, "volume", date(2026, 10, 24), date(2026, 10, 26))
    assert result["contacts_per_day"].rows == [
        ["2026-10-24", 0], ["2026-10-25", 3], ["2026-10-26", 1]]
    assert heat(result["heatmap"], 6, 0) == 1
    assert heat(result["heatmap"], 6, 3) == 2
    assert heat(result["heatmap"], 0, 0) == 1

    telegram = figures(contact_log, "volume", date(2026, 10, 24), date(2026, 10, 26),
                       channel="telegram")
    assert [row[1] for row in telegram["contacts_per_day"].rows] == [0, 1, 0]
    swedish = figures(contact_log, "volume", date(2026, 10, 24), date(2026, 10, 26),
                      language="sv")
    assert heat(swedish["heatmap"], 6, 3) == 1


def test_department_and_topic_filters_pick_conversations(contact_log: ContactLog) -> None:
    day = utc(2026, 5, 6, 9)
    contact_log.conversation(day, said=[("daycare", "answered")])
    contact_log.conversation(day, said=[("library", "answered")])
    contact_log.conversation(day, said=[("greet", "answered")],
                             handoff={"department": "education"})
    contact_log.conversation(day)

    def total(**chosen: str) -> int:
        result = figures(contact_log, "volume", date(2026, 5, 6), date(2026, 5, 6), **chosen)
        return int(result["contacts_per_day"].rows[0][1])

    assert total() == 4
    assert total(department="education") == 2  # a daycare question, a handoff there
    assert total(department="culture") == 1
    assert total(topic="daycare") == 1
    assert total(topic="school") == 0
