"""The Telegram channel end to end: the real service desk over HTTP, the real assistant,
python-telegram-bot talking to a fake Bot API on loopback; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from actions.knowledge import knowledge
from connectors.telegram_models import TelegramConversation, TelegramOutbox
from connectors.telegram_outbox import MESSAGE_LIMIT, plain_links
from servicedesk.models import Conversation, Handoff, Message
from servicedesk.texts import text as desk_text
from tests.connectors.conftest import LiveApp, query, telegram_settings
from tests.support.fake_telegram import FakeTelegram, button_update, text_update
from tests.support.stack import RasaStack

StartApp = Callable[..., LiveApp]


@pytest.fixture
def live(database_url: str, rasa_stack: RasaStack, fake_telegram: FakeTelegram,
         start_app: StartApp) -> LiveApp:
    return start_app(telegram_settings(database_url, rasa_stack, fake_telegram))


def say(fake: FakeTelegram, chat_id: int, text: str, language_code: str = "fi",
        replies: int = 1) -> List[Dict[str, Any]]:
    """Deliver a message to the webhook; wait for `replies` more messages to the chat."""
    before = len(sent_to(fake, chat_id))
    response = fake.deliver(text_update(fake.next_update_id(), chat_id, text, language_code))
    assert response.status_code == 200, response.text
    if replies == 0:
        return []
    return fake.wait_for(lambda: len(sent_to(fake, chat_id)) >= before + replies
                         and sent_to(fake, chat_id)[before:])


def press(fake: FakeTelegram, chat_id: int, sent: Dict[str, Any], title: str,
          replies: int = 1) -> List[Dict[str, Any]]:
    """Press the button titled `title` of a message the bot sent."""
    button = next(row[0] for row in sent["reply_markup"]["inline_keyboard"]
                  if row[0]["text"] == title)
    before = len(sent_to(fake, chat_id))
    update = button_update(fake.next_update_id(), chat_id, button["callback_data"],
                           message_id=sent["message_id"])
    assert fake.deliver(update).status_code == 200
    return fake.wait_for(lambda: len(sent_to(fake, chat_id)) >= before + replies
                         and sent_to(fake, chat_id)[before:])


def sent_to(fake: FakeTelegram, chat_id: int) -> List[Dict[str, Any]]:
    """sendMessage calls to the chat, each with the message_id the fake gave it."""
    return [{**call.params, "message_id": call.result["message_id"]}
            for call in fake.calls_of("sendMessage") if call.params.get("chat_id") == chat_id]


def conversation_of(database_url: str, chat_id: int) -> Conversation:
    rows = query(database_url, select(Conversation).join(
        TelegramConversation, TelegramConversation.conversation_id == Conversation.id)
        .where(TelegramConversation.chat_id == chat_id).order_by(TelegramConversation.id))
    return rows[-1][0]


def resident_messages(database_url: str, conversation_id: str) -> List[str]:
    rows = query(database_url, select(Message.text).where(
        Message.conversation_id == conversation_id, Message.sender == "resident")
        .order_by(Message.id))
    return [row[0] for row in rows]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_start_greets_in_the_telegram_language_with_topic_buttons(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str, language: str) -> None:
    greeting = say(fake_telegram, 501, "/start", language_code=language)[0]
    assert greeting["text"] == knowledge().line("greet", language)
    keyboard = greeting["reply_markup"]["inline_keyboard"]
    titles = [row[0]["text"] for row in keyboard]
    assert knowledge().line("button_talk_to_person", language) in titles
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)
    conversation = conversation_of(database_url, 501)
    assert (conversation.channel, conversation.language) == ("telegram", language)


def test_a_question_gets_the_assistants_answer_and_is_logged_once(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 502, "/start", "sv")
    question = "hur förnyar jag mina lån på biblioteket"
    answer = say(fake_telegram, 502, question, "sv")
    conversation = conversation_of(database_url, 502)
    bot_texts = [row[0] for row in query(database_url, select(Message.text).where(
        Message.conversation_id == conversation.id, Message.sender == "bot")
        .order_by(Message.id))]
    # bot_texts[0] is the greeting; Telegram gets the answer's link as plain text
    assert answer[0]["text"] == plain_links(bot_texts[1])
    assert resident_messages(database_url, conversation.id) == [question]
    topic = query(database_url, select(Message.topic).where(
        Message.conversation_id == conversation.id, Message.sender == "resident"))
    assert topic == [("library",)]


def test_a_button_press_is_answered_and_goes_to_the_assistant(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    greeting = say(fake_telegram, 503, "/start", "en")[0]
    title = knowledge().title("library", "en")
    answer = press(fake_telegram, 503, greeting, title)
    assert answer[0]["text"]
    answered = fake_telegram.sent("answerCallbackQuery")
    assert len(answered) == 1 and "text" not in answered[0]
    edited = fake_telegram.sent("editMessageReplyMarkup")
    assert edited[0]["message_id"] == greeting["message_id"]
    assert not edited[0].get("reply_markup", {}).get("inline_keyboard")
    conversation = conversation_of(database_url, 503)
    assert resident_messages(database_url, conversation.id) == [title]
    topic = query(database_url, select(Message.topic).where(
        Message.conversation_id == conversation.id, Message.sender == "resident"))
    assert topic == [("library",)]


def test_a_forged_button_is_refused_and_reaches_nobody(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 504, "/start", "fi")
    for data in ("m:1:99", "m:abc", "/human_handoff", "lang:de"):
        update = button_update(fake_telegram.next_update_id(), 504, data, message_id=1)
        assert fake_telegram.deliver(update).status_code == 200
    answers = fake_telegram.wait_for(
        lambda: len(fake_telegram.sent("answerCallbackQuery")) == 4
        and fake_telegram.sent("answerCallbackQuery"))
    assert {a["text"] for a in answers} == {"Tämä painike ei ole enää käytössä."}
    conversation = conversation_of(database_url, 504)
    assert resident_messages(database_url, conversation.id) == []
    assert conversation.mode == "bot"


def test_language_command_switches_the_conversation_language(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 505, "/start", "fi")
    offer = say(fake_telegram, 505, "/language", "fi")[0]
    assert offer["text"] == "Valitse kieli."
    assert [row[0]["text"] for row in offer["reply_markup"]["inline_keyboard"]] == [
        "Suomi", "Svenska", "English"]
    switched = press(fake_telegram, 505, offer, "Svenska")
    assert switched[0]["text"] == knowledge().line("language_switched", "sv")
    assert conversation_of(database_url, 505).language == "sv"
    answer = say(fake_telegram, 505, "ok")
    assert answer[0]["text"]
    assert conversation_of(database_url, 505).language == "sv"


def test_unknown_telegram_language_asks_and_then_greets_in_the_choice(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    offer = say(fake_telegram, 506, "/start", language_code="de")[0]
    assert offer["text"] == "Valitse kieli.\nVälj språk.\nChoose a language."
    greeting = press(fake_telegram, 506, offer, "English")[0]
    assert greeting["text"] == knowledge().line("greet", "en")
    assert conversation_of(database_url, 506).language == "en"


def test_without_start_the_first_text_chooses_the_language(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    replies = say(fake_telegram, 507, "hur ansöker jag om en plats i daghemmet",
                  language_code=None, replies=2)
    assert replies[0]["text"] == knowledge().line("greet", "sv")
    assert conversation_of(database_url, 507).language == "sv"


def test_person_command_hands_off_and_staff_replies_reach_the_chat(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 508, "/start", "fi")
    notice = say(fake_telegram, 508, "/person", replies=2)[-1]
    assert notice["text"].startswith("Olet jonossa sijalla 1.")
    conversation = conversation_of(database_url, 508)
    assert conversation.mode == "human"
    handoffs = query(database_url, select(Handoff).where(
        Handoff.conversation_id == conversation.id))
    assert len(handoffs) == 1 and handoffs[0][0].status == "waiting"
    again = say(fake_telegram, 508, "/start")[0]  # does not abandon the handoff
    assert again["text"] == ("Keskustelusi asiakaspalvelun kanssa on yhä auki. "
                             "Kirjoita viestisi tähän.")
    assert conversation_of(database_url, 508).id == conversation.id
    say(fake_telegram, 508, "tarvitsen apua laskun kanssa", replies=0)
    live.run(live.app.state.gateway.post_staff_message(
        conversation_id=conversation.id, text="Hei, autan mielelläni. Mikä lasku?"))
    fake_telegram.wait_for(lambda: "Hei, autan mielelläni. Mikä lasku?" in
                           fake_telegram.texts_to(508))
    fake_telegram.wait_for(lambda: resident_messages(database_url, conversation.id) == [
        desk_text("button_talk_to_person", "fi"), "tarvitsen apua laskun kanssa"])
    channels = query(database_url, select(Conversation.channel).join(
        Message, Message.conversation_id == Conversation.id).where(
        Message.conversation_id == conversation.id, Message.sender == "resident"))
    assert {row[0] for row in channels} == {"telegram"}


def test_staff_close_sends_the_rating_prompt_whose_buttons_rate(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 509, "/start", "en")
    say(fake_telegram, 509, "/person", "en", replies=2)
    conversation = conversation_of(database_url, 509)
    handoff_id = query(database_url, select(Handoff.id).where(
        Handoff.conversation_id == conversation.id))[0][0]
    gateway = live.app.state.gateway
    assert live.run(gateway.claim(handoff_id=handoff_id, assignee="anna"))
    assert live.run(gateway.close_by_staff(handoff_id=handoff_id, assignee="anna",
                                           resolution="resolved"))
    prompt = fake_telegram.wait_for(lambda: [m for m in sent_to(fake_telegram, 509)
                                             if m.get("reply_markup")
                                             and m["text"].startswith(
                                                 knowledge().line("rating_prompt", "en")[:20])])
    thanks = press(fake_telegram, 509, prompt[-1], "4")
    assert thanks[0]["text"] == knowledge().line("rating_thanks", "en")


def test_a_long_staff_answer_is_split_where_paragraphs_end(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 510, "/start", "fi")
    say(fake_telegram, 510, "/person", replies=2)
    conversation = conversation_of(database_url, 510)
    paragraph = ("Porvoon kaupunki palvelee asukkaitaan suomeksi ja ruotsiksi. " * 30).strip()
    long_text = "\n\n".join([paragraph] * 5)
    assert len(long_text) > MESSAGE_LIMIT
    live.run(live.app.state.gateway.post_staff_message(conversation_id=conversation.id,
                                                       text=long_text))
    fake_telegram.wait_for(lambda: sum(len(t) for t in fake_telegram.texts_to(510)
                                       if t.startswith("Porvoon")) >= len(long_text) - 20)
    parts = [t for t in fake_telegram.texts_to(510) if t.startswith("Porvoon kaupunki")]
    assert len(parts) == 3  # 9 158 characters: two paragraphs fit in each part
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n\n".join(parts) == long_text  # cut only where paragraphs end


def test_flood_control_is_waited_out_and_the_message_sent_once(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 511, "/start", "fi")
    say(fake_telegram, 511, "/person", replies=2)
    conversation = conversation_of(database_url, 511)
    fake_telegram.answer_429("sendMessage", retry_after=2)
    live.run(live.app.state.gateway.post_staff_message(conversation_id=conversation.id,
                                                       text="Odota hetki."))
    fake_telegram.wait_for(lambda: "Odota hetki." in fake_telegram.texts_to(511))
    refused = [c for c in fake_telegram.refused if c.params.get("text") == "Odota hetki."]
    sent = [c for c in fake_telegram.calls_of("sendMessage")
            if c.params.get("text") == "Odota hetki."]
    assert len(refused) == 1 and len(sent) == 1
    assert sent[0].at - refused[0].at >= 2.0, "retry_after was not honoured"
    fake_telegram.wait_for(lambda: outbox_statuses(database_url) == {"sent"})


def test_a_dropped_connection_is_retried_and_the_message_sent_exactly_once(
        live: LiveApp, fake_telegram: FakeTelegram, database_url: str) -> None:
    say(fake_telegram, 512, "/start", "fi")
    say(fake_telegram, 512, "/person", replies=2)
    conversation = conversation_of(database_url, 512)
    fake_telegram.drop("sendMessage", times=2)
    live.run(live.app.state.gateway.post_staff_message(conversation_id=conversation.id,
                                                       text="Yhteys katkesi välillä."))
    fake_telegram.wait_for(lambda: "Yhteys katkesi välillä." in fake_telegram.texts_to(512))
    assert len(fake_telegram.dropped) == 2
    assert fake_telegram.texts_to(512).count("Yhteys katkesi välillä.") == 1
    fake_telegram.wait_for(lambda: query(
        database_url, select(TelegramOutbox.attempts, TelegramOutbox.status)
        .order_by(TelegramOutbox.id.desc()).limit(1)) == [(2, "sent")])


def outbox_statuses(database_url: str) -> set:
    return {row[0] for row in query(database_url, select(TelegramOutbox.status))}
