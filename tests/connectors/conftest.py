"""The service desk served over real HTTP (uvicorn), with Telegram on a fake Bot API."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Optional, TypeVar

import pytest
import uvicorn
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from servicedesk.app import create_app
from servicedesk.core.settings import Settings
from tests.servicedesk.conftest import OPEN_HOURS, make_settings
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.stack import RasaStack, free_port

T = TypeVar("T")
SECRET = "webhook-secret-0123456789abcdef"


class LiveApp:
    """create_app(settings) under uvicorn on a free loopback port, in its own thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(
            self.app, host="127.0.0.1", port=int(settings.port), log_level="warning",
            lifespan="on"))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=lambda: self.loop.run_until_complete(self.server.serve()), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self) -> LiveApp:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "app did not start"
            time.sleep(0.05)
        self.app.state.gateway.clock = lambda: OPEN_HOURS
        adapter = self.app.state.telegram
        if adapter is not None:
            self.run(asyncio.wait_for(adapter.ready.wait(), 30))
        return self

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the app's event loop (e.g. the gateway's staff calls)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(60)
        self.loop.close()


def telegram_settings(database_url: str, stack: Optional[RasaStack], fake: FakeTelegram,
                      mode: str = "webhook", **overrides: Any) -> Settings:
    port = free_port()
    extra: dict = {"rasa_url": "http://127.0.0.1:9", "action_server_url": "http://127.0.0.1:9",
                   "environment": "test", "database_url": database_url,
                   "rasa_tracker_db_url": ""}
    base = make_settings(database_url, stack) if stack else Settings(**extra)
    values = {**base.dict(), "port": port, "telegram_mode": mode,
              "telegram_bot_token": TOKEN, "telegram_webhook_secret": SECRET,
              "telegram_base_url": fake.base_url,
              "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/webhook"}
    values.update(overrides)
    for secret in ("telegram_bot_token", "telegram_webhook_secret"):
        value = values[secret]
        values[secret] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return Settings(**values)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def start_app() -> Iterator[Callable[[Settings], LiveApp]]:
    """Starts live apps; every one still running is stopped after the test."""
    running: list[LiveApp] = []

    def start(settings: Settings) -> LiveApp:
        live = LiveApp(settings).start()
        running.append(live)
        return live
    yield start
    for live in running:
        if live.thread.is_alive():
            live.stop()


def query(database_url: str, statement: Any) -> list:
    """Rows straight from the database."""
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            return list(session.execute(statement).all())
    finally:
        engine.dispose()


__all__ = ["SECRET", "LiveApp", "query", "select", "telegram_settings"]
