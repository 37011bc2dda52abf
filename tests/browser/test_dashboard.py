"""The managers' dashboard in a real browser: log in, charts drawn from the vendored
Chart.js, axe-core clean in fi/sv/en, and a changed filter changes the figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine

from servicedesk.core.db import migrate
from tests.browser.conftest import axe_violations, console_login
from tests.servicedesk.conftest import create_staff
from tests.stats.conftest import ContactLog, local

RANGE = "start=2026-03-02&end=2026-03-08"


def add_contacts(database_url: str) -> None:
    """A week in March with web chat and Telegram contacts (no work items or ratings, so
    the other browser tests' queues stay as they are)."""
    migrate(database_url)
    engine = create_engine(database_url, future=True)
    log = ContactLog(engine)
    for hour in range(9, 14):
        log.conversation(local(2026, 3, 4, hour), said=[("library", "answered")])
    for hour in (10, 18):
        log.conversation(local(2026, 3, 5, hour), channel="telegram", language="sv",
                         said=[("parking", "answered"), (None, "fallback")],
                         texts=["var är parkeringen", "Jag heter Erik, ring 040 555 1234"])
    engine.dispose()


def week_total(page: Any) -> str:
    cell = page.locator("#fig-contacts_per_week tbody tr td").first
    return str(cell.text_content()).strip()


def open_all_tables(page: Any) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")


def test_manager_reads_the_dashboard_and_filters_it(browser: Any, live_server: str,
                                                   live_database_url: str) -> None:
    create_staff(live_database_url, "mirja", role="manager", language="fi")
    add_contacts(live_database_url)
    context = browser.new_context()
    page = context.new_page()
    external: list = []
    page.on("request", lambda request: external.append(request.url)
            if not request.url.startswith(live_server) else None)
    console_login(page, live_server, "mirja")

    page.goto(f"{live_server}/console/stats?{RANGE}")
    assert page.locator("h1").inner_text() == "Yhteydenottotilastot"
    page.wait_for_function("() => typeof Chart !== 'undefined' && "
                           "Chart.getChart(document.querySelector('canvas[data-chart]'))")
    assert week_total(page) == "7"
    assert "<name>" in str(page.locator("#fig-not_understood table").text_content())
    assert "Erik" not in str(page.locator("#fig-not_understood").text_content())
    assert axe_violations(page) == []
    open_all_tables(page)
    assert axe_violations(page) == []

    page.select_option("#f-channel", "telegram")
    page.locator(".stats-filters button[type=submit]").click()
    page.wait_for_url("**channel=telegram**")
    assert week_total(page) == "2"
    assert page.locator("#f-channel").input_value() == "telegram"

    for lang, title in (("sv", "Kontaktstatistik"), ("en", "Contact statistics")):
        page.goto(f"{live_server}/console/stats?{RANGE}&lang={lang}")
        assert page.locator("h1").inner_text() == title
        open_all_tables(page)
        assert axe_violations(page) == [], lang
    assert external == []
    context.close()
