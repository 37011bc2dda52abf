"""Expert chat in two browsers at once: a resident in the widget and staff in the console."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from actions.knowledge import knowledge
from servicedesk.models import Handoff, Rating
from servicedesk.texts import text
from tests.browser.conftest import axe_violations, console_login
from tests.browser.test_widget import open_widget, send
from tests.servicedesk.conftest import create_staff


def newest_item(database_url: str) -> tuple[int, int]:
    """(id of the newest work item, number of items)."""
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            return (session.execute(select(func.max(Handoff.id))).scalar_one() or 0,
                    session.execute(select(func.count(Handoff.id))).scalar_one())
    finally:
        engine.dispose()


def ratings(database_url: str) -> list:
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            return list(session.execute(select(Rating.rating)).scalars())
    finally:
        engine.dispose()


def wait_for_text(page: Any, selector: str, expected: str, timeout_ms: int = 5000) -> None:
    page.wait_for_function(
        "([sel, text]) => Array.from(document.querySelectorAll(sel))"
        ".some(e => e.innerText.includes(text))", arg=[selector, expected], timeout=timeout_ms)


def test_resident_and_staff_chat_live_then_rate(browser: Any, live_server: str,
                                                live_database_url: str) -> None:
    create_staff(live_database_url, "kaisa", departments=("kompassi",))
    staff_context = browser.new_context()
    staff = staff_context.new_page()
    console_login(staff, live_server, "kaisa")
    _, items_before = newest_item(live_database_url)
    rows_before = staff.locator("tbody tr").count()

    resident_context = browser.new_context()
    resident = resident_context.new_page()
    open_widget(resident, live_server, "fi")
    send(resident, "haluan puhua ihmisen kanssa")
    resident.get_by_test_id("handoff-banner").wait_for()
    item, items_after = newest_item(live_database_url)
    assert items_after == items_before + 1

    # The queue updates without a reload.
    staff.wait_for_function("n => document.querySelectorAll('tbody tr').length > n",
                            arg=rows_before, timeout=5000)
    staff.locator(f'tr[data-item="{item}"] a').click()
    staff.wait_for_url(f"**/console/items/{item}")
    staff.locator("#claim").click()
    staff.locator("#reply").wait_for()
    wait_for_text(resident, "[data-testid=message]", text("staff_joined", "fi"))

    staff.locator("#canned").select_option(index=0)
    staff.locator("#insert-canned").click()
    assert "Porvoon kaupungin asiakaspalvelusta" in staff.locator("#reply").input_value()
    staff.locator("#reply").fill("Hei, olen Kaisa. Miten voin auttaa?")
    started = time.perf_counter()
    staff.locator("#send").click()
    wait_for_text(resident, "[data-testid=message]", "Hei, olen Kaisa.")
    print(f"staff reply reached the widget in {(time.perf_counter() - started) * 1000:.0f} ms")

    send_to_staff = resident.get_by_test_id("input")
    send_to_staff.fill("Kysyisin päiväkotipaikasta")
    resident.keyboard.press("Enter")
    wait_for_text(staff, "#transcript .msg-resident", "Kysyisin päiväkotipaikasta")

    staff.locator("#resolution").select_option("answered")
    staff.locator("#close").click()
    prompt = knowledge().line("rating_prompt", "fi")
    wait_for_text(resident, "[data-testid=message]", prompt.splitlines()[0][:30])
    resident.get_by_test_id("choice").filter(has_text="5").last.click()
    wait_for_text(resident, "[data-testid=message]",
                  knowledge().line("rating_thanks", "fi").splitlines()[0][:30])
    assert 5 in ratings(live_database_url)
    staff_context.close()
    resident_context.close()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_console_pages_pass_axe(browser: Any, live_server: str, live_database_url: str,
                                lang: str) -> None:
    username = f"admin-{lang}"
    create_staff(live_database_url, username, role="admin", language=lang)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/console/login?lang={lang}")
    assert axe_violations(page) == []
    console_login(page, live_server, username, lang=lang)
    item, _ = newest_item(live_database_url)
    for path in ("/console/queue", f"/console/items/{item}", "/console/admin/users",
                 "/console/admin/departments"):
        page.goto(f"{live_server}{path}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert axe_violations(page) == [], path
    context.close()
