"""The Telegram webhook's defences, polling mode, restarts, the logs; SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from actions.knowledge import knowledge
from connectors.telegram_models import TelegramOutbox
from servicedesk.models import Message
from tests.connectors.conftest import SECRET, LiveApp, query, telegram_settings
from tests.connectors.test_telegram import conversation_of, resident_messages, say, sent_to
from tests.support.fake_telegram import TOKEN, FakeTelegram, photo_update, text_update
from tests.support.stack import RasaStack

StartApp = Callable[..., LiveApp]


@pytest.fixture
def live(database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
         start_app: StartApp) -> LiveApp:
    return start_app(telegram_settings(database_url, rasa_stack, fake_telegram))


def post(live: LiveApp, body: bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return httpx.post(f"{live.url}/telegram/webhook", content=body, headers=headers)


def test_forged_or_malformed_webhook_calls_are_refused(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    assert fake_telegram.webhook == {"url": f"{live.url}/telegram/webhook",
                                     "secret_token": SECRET}
    update = httpx.Request("POST", "/", json=text_update(1, 601, "/start")).content
    assert post(live, update, secret=None).status_code == 403
    assert post(live, update, secret="wrong-secret-0123456789").status_code == 403
    assert post(live, update, secret=SECRET + "x").status_code == 403
    assert post(live, b"{not json").status_code == 400
    assert post(live, b"[1, 2]").status_code == 400
    assert post(live, b'{"update_id": "1"}').status_code == 400
    assert post(live, b'{"update_id": 5, "message": {"text": "no chat"}}').status_code == 400
    assert post(live, b'{"update_id": 6, "padding": "' + b"x" * 300_000 + b'"}'
                ).status_code == 413
    refused = post(live, update, secret=None)
    assert refused.json() == {"detail": "Missing or wrong secret token."}
    assert query(database_url, select(func.count(Message.id))) == [(0,)]
    assert fake_telegram.sent() == []


def test_an_update_delivered_twice_is_handled_once(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 602, "/start", "en")
    update = text_update(fake_telegram.next_update_id(), 602, "how do I get a library card",
                         "en")
    assert fake_telegram.deliver(update).status_code == 200
    assert fake_telegram.deliver(update).status_code == 200
    fake_telegram.wait_for(lambda: len(sent_to(fake_telegram, 602)) >= 2)
    say(fake_telegram, 602, "thanks", "en")  # handled after the duplicate was skipped
    conversation = conversation_of(database_url, 602)
    assert resident_messages(database_url, conversation.id) == [
        "how do I get a library card", "thanks"]


def test_non_text_and_over_long_messages_get_a_clear_answer_and_are_not_forwarded(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 603, "/start", "sv")
    assert fake_telegram.deliver(photo_update(fake_telegram.next_update_id(), 603)
                                 ).status_code == 200
    only_text = fake_telegram.wait_for(lambda: sent_to(fake_telegram, 603)[1:])
    assert only_text[0]["text"] == ("Jag kan bara läsa text. Skriv din fråga som ett "
                                    "meddelande, så hjälper jag dig.")
    too_long = say(fake_telegram, 603, "ord " * 600, "sv")[0]
    assert too_long["text"].startswith("Ditt meddelande är för långt (högst 2000 tecken).")
    assert resident_messages(database_url, conversation_of(database_url, 603).id) == []


def test_polling_mode_works_without_a_public_address(
        database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
        start_app: StartApp) -> None:
    start_app(telegram_settings(database_url, rasa_stack, fake_telegram, mode="polling",
                                telegram_webhook_url=""))
    assert fake_telegram.webhook is None
    fake_telegram.queue_update(text_update(fake_telegram.next_update_id(), 604, "/start", "sv"))
    greeting = fake_telegram.wait_for(lambda: sent_to(fake_telegram, 604))[0]
    assert greeting["text"] == knowledge().line("greet", "sv")
    fake_telegram.queue_update(text_update(fake_telegram.next_update_id(), 604,
                                           "hur förnyar jag mina lån på biblioteket", "sv"))
    fake_telegram.wait_for(lambda: len(sent_to(fake_telegram, 604)) >= 2)
    conversation = conversation_of(database_url, 604)
    fake_telegram.wait_for(lambda: resident_messages(database_url, conversation.id) == [
        "hur förnyar jag mina lån på biblioteket"])
    assert fake_telegram.calls_of("deleteWebhook")


def test_a_message_unsent_at_shutdown_is_sent_once_after_the_restart(
        database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
        start_app: StartApp) -> None:
    settings = telegram_settings(database_url, rasa_stack, fake_telegram)
    first = start_app(settings)
    say(fake_telegram, 605, "/start", "fi")
    say(fake_telegram, 605, "/person", replies=2)
    conversation = conversation_of(database_url, 605)
    fake_telegram.answer_429("sendMessage", retry_after=600)
    first.run(first.app.state.gateway.post_staff_message(conversation_id=conversation.id,
                                                         text="Palaan asiaan pian."))
    fake_telegram.wait_for(lambda: fake_telegram.refused)
    first.stop()
    assert query(database_url, select(TelegramOutbox.status).order_by(
        TelegramOutbox.id.desc()).limit(1)) == [("pending",)]
    assert "Palaan asiaan pian." not in fake_telegram.texts_to(605)
    start_app(settings)
    fake_telegram.wait_for(lambda: "Palaan asiaan pian." in fake_telegram.texts_to(605))
    assert fake_telegram.texts_to(605).count("Palaan asiaan pian.") == 1
    fake_telegram.wait_for(lambda: {row[0] for row in query(
        database_url, select(TelegramOutbox.status))} == {"sent"})


def test_the_token_and_the_secret_never_reach_the_logs(
        database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
        start_app: StartApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    live = start_app(telegram_settings(database_url, rasa_stack, fake_telegram))
    say(fake_telegram, 606, "/start", "fi")
    fake_telegram.drop("sendMessage")
    fake_telegram.answer_429("sendMessage", retry_after=1)
    say(fake_telegram, 606, "kirjastokortti hukassa")
    logging.getLogger("httpx").setLevel(logging.INFO)  # someone turns request logs on
    try:
        say(fake_telegram, 606, "kiitos")
        live.stop()
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    assert caplog.records, "nothing was logged at all"
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "sendMessage" in logged and "<redacted>" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
    assert SECRET not in logged
    assert "kirjastokortti hukassa" not in logged


def test_a_flooding_chat_is_slowed_down_and_told_once(
        database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
        start_app: StartApp) -> None:
    start_app(telegram_settings(database_url, rasa_stack, fake_telegram,
                                messages_per_minute_per_conversation=3))
    say(fake_telegram, 604, "/start", "en")
    for number in range(3):
        say(fake_telegram, 604, f"thanks {number}", "en")
    slow_down = say(fake_telegram, 604, "thanks again", "en")[0]
    assert slow_down["text"].startswith("You sent many messages in a short time.")
    say(fake_telegram, 604, "and again", "en", replies=0)
    say(fake_telegram, 604, "/person", "en", replies=1)  # commands are not counted
    texts = resident_messages(database_url, conversation_of(database_url, 604).id)
    assert texts[:3] == ["thanks 0", "thanks 1", "thanks 2"]
    assert "thanks again" not in texts and "and again" not in texts
    notices = [m for m in sent_to(fake_telegram, 604) if m["text"].startswith("You sent many")]
    assert len(notices) == 1
