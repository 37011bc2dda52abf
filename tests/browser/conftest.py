"""A live service desk (uvicorn on a free port) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from servicedesk.app import create_app
from tests.servicedesk.conftest import OPEN_HOURS, STAFF_PASSWORD, make_settings
from tests.support.stack import ROOT, RasaStack, free_port

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules/axe-core/axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live server's database (tests add staff accounts to it with create_staff)."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'servicedesk.db'}"


@pytest.fixture(scope="session")
def live_server(rasa_stack: RasaStack, live_database_url: str) -> Iterator[str]:
    app = create_app(make_settings(live_database_url, rasa_stack))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    app.state.gateway.clock = lambda: OPEN_HOURS
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: Playwright's sync API keeps an
    event loop running in the main thread, and pytest-asyncio cannot start its own then."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def axe_violations(page: Any) -> list:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now."""
    # Evaluated through the DevTools protocol: the pages' CSP forbids inline scripts, and
    # the test must not weaken it (add_script_tag would be an inline script).
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def console_login(page: Any, base: str, username: str, password: str = STAFF_PASSWORD,
                  lang: str = "fi") -> None:
    """Log in through the console's log-in page."""
    page.goto(f"{base}/console/login?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/console/queue")
