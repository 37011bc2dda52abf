"""A resident holds a whole conversation through the widget in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from actions.knowledge import knowledge
from tests.browser.conftest import axe_violations

PHONE = {"width": 360, "height": 640}


def open_widget(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/?lang={lang}")
    page.get_by_test_id("launcher").click()
    page.get_by_test_id("message").first.wait_for()


def send(page: Any, text: str) -> None:
    count = page.get_by_test_id("message").count()
    page.get_by_test_id("input").fill(text)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=message]').length > n + 1", arg=count)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_demo_page_and_open_widget_pass_axe(browser: Any, live_server: str, lang: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/?lang={lang}")
    assert axe_violations(page) == []
    page.get_by_test_id("launcher").click()
    page.get_by_test_id("message").first.wait_for()
    assert axe_violations(page) == []
    page.close()


def test_a_whole_conversation_with_keyboard_and_reload(browser: Any, live_server: str) -> None:
    page = browser.new_page()
    open_widget(page, live_server, "fi")
    greeting = page.get_by_test_id("message").first.inner_text()
    assert knowledge().line("greet", "fi").splitlines()[0] in greeting
    assert page.evaluate("document.activeElement.dataset.testid") == "input"

    send(page, "miten haen lapselle päiväkotipaikkaa")
    answer_start = knowledge().service("daycare")["answer"]["fi"].strip()[:40]
    assert answer_start in page.get_by_test_id("message").last.inner_text()

    page.get_by_test_id("choice").first.wait_for()
    before = page.get_by_test_id("message").count()
    page.reload()
    page.get_by_test_id("message").nth(before - 1).wait_for()
    assert page.get_by_test_id("message").count() == before

    send(page, "haluan puhua ihmisen kanssa")
    banner = page.get_by_test_id("handoff-banner")
    banner.wait_for()
    assert "1" in banner.inner_text()
    assert axe_violations(page) == []
    page.close()


def test_widget_on_a_phone_sized_screen(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    open_widget(page, live_server, "sv")
    box = page.get_by_test_id("panel").bounding_box()
    assert box["width"] <= PHONE["width"] and box["width"] >= PHONE["width"] - 20
    send(page, "hur förnyar jag mina lån på biblioteket")
    assert axe_violations(page) == []
    context.close()
