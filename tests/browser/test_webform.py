"""The contact form in a real browser: axe-core finds nothing in fi, sv and en (form,
errors, receipt); errors are announced and focused; it works without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations

FOCUSED_ID = "document.activeElement && document.activeElement.id"


@pytest.mark.parametrize(("lang", "question"), [
    ("fi", "Milloin kirjasto on auki lauantaina?"),
    ("sv", "När är biblioteket öppet på lördag?"),
    ("en", "When is the library open on Saturday?")])
def test_form_errors_and_receipt_pass_axe(browser: Any, live_server: str, lang: str,
                                          question: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/?lang={lang}")
    page.locator(f'a[href="/contact?lang={lang}"]').click()
    page.wait_for_url(f"**/contact?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []

    page.locator("form[data-testid=contact-form] button[type=submit]").click()
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    assert page.locator("#message").get_attribute("aria-invalid") == "true"
    assert "message-error" in page.locator("#message").get_attribute("aria-describedby")
    assert axe_violations(page) == []

    page.locator("#message").fill(question)
    page.locator("form[data-testid=contact-form] button[type=submit]").click()
    reference = page.get_by_test_id("reference")
    reference.wait_for()
    assert reference.inner_text().startswith("PRV-")
    assert axe_violations(page) == []
    page.close()


def test_the_error_summary_leads_to_the_field_by_keyboard(browser: Any,
                                                          live_server: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/contact?lang=sv")
    page.locator("#email").fill("inte-en-adress")
    page.locator("form[data-testid=contact-form] button[type=submit]").click()
    page.get_by_test_id("error-summary").wait_for()
    links = page.get_by_test_id("error-summary").locator("a")
    assert links.count() == 2  # message missing, e-mail invalid
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED_ID) == "message"
    assert page.locator("#email").input_value() == "inte-en-adress"
    page.close()


def test_the_form_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/contact?lang=en")
    page.locator("#topic").select_option("parking")
    page.locator("#message").fill("Where can I get a resident parking permit?")
    page.locator("#phone").fill("040 123 4567")
    page.locator("form[data-testid=contact-form] button[type=submit]").click()
    page.get_by_test_id("reference").wait_for()
    assert "city development and technical services" in page.content()
    assert "contact you by phone" in page.content()
    context.close()
