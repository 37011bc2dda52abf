"""Topics, the assistant, outcomes, workload and not-understood messages against
hand-computed numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from tests.stats.conftest import ContactLog, figures, local, rows_by_key

DAY = date(2026, 5, 6)  # a Wednesday


def test_top_topics_and_weekly_trend(contact_log: ContactLog) -> None:
    monday = local(2026, 5, 4, 9)
    for n in range(3):
        contact_log.conversation(monday + timedelta(hours=n), said=[("daycare", "answered")])
    contact_log.conversation(monday, said=[("library", "answered"), ("daycare", "answered")])
    contact_log.conversation(monday + timedelta(days=7), said=[("library", "answered")])
    contact_log.conversation(monday, said=[("greet", "answered"), (None, "fallback")])

    result = figures(contact_log, "topics", date(2026, 5, 4), date(2026, 5, 17))
    top = result["top_topics"]
    assert top.rows == [["daycare", 4, 0.6667], ["library", 2, 0.3333]]
    trend = result["topic_trend"]
    assert trend.columns == ["week", "daycare", "library"]
    assert trend.rows == [["2026-05-04", 4, 1], ["2026-05-11", 0, 1]]

    education = figures(contact_log, "topics", date(2026, 5, 4), date(2026, 5, 17),
                        department="education")
    assert education["top_topics"].rows == [["daycare", 4, 1.0]]


def test_containment_handoff_reasons_and_fallback_rate(contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)
    contact_log.conversation(at, said=[("library", "answered")])
    contact_log.conversation(at, said=[("daycare", "answered"), (None, "fallback")])
    contact_log.conversation(at)  # opened the chat, wrote nothing
    contact_log.conversation(at, said=[("human_handoff", "handoff")],
                             handoff={"reason": "asked"})
    contact_log.conversation(at, said=[(None, "fallback"), (None, "handoff")],
                             handoff={"reason": "fallback", "kind": "message"})
    contact_log.conversation(at, said=[("family_services", "handoff")],
                             handoff={"reason": "sensitive", "department": "family"})

    result = figures(contact_log, "assistant", DAY, DAY)
    assert rows_by_key(result["containment"]) == {6: {
        "conversations": 6, "engaged": 5, "contained": 2, "handed_off": 3,
        "containment": 0.4}}
    reasons = rows_by_key(result["handoff_reasons"])
    assert reasons["asked"] == {"reason": "asked", "handoffs": 1, "rate": 0.2}
    assert reasons["fallback"]["handoffs"] == 1
    assert reasons["sensitive"]["handoffs"] == 1
    assert reasons["unavailable"]["handoffs"] == 0
    assert reasons["left_message"]["handoffs"] == 1
    # 7 resident messages the assistant handled, 2 of them not understood.
    assert result["fallback"].rows == [[7, 2, 0.2857]]


def test_response_times_are_nearest_rank_percentiles(contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)
    waits = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]  # seconds to a person
    for wait in waits:
        contact_log.conversation(at, handoff={
            "claimed_at": at + timedelta(seconds=wait),
            "first_response_at": at + timedelta(seconds=wait + 30),
            "closed_at": at + timedelta(seconds=wait + 600), "assignee": "anna"})
    result = figures(contact_log, "waiting", DAY, DAY)
    rows = {(r[0], r[1]): r for r in result["response_times"].rows}
    assert rows[("wait_to_person", "all")] == ["wait_to_person", "all", 10, 50, 90, 145]
    assert rows[("first_response_live_chat", "kompassi")][2:5] == [10, 80, 120]


def test_compliance_counts_service_hours_and_holidays(contact_log: ContactLog) -> None:
    """Kompassi is open Mon-Thu 8-17, Fri 8-15; a live chat of priority 2 has 5 minutes."""
    def chat(created: object, answered: object, **extra: object) -> None:
        contact_log.conversation(created, handoff={  # type: ignore[arg-type]
            "first_response_at": answered, "status": "answered", **extra})

    chat(local(2026, 5, 6, 10, 0), local(2026, 5, 6, 10, 4))          # 4 min: met
    chat(local(2026, 5, 6, 10, 0), local(2026, 5, 6, 10, 6))          # 6 min: missed
    chat(local(2026, 5, 8, 14, 58), local(2026, 5, 11, 8, 3))         # Fri 2 + Mon 3: met
    chat(local(2026, 5, 8, 14, 58), local(2026, 5, 11, 8, 4))         # 6 min: missed
    chat(local(2026, 5, 13, 16, 58), local(2026, 5, 15, 8, 3))        # Ascension Day shut
    chat(local(2026, 5, 9, 11, 0), local(2026, 5, 11, 8, 5))          # Saturday: 5 min, met
    # Never answered: closed within the target (not measured), closed late (missed).
    contact_log.conversation(local(2026, 5, 7, 9, 0), handoff={
        "status": "closed", "closed_at": local(2026, 5, 7, 9, 2)})
    contact_log.conversation(local(2026, 5, 7, 9, 0), handoff={
        "status": "closed", "closed_at": local(2026, 5, 7, 9, 30)})

    result = figures(contact_log, "service_level", date(2026, 5, 4), date(2026, 5, 17))
    kompassi = rows_by_key(result["compliance"])["kompassi"]
    assert (kompassi["measured"], kompassi["met"]) == (7, 4)
    assert kompassi["compliance"] == round(4 / 7, 4)
    assert rows_by_key(result["compliance"])["education"]["measured"] == 0


def test_open_and_overdue_items_now(contact_log: ContactLog) -> None:
    now = local(2026, 11, 25, 10, 0)  # Wednesday, open
    contact_log.conversation(now - timedelta(minutes=10), handoff={"status": "waiting"})
    contact_log.conversation(now - timedelta(minutes=2), handoff={"status": "waiting"})
    contact_log.conversation(now - timedelta(minutes=20), handoff={
        "status": "claimed", "claimed_at": now - timedelta(minutes=19)})
    contact_log.conversation(now - timedelta(minutes=30), handoff={
        "status": "answered", "first_response_at": now - timedelta(minutes=28)})
    contact_log.conversation(now - timedelta(hours=20), handoff={  # yesterday 14:00, message
        "status": "waiting", "kind": "message", "department": "social"})
    contact_log.conversation(now - timedelta(minutes=40), handoff={"status": "closed"})

    result = figures(contact_log, "service_level", date(2026, 11, 1), date(2026, 11, 25), now=now)
    items = rows_by_key(result["open_items"])
    assert items["kompassi"] == {"department": "kompassi", "open": 4, "waiting": 2,
                                 "overdue": 2}
    # A left message of priority 2 has 8 service hours; yesterday 14-16 + today 8-10 = 4 h.
    assert items["social"] == {"department": "social", "open": 1, "waiting": 1, "overdue": 0}
    assert items["all"]["open"] == 5


def test_resolutions_satisfaction_and_workload(contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)

    def closed(resolution: str, assignee: str, minutes: int, ratings: tuple = (),
               department: str = "kompassi") -> None:
        contact_log.conversation(at, said=[("invoices", "handoff")], ratings=ratings, handoff={
            "resolution": resolution, "assignee": assignee, "department": department,
            "claimed_at": at + timedelta(minutes=1),
            "closed_at": at + timedelta(minutes=1 + minutes)})

    closed("answered", "anna", 4, ratings=(5,))
    closed("answered", "anna", 6, ratings=(4,))
    closed("referred", "ben", 10, ratings=(2,))
    closed("answered", "ben", 8)
    closed("not_city", "cai", 2, department="technical")
    contact_log.conversation(at, handoff={"status": "waiting", "department": "technical"})

    outcomes = figures(contact_log, "outcomes", DAY, DAY)
    assert outcomes["resolutions"].rows == [
        ["answered", 3, 0.6], ["not_city", 1, 0.2], ["referred", 1, 0.2]]
    assert [r[1] for r in outcomes["satisfaction"].rows] == [0, 1, 0, 1, 1]
    assert outcomes["satisfaction_summary"].rows == [[3, 3.67, 5, 3, 0.6]]

    workload = rows_by_key(figures(contact_log, "workload", DAY, DAY)["workload"])
    assert workload["kompassi"] == {
        "department": "kompassi", "items": 4, "left_messages": 0, "closed": 4, "staff": 2,
        "closed_per_staff": 2.0, "median_handling_seconds": 360}
    assert workload["technical"]["items"] == 2
    assert workload["technical"]["closed"] == 1


def test_not_understood_grouped_with_personal_data_masked(contact_log: ContactLog) -> None:
    at = local(2026, 5, 6, 10)
    for text in ("Soita minulle 040 123 4567", "soita minulle 050 765 4321",
                 "Nimeni on Matti Virtanen", "Nimeni on Liisa Korhonen", "mikä tämä on"):
        contact_log.conversation(at, said=[(None, "fallback")], texts=[text])
    contact_log.conversation(at, language="sv", said=[(None, "fallback")],
                             texts=["min e-post är anna@example.com"])
    contact_log.conversation(at, said=[("library", "answered")], texts=["kirjasto"])

    rows = figures(contact_log, "not_understood", DAY, DAY)["not_understood"].rows
    assert rows == [["nimeni on <name> <name>", "fi", 2], ["soita minulle <phone>", "fi", 2],
                    ["mikä tämä on", "fi", 1], ["min e-post är <email>", "sv", 1]]
