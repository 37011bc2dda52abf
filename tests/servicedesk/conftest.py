"""A service desk on a fresh database, talking to the real Rasa stack."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from servicedesk.app import create_app
from servicedesk.console.users import create_user
from servicedesk.core.settings import Settings
from servicedesk.models import Message
from tests.support.stack import RasaStack


def make_settings(database_url: str, stack: RasaStack, **overrides: Any) -> Settings:
    return Settings(environment="test", database_url=database_url, rasa_url=stack.rasa_url,
                    rasa_auth_token=stack.auth_token,
                    action_server_url=stack.action_url, rasa_tracker_db_url="",
                    rasa_timeout_seconds=10, **overrides)


@pytest.fixture
def settings(database_url: str, rasa_stack: RasaStack) -> Settings:
    return make_settings(database_url, rasa_stack)


# A Wednesday morning in Helsinki: every department is open.
OPEN_HOURS = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


def during_service_hours(test_client: TestClient) -> TestClient:
    test_client.app.state.gateway.clock = lambda: OPEN_HOURS
    return test_client


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # https: the console's session cookie is Secure, so the client sends it only there.
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield during_service_hours(test_client)


STAFF_PASSWORD = "correct horse battery"


def create_staff(database_url: str, username: str, role: str = "staff",
                 departments: tuple = ("kompassi",), password: str = STAFF_PASSWORD,
                 language: str = "fi") -> None:
    """A console user straight in the database (the admin page is tested on its own)."""
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session, session.begin():
            create_user(session, username=username, password=password, role=role,
                        departments=departments, language=language)
    finally:
        engine.dispose()


def login(client: TestClient, username: str, password: str = STAFF_PASSWORD) -> str:
    """Log in through the console's form; returns the session's CSRF token."""
    page = client.get("/console/login")
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert form_token, page.text
    response = client.post("/console/login", data={
        "username": username, "password": password, "form_token": form_token.group(1),
        "next": "/console/queue"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    queue = client.get("/console/queue")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', queue.text)
    assert csrf, queue.text
    return csrf.group(1)


def read_messages(database_url: str, conversation_id: str) -> list:
    """The messages the contact log holds for a conversation, read straight from the DB."""
    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            query = (select(Message).where(Message.conversation_id == conversation_id)
                     .order_by(Message.id))
            return list(session.execute(query).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def stored_messages(settings: Settings) -> Callable[[str], list]:
    return lambda conversation_id: read_messages(settings.database_url, conversation_id)


@pytest.fixture
def stored_messages_for() -> Callable[[str, str], list]:
    return read_messages


def start(client: TestClient, language: str = "fi") -> dict:
    response = client.post("/api/webchat/conversations", json={"language": language})
    assert response.status_code == 201, response.text
    return response.json()


def say(client: TestClient, conversation_id: str, text: str, **extra: Any) -> dict:
    response = client.post(f"/api/webchat/conversations/{conversation_id}/messages",
                           json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()
