"""The public web chat API with the real assistant behind it, on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import re

import pytest
from fastapi.testclient import TestClient

from actions.knowledge import knowledge
from tests.servicedesk.conftest import say, start


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_conversation_starts_with_a_greeting_in_its_language(client: TestClient,
                                                               language: str) -> None:
    created = start(client, language)
    assert created["mode"] == "bot" and created["handoff"] is None
    assert created["messages"][0]["text"] == knowledge().line("greet", language)
    assert created["messages"][0]["buttons"], "the greeting suggests topics"


def test_every_message_is_logged_once_with_what_the_assistant_understood(
        client: TestClient, stored_messages) -> None:
    conversation = start(client, "fi")["conversation_id"]
    texts = ["miten haen lapselle päiväkotipaikkaa", "hur förnyar jag mina lån på biblioteket",
             "who is responsible for the chatbot in the digital programme"]
    replies = [say(client, conversation, text) for text in texts]
    assert replies[1]["conversation"]["language"] == "sv"
    assert replies[2]["conversation"]["language"] == "en"
    rows = stored_messages(conversation)
    resident = [m for m in rows if m.sender == "resident"]
    assert [m.text for m in resident] == texts
    assert [m.topic for m in resident] == ["daycare", "library", "programme_projects"]
    assert all(m.outcome == "answered" and 0 < m.confidence <= 1 for m in resident)
    assert [m.language for m in resident] == ["fi", "sv", "en"]
    bot_ids = [m.id for m in rows if m.sender == "bot"]
    sent_ids = [int(msg["id"]) for r in replies for msg in r["messages"]]
    assert sent_ids == bot_ids[1:]  # the first bot message is the greeting


def test_polling_returns_what_came_after_the_cursor(client: TestClient) -> None:
    created = start(client, "en")
    conversation, cursor = created["conversation_id"], created["cursor"]
    answer = say(client, conversation, "how do I get a library card")
    polled = client.get(f"/api/webchat/conversations/{conversation}/messages",
                        params={"after": cursor}).json()
    assert [m["sender"] for m in polled["messages"]] == ["resident"] + ["bot"] * len(
        answer["messages"])
    assert polled["cursor"] == answer["cursor"]
    everything = client.get(f"/api/webchat/conversations/{conversation}/messages").json()
    assert len(everything["messages"]) == 1 + len(polled["messages"])


def test_asking_for_a_person_hands_off_and_staff_replies_arrive_live(
        client: TestClient, stored_messages) -> None:
    conversation = start(client, "fi")["conversation_id"]
    say(client, conversation, "kirjastokortti hukassa")
    handed = say(client, conversation, "haluan puhua ihmisen kanssa")
    state = handed["conversation"]
    assert state["mode"] == "human"
    assert state["handoff"]["status"] == "waiting"
    assert state["handoff"]["department"] == "culture"  # the library's department
    assert state["handoff"]["queue_position"] >= 1
    assert handed["messages"][-1]["sender"] == "system"
    gateway = client.app.state.gateway
    with client.websocket_connect(f"/api/webchat/conversations/{conversation}/ws") as ws:
        client.portal.call(functools.partial(
            gateway.post_staff_message, conversation_id=conversation,
            text="Hei, autan mielelläni."))
        event = ws.receive_json()
        assert event["type"] == "message"
        assert event["message"]["sender"] == "staff"
        assert event["message"]["text"] == "Hei, autan mielelläni."
        assert ws.receive_json()["conversation"]["handoff"]["status"] == "answered"
    to_staff = say(client, conversation, "kiitos, korttini katosi eilen")
    assert to_staff["messages"] == []  # goes to staff, not to the bot
    assert stored_messages(conversation)[-1].outcome == "to_staff"


@pytest.mark.parametrize(("text", "line"), [("", "empty_message"), ("   ", "empty_message"),
                                            ("😀👍🎉", "emoji_only")])
def test_unusable_messages_get_a_sensible_reply(client: TestClient, text: str,
                                                line: str) -> None:
    conversation = start(client, "sv")["conversation_id"]
    answer = say(client, conversation, text)
    assert [m["text"] for m in answer["messages"]] == [knowledge().line(line, "sv")]


def test_unknown_conversation_is_404(client: TestClient) -> None:
    unknown = "no-such-conversation"
    assert client.get(f"/api/webchat/conversations/{unknown}").status_code == 404
    assert client.get(f"/api/webchat/conversations/{unknown}/messages").status_code == 404
    response = client.post(f"/api/webchat/conversations/{unknown}/messages", json={"text": "hei"})
    assert response.status_code == 404


def test_over_long_message_is_refused_and_not_stored(client: TestClient,
                                                     stored_messages) -> None:
    conversation = start(client, "fi")["conversation_id"]
    response = client.post(f"/api/webchat/conversations/{conversation}/messages",
                           json={"text": "a" * 2001})
    assert response.status_code == 413
    assert "2000" in response.json()["detail"]
    assert [m.sender for m in stored_messages(conversation)] == ["bot"]


def test_malformed_json_is_422(client: TestClient) -> None:
    conversation = start(client, "fi")["conversation_id"]
    url = f"/api/webchat/conversations/{conversation}/messages"
    assert client.post(url, content=b"{not json",
                       headers={"content-type": "application/json"}).status_code == 422
    assert client.post(url, json={"txt": "hei"}).status_code == 422


def test_conversation_ids_are_unguessable(client: TestClient) -> None:
    ids = {start(client, "fi")["conversation_id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32,}", i) for i in ids)


def test_health_reports_every_part(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert set(response.json()["parts"]) == {"servicedesk", "database", "rasa", "action_server"}


def test_demo_page_embeds_the_widget(client: TestClient) -> None:
    page = client.get("/", params={"lang": "sv"})
    assert page.status_code == 200
    assert '<html lang="sv"' in page.text
    assert 'src="/static/widget.js"' in page.text
    assert client.get("/static/widget.js").status_code == 200


def test_application_logs_carry_no_message_text(client: TestClient, caplog) -> None:
    secret = "salainen asia numero 7"
    caplog.set_level("DEBUG")
    conversation = start(client, "fi")["conversation_id"]
    say(client, conversation, f"haluan puhua ihmisen kanssa, {secret}")
    assert caplog.records, "the gateway logged nothing at all"
    assert secret not in caplog.text


def test_answers_carry_sources_links_and_an_honest_unsure(client: TestClient,
                                                         stored_messages) -> None:
    """Through the whole stack: a fact with its source, a link, another body, and an
    "I'm not sure" that the contact log counts as not understood."""
    conversation = start(client, "en")["conversation_id"]
    library = say(client, conversation, "when is the main library open?")["messages"][0]
    assert re.search(r"\(porvoo\.fi, \d{4}\)", library["text"])
    assert "](https://" in library["text"]
    assert [b["payload"] for b in library["buttons"]] == ["/more"]
    more = say(client, conversation, "Tell me more", payload="/more")["messages"][0]
    assert more["text"].count("• ") > library["text"].count("• ")
    passport = say(client, conversation, "how do I renew my passport?")["messages"][0]
    assert "poliisi.fi" in passport["text"]
    unsure = say(client, conversation, "what colour is the logo of the digital programme")
    assert "/human_handoff" in [b["payload"] for m in unsure["messages"] for b in m["buttons"]]
    resident = [m for m in stored_messages(conversation) if m.sender == "resident"]
    assert [m.outcome for m in resident] == ["answered", "answered", "answered", "fallback"]


@pytest.mark.parametrize("body", [
    '{"text": "hei \\ud800"}', '{"text": "hei\\u0000"}', '{"text": "x", "payload": "/a\\u0000"}'])
def test_text_no_database_can_store_is_422(client: TestClient, stored_messages,
                                           body: str) -> None:
    conversation = start(client, "fi")["conversation_id"]
    response = client.post(f"/api/webchat/conversations/{conversation}/messages",
                           content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert [m for m in stored_messages(conversation) if m.sender == "resident"] == []


def test_a_cursor_beyond_64_bits_is_422(client: TestClient) -> None:
    conversation = start(client, "fi")["conversation_id"]
    url = f"/api/webchat/conversations/{conversation}/messages"
    assert client.get(url, params={"after": "9" * 30}).status_code == 422
    assert client.get(url, params={"after": "9" * 18}).status_code == 200
