"""Rate limits, and an outage of the action server and of Rasa during a conversation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servicedesk.app import create_app
from servicedesk.texts import text
from tests.servicedesk.conftest import during_service_hours, make_settings, say, start
from tests.support.stack import MODEL, RasaStack


def test_too_many_messages_get_429_with_retry_after(database_url: str,
                                                    rasa_stack: RasaStack) -> None:
    settings = make_settings(database_url, rasa_stack, messages_per_minute_per_conversation=3)
    with TestClient(create_app(settings)) as client:
        conversation = start(client, "en")["conversation_id"]
        for _ in range(3):
            say(client, conversation, "thanks")
        response = client.post(f"/api/webchat/conversations/{conversation}/messages",
                               json={"text": "thanks"})
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[RasaStack]:
    """A Rasa stack of this test alone, since the test stops it."""
    if not MODEL.exists():
        pytest.skip("run `make train` first")
    stack = RasaStack(tmp_path).start()
    yield stack
    stack.stop()


def test_outage_during_a_conversation_loses_nothing(own_stack: RasaStack, tmp_path: Path,
                                                   stored_messages_for) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'outage.db'}", own_stack)
    with TestClient(create_app(settings)) as client:
        during_service_hours(client)
        conversation = start(client, "sv")["conversation_id"]
        assert say(client, conversation, "hur ansöker man om dagisplats")["messages"]

        own_stack.stop_actions()
        answer = say(client, conversation, "var finns simhallen")
        assert answer["messages"][0]["text"] == text("rasa_unavailable", "sv")
        assert answer["messages"][0]["buttons"][0]["payload"] == "/human_handoff"
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["parts"]["action_server"]["ok"] is False

        own_stack.stop_rasa()
        answer = say(client, conversation, "finns det parkering vid simhallen")
        assert answer["messages"][0]["text"] == text("rasa_unavailable", "sv")
        assert client.get("/health").json()["parts"]["rasa"]["ok"] is False

        handed = say(client, conversation, "Prata med en kundtjänstperson",
                     payload="/human_handoff")
        assert handed["conversation"]["mode"] == "human"
        assert handed["conversation"]["handoff"]["department"] == "kompassi"

    rows = stored_messages_for(settings.database_url, conversation)
    resident = [m for m in rows if m.sender == "resident"]
    assert [m.outcome for m in resident] == ["answered", "unavailable", "unavailable", "handoff"]
