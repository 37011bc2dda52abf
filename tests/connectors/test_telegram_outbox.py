"""Splitting long answers, the adapter's own lines, settings, and the outbox on its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Callable, TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Bot, User

from connectors import telegram_store as store
from connectors.telegram import SWITCH_PAYLOADS, telegram_language
from connectors.telegram_models import TelegramConversation, TelegramOutbox, TelegramUpdate
from connectors.telegram_outbox import MESSAGE_LIMIT, OutboxSender, split_message, utf16_len
from connectors.telegram_texts import LANGUAGES, LINES, line
from servicedesk import contacts, retention
from servicedesk.core.db import make_engine, make_session_factory, migrate, transaction
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from tests.support.fake_telegram import TOKEN, FakeTelegram

T = TypeVar("T")


def test_short_text_is_one_part() -> None:
    assert split_message("  Hei!  ") == ["Hei!"]
    assert split_message("") == []


def test_long_text_is_cut_at_sentences_then_words_never_inside_one() -> None:
    sentences = " ".join(f"Lause numero {n} kertoo jotain tärkeää." for n in range(400))
    parts = split_message(sentences)
    assert len(parts) > 1 and " ".join(parts) == sentences
    assert all(utf16_len(p) <= MESSAGE_LIMIT and p.endswith(".") for p in parts)
    words = "sana " * 2000
    parts = split_message(words)
    assert " ".join(parts) == words.strip()
    assert all(set(p.split()) == {"sana"} for p in parts)


def test_limit_counts_utf16_units_and_never_splits_a_character() -> None:
    emoji = "🙂" * 3000  # 6000 UTF-16 code units, no spaces
    parts = split_message(emoji)
    assert "".join(parts) == emoji
    assert [utf16_len(p) for p in parts] == [4096, 6000 - 4096]


def test_every_line_of_the_adapter_exists_in_three_languages() -> None:
    for key, entry in LINES.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key
        assert len({entry[code] for code in LANGUAGES}) == 3, f"{key}: copied, not translated"
    assert line("too_long", "sv", limit=5) == ("Ditt meddelande är för långt (högst 5 tecken). "
                                              "Förkorta det eller dela upp det i flera "
                                              "meddelanden.")
    assert line("choose_language", None).splitlines() == [
        "Valitse kieli.", "Välj språk.", "Choose a language."]


def test_language_switch_payloads_name_the_language_for_the_assistant() -> None:
    from bot.languages import requested_language
    assert {code: requested_language(p) for code, p in SWITCH_PAYLOADS.items()} == {
        "fi": "fi", "sv": "sv", "en": "en"}


@pytest.mark.parametrize(("code", "expected"), [
    ("fi", "fi"), ("sv", "sv"), ("en-GB", "en"), ("SV", "sv"), ("de", None), (None, None)])
def test_telegram_language_codes(code: Any, expected: Any) -> None:
    person = User(id=1, first_name="A", is_bot=False, language_code=code)
    assert telegram_language(person) == expected


def test_settings_refuse_an_incomplete_telegram_configuration() -> None:
    with pytest.raises(ValidationError, match="TELEGRAM_BOT_TOKEN"):
        Settings(environment="test", telegram_mode="polling")
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(environment="test", telegram_mode="webhook", telegram_bot_token="1:a")
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(environment="test", telegram_mode="webhook", telegram_bot_token="1:a",
                 telegram_webhook_secret="short")
    settings = Settings(environment="test", telegram_mode="webhook", telegram_bot_token="1:a",
                        telegram_webhook_secret="s" * 32)
    assert "1:a" not in repr(settings) and "s" * 32 not in repr(settings)


async def test_a_long_message_with_buttons_goes_out_in_parts_with_the_keyboard_last(
        database_url: str, fake_telegram: FakeTelegram) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)

    async def db(work: Callable[[Session], T]) -> T:
        def run() -> T:
            with transaction(sessions) as session:
                return work(session)
        return await asyncio.to_thread(run)

    long_text = "\n\n".join([("Kappale, jossa on paljon sanoja ja asiaa. " * 60).strip()] * 3)
    buttons = [{"title": "Kyllä", "payload": "/affirm"}, {"title": "Ei", "payload": "/deny"}]

    def setup(session: Session) -> int:
        conversation = contacts.create_conversation(session, channel="telegram",
                                                    language="fi")
        store.link(session, chat_id=700, conversation_id=conversation.id)
        message = contacts.add_message(session, conversation, sender="bot", text=long_text,
                                       buttons=buttons)
        session.flush()
        assert store.record_conversation(session, conversation.id) == 1
        assert store.record_conversation(session, conversation.id) == 0  # recorded once
        return int(message.id)

    message_id = await db(setup)
    async with Bot(TOKEN, base_url=fake_telegram.base_url) as bot:
        sender = OutboxSender(bot=bot, db=db, notice_values={})
        running = asyncio.create_task(sender.run())
        while len(fake_telegram.sent()) < 3:
            await asyncio.sleep(0.05)
        sender.stopping.set()
        await running
    sent = fake_telegram.sent()
    assert "\n\n".join(p["text"] for p in sent) == long_text
    assert [bool(p.get("reply_markup")) for p in sent] == [False, False, True]
    keyboard = sent[-1]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Kyllä", "callback_data": f"m:{message_id}:0"}],
                        [{"text": "Ei", "callback_data": f"m:{message_id}:1"}]]
    assert await db(store.next_job) is None
    engine.dispose()


def test_retention_erases_the_chat_link_and_old_rows_are_pruned(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        conversation = contacts.create_conversation(session, channel="telegram", language="sv")
        store.link(session, chat_id=701, conversation_id=conversation.id)
        store.claim_update(session, 42)
        store.record_notice(session, chat_id=701, notice="text_only", language="sv")
        outbox_id = store.next_job(session).id  # type: ignore[union-attr]
        store.mark_progress(session, outbox_id, parts_sent=1, done=True)
    with transaction(sessions) as session:
        assert store.current_conversation(session, 701) is not None
        retention.anonymise_expired(session, older_than=utcnow() + timedelta(days=1))
    with transaction(sessions) as session:
        assert store.current_conversation(session, 701) is None
        links = session.execute(select(TelegramConversation.chat_id)).scalars().all()
        assert links == [None]
        store.prune(session, utcnow() + timedelta(days=1))
    with transaction(sessions) as session:
        assert session.execute(select(TelegramOutbox)).first() is None
        assert session.execute(select(TelegramUpdate)).first() is None
    engine.dispose()
