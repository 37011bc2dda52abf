"""The Telegram channel: python-telegram-bot 22 running inside the service desk's process.

Webhook mode (production): Telegram posts updates to POST /telegram/webhook, which checks
the secret token and puts them on the Application's update queue (the library's pattern
for an Application inside an ASGI app: `.updater(None)`, started in the app's lifespan).
Polling mode (development): the library's Updater fetches them with getUpdates.

Resident messages go to the gateway, which logs them once and routes them (bot or staff).
Whatever the gateway says in a Telegram conversation (bot replies, notices, staff replies,
the rating prompt) arrives on the channel topic and goes out through a durable outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any, Dict, List, Optional, TypeVar
from weakref import WeakValueDictionary

import httpx
from fastapi import APIRouter, Header, HTTPException, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update, User
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from connectors import telegram_store as store
from connectors.telegram_logging import TokenRedactor
from connectors.telegram_outbox import OutboxSender
from connectors.telegram_texts import LANGUAGE_NAMES, LANGUAGES, line
from servicedesk.core.db import run_in_transaction
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.events import EventBus, channel_topic
from servicedesk.gateway import HANDOFF_PAYLOAD, Gateway
from servicedesk.ratelimit import RateLimiter
from servicedesk.texts import text as desk_text

logger = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[Update, int], Awaitable[None]]

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_UPDATE_BYTES = 256 * 1024
CONCURRENT_UPDATES = 64
START_RETRY_MAX_SECONDS = 60.0
SWEEP_SECONDS = 60.0
SWEEP_WINDOW = timedelta(days=1)
ROWS_KEPT = timedelta(days=7)  # updates seen, messages sent
# The assistant's switch_language action reads the language's name in the message.
SWITCH_PAYLOADS = {code: f'/switch_language{{"language": "{name}"}}'
                   for code, name in {"fi": "finnish", "sv": "swedish",
                                      "en": "english"}.items()}


def telegram_language(user: Optional[User]) -> Optional[str]:
    """fi, sv or en from the resident's Telegram language ("sv", "en-GB"), else None."""
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in LANGUAGES else None


class TelegramAdapter:
    def __init__(self, *, settings: Settings, gateway: Gateway, bus: EventBus,
                 sessions: sessionmaker) -> None:
        self.settings = settings
        self.gateway = gateway
        self.bus = bus
        self.sessions = sessions
        self.mode = settings.telegram_mode
        self.ready = asyncio.Event()
        self.application = self._build()
        self.sender = OutboxSender(bot=self.application.bot, db=self._db,
                                   notice_values={"limit": settings.max_message_chars})
        self.redactor = TokenRedactor([settings.telegram_bot_token.get_secret_value(),
                                       settings.telegram_webhook_secret.get_secret_value()])
        self._tasks: List[asyncio.Task[None]] = []
        self._chat_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        # The web chat's per-conversation limit, per chat; one "too fast" notice per minute.
        self._rate = RateLimiter(settings.messages_per_minute_per_conversation)
        self._told_too_fast = RateLimiter(1)
        self._record_lock = asyncio.Lock()

    # ------------------------------------------------------------------ wiring

    def _build(self) -> Application:
        builder = (Application.builder()
                   .token(self.settings.telegram_bot_token.get_secret_value())
                   .base_url(self.settings.telegram_base_url)
                   .concurrent_updates(CONCURRENT_UPDATES))
        if self.mode == "webhook":
            builder = builder.updater(None)
        application = builder.build()
        private = filters.ChatType.PRIVATE
        application.add_handler(CommandHandler("start", self._serial(self._on_start), private))
        application.add_handler(CommandHandler("language", self._serial(self._on_language),
                                               private))
        application.add_handler(CommandHandler("person", self._serial(self._on_person),
                                               private))
        application.add_handler(CallbackQueryHandler(self._serial(self._on_button)))
        application.add_handler(MessageHandler(private & filters.TEXT,
                                               self._serial(self._on_text)))
        application.add_handler(MessageHandler(private, self._serial(self._on_other)))
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        """Start in the background: a Telegram outage must not stop the service desk."""
        self.redactor.install()
        self._tasks.append(asyncio.create_task(self._run()))

    async def _run(self) -> None:
        await self._start_application()
        self._tasks.append(asyncio.create_task(self._record_from_bus()))
        self._tasks.append(asyncio.create_task(self._sweep()))
        self._tasks.append(asyncio.create_task(self.sender.run()))
        self.ready.set()
        logger.info("telegram channel ready (%s mode)", self.mode)

    async def _start_application(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                if self.mode == "webhook" and self.settings.telegram_webhook_url:
                    await self.application.bot.set_webhook(
                        self.settings.telegram_webhook_url, allowed_updates=ALLOWED_UPDATES,
                        secret_token=self.settings.telegram_webhook_secret.get_secret_value())
                await self.application.start()
                if self.application.updater is not None:
                    await self.application.updater.start_polling(
                        allowed_updates=ALLOWED_UPDATES)
                return
            except TelegramError as error:
                logger.warning("telegram start failed (%s); retrying in %.0f s",
                               type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY_MAX_SECONDS)

    async def stop(self) -> None:
        self.sender.stopping.set()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.application.shutdown()
        self.redactor.uninstall()

    # ------------------------------------------------------------------ webhook

    def secret_matches(self, token: Optional[str]) -> bool:
        expected = self.settings.telegram_webhook_secret.get_secret_value()
        return token is not None and secrets.compare_digest(token.encode(), expected.encode())

    async def push(self, data: Dict[str, Any]) -> None:
        """An update from the webhook, onto the Application's update queue."""
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    # ------------------------------------------------------------------ handlers

    def _serial(self, handle: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE],
                                                   Coroutine[Any, Any, None]]:
        """One update of a chat at a time, in order, and each update once."""
        async def callback(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            chat = update.effective_chat
            if chat is None:
                return
            async with self._chat_lock(chat.id):
                if await self._first_time(update.update_id):
                    await handle(update, chat.id)
        return callback

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    async def _first_time(self, update_id: int) -> bool:
        try:
            await self._db(lambda s: store.claim_update(s, update_id))
        except IntegrityError:
            logger.info("telegram update delivered again, skipped")
            return False
        return True

    async def _on_start(self, update: Update, chat_id: int) -> None:
        """/start: greet in the resident's language (or ask for it)."""
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        if current and current.mode == "human":
            await self._notice(chat_id, "still_with_person", current.language)
            return
        language = telegram_language(update.effective_user)
        if language is None:
            await self._notice(chat_id, "choose_language", None)
            return
        await self._open(chat_id, language)

    async def _on_language(self, update: Update, chat_id: int) -> None:
        """/language: offer fi, sv and en."""
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        language = current.language if current else telegram_language(update.effective_user)
        await self._notice(chat_id, "choose_language", language)

    async def _on_person(self, update: Update, chat_id: int) -> None:
        """/person: hand the conversation to customer service."""
        current = await self._conversation(chat_id, update.effective_user, None)
        await self.gateway.receive(
            conversation_id=current.conversation_id, payload=HANDOFF_PAYLOAD, payload_checked=True,
            text=desk_text("button_talk_to_person", current.language))

    async def _on_text(self, update: Update, chat_id: int) -> None:
        """A resident's text: to the gateway (which logs it and routes it)."""
        message = update.effective_message
        text = (message.text if message else None) or ""
        if len(text) > self.settings.max_message_chars:
            current = await self._db(lambda s: store.current_conversation(s, chat_id))
            language = current.language if current else telegram_language(
                update.effective_user)
            await self._notice(chat_id, "too_long", language)
            return
        if self._rate.hit(str(chat_id)):
            await self._too_fast(update, chat_id)
            return
        current = await self._conversation(chat_id, update.effective_user, text)
        await self.gateway.receive(conversation_id=current.conversation_id, text=text)

    async def _too_fast(self, update: Update, chat_id: int) -> None:
        """Over the message limit: not processed; the resident is told (once a minute)."""
        if self._told_too_fast.hit(str(chat_id)):
            return
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        language = current.language if current else telegram_language(update.effective_user)
        await self._notice(chat_id, "too_fast", language)

    async def _on_other(self, update: Update, chat_id: int) -> None:
        """Photos, stickers, voice: say that only text is understood."""
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        language = current.language if current else telegram_language(update.effective_user)
        await self._notice(chat_id, "text_only", language)

    async def _on_button(self, update: Update, chat_id: int) -> None:
        """A button press: answered, its keyboard removed, its payload to the gateway."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data.startswith("lang:") and data[5:] in LANGUAGES:
            await self._answer(query, None)
            await self._choose_language(chat_id, data[5:])
            return
        pressed = await self._db(lambda s: self._pressed(s, chat_id, data))
        if pressed is None:
            current = await self._db(lambda s: store.current_conversation(s, chat_id))
            await self._answer(query, line("button_expired", current.language if current
                                           else telegram_language(update.effective_user)))
            return
        await self._answer(query, None)
        await self.gateway.receive(conversation_id=pressed["conversation_id"],
                                   text=pressed["title"], payload=pressed["payload"],
                                   payload_checked=True)  # the button was this chat's

    @staticmethod
    def _pressed(session: Session, chat_id: int, data: str) -> Optional[Dict[str, str]]:
        kind, _, rest = data.partition(":")
        message_id, _, index = rest.partition(":")
        if kind != "m" or not message_id.isdigit() or not index.isdigit():
            return None
        return store.pressed_button(session, chat_id=chat_id, message_id=int(message_id),
                                    index=int(index))

    async def _choose_language(self, chat_id: int, language: str) -> None:
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        if current is None:
            await self._open(chat_id, language)
            return
        await self.gateway.receive(conversation_id=current.conversation_id,
                                   text=LANGUAGE_NAMES[language],
                                   payload=SWITCH_PAYLOADS[language], payload_checked=True)

    async def _answer(self, query: Any, text: Optional[str]) -> None:
        """answerCallbackQuery and remove the pressed keyboard (best effort both)."""
        try:
            await query.answer(text=text)
            if text is None:
                await query.edit_message_reply_markup(reply_markup=None)
        except (TelegramError, TypeError) as error:  # TypeError: message too old to edit
            logger.warning("telegram button answer failed: %s", type(error).__name__)

    async def _on_error(self, _update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the kind of error only: messages and updates may hold personal data."""
        logger.error("telegram update failed: %s", type(context.error).__name__)

    # ------------------------------------------------------------------ conversations

    async def _conversation(self, chat_id: int, user: Optional[User],
                            text: Optional[str]) -> store.ChatConversation:
        """The chat's current conversation, opened when it has none."""
        current = await self._db(lambda s: store.current_conversation(s, chat_id))
        if current is not None:
            return current
        language = (telegram_language(user) or (await self._detect(text) if text else None)
                    or self.settings.default_language)
        return await self._open(chat_id, language)

    async def _open(self, chat_id: int, language: str) -> store.ChatConversation:
        """A new conversation for the chat; the gateway's greeting goes to the outbox."""
        result = await self.gateway.open_conversation(channel=CHANNEL, language=language)
        conversation_id = str(result.state["conversation_id"])
        await self._db(lambda s: store.link(s, chat_id=chat_id,
                                            conversation_id=conversation_id))
        await self._record(conversation_id)
        return store.ChatConversation(conversation_id, str(result.state["mode"]),
                                      str(result.state["language"]))

    async def _detect(self, text: str) -> Optional[str]:
        """The language of a first message, by the assistant's own detector (over HTTP)."""
        token = self.settings.rasa_auth_token.get_secret_value()
        try:
            async with httpx.AsyncClient(timeout=self.settings.rasa_timeout_seconds) as http:
                response = await http.post(f"{self.settings.rasa_url}/model/parse",
                                           json={"text": text},
                                           params={"token": token} if token else None)
            guess = response.json().get("language") or {}
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        code = guess.get("code") if isinstance(guess, dict) else None
        return str(code) if guess.get("reliable") and code in LANGUAGES else None

    # ------------------------------------------------------------------ outbox

    async def _notice(self, chat_id: int, notice: str, language: Optional[str]) -> None:
        await self._db(lambda s: store.record_notice(s, chat_id=chat_id, notice=notice,
                                                     language=language))
        self.sender.wake.set()

    async def _record(self, conversation_id: str) -> None:
        async with self._record_lock:
            recorded = await self._db(lambda s: store.record_conversation(s, conversation_id))
        if recorded:
            self.sender.wake.set()

    async def _record_from_bus(self) -> None:
        """Every outgoing message of a Telegram conversation, into the outbox."""
        async with self.bus.subscribe(channel_topic(CHANNEL)) as events:
            while True:
                event = await events.get()
                if event.get("type") == "message":
                    try:
                        await self._record(str(event["conversation_id"]))
                    except Exception as error:  # the sweep records it later
                        logger.error("telegram outbox record failed: %s",
                                     type(error).__name__)

    async def _sweep(self) -> None:
        """Record what the bus may have missed (a restart, a full queue); at start too."""
        while True:
            async with self._record_lock:
                recorded = await self._db(
                    lambda s: store.record_recent(s, utcnow() - SWEEP_WINDOW))
            await self._db(lambda s: store.prune(s, utcnow() - ROWS_KEPT))
            if recorded:
                logger.info("telegram outbox: %d missed message(s) recorded", recorded)
                self.sender.wake.set()
            await asyncio.sleep(SWEEP_SECONDS)

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await run_in_transaction(self.sessions, work)


# ---------------------------------------------------------------------- app wiring

router = APIRouter(prefix="/telegram", tags=["telegram"])


@router.post("/webhook", responses={
    400: {"description": "Not a Telegram update"}, 403: {"description": "Wrong secret token"},
    404: {"description": "Webhook mode is off"}, 413: {"description": "Update too large"},
    503: {"description": "Channel starting; Telegram retries"}})
async def webhook(request: Request, secret_token: Annotated[
        Optional[str], Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
                  ) -> Dict[str, bool]:
    """Telegram's webhook: checks the secret token, then queues the update."""
    adapter: Optional[TelegramAdapter] = getattr(request.app.state, "telegram", None)
    if adapter is None or adapter.mode != "webhook":
        raise HTTPException(status_code=404, detail="The Telegram webhook is not enabled.")
    if not adapter.secret_matches(secret_token):
        raise HTTPException(status_code=403, detail="Missing or wrong secret token.")
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        raise HTTPException(status_code=413, detail="The update is too large.")
    data = _parse_update(body)
    if not adapter.ready.is_set():
        raise HTTPException(status_code=503, detail="The Telegram channel is starting.")
    try:
        await adapter.push(data)
    except (KeyError, TypeError, ValueError):
        raise HTTPException(status_code=400, detail="Not a valid Telegram update.") from None
    return {"ok": True}


def _parse_update(body: bytes) -> Dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise HTTPException(status_code=400, detail="The body is not JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(status_code=400,
                            detail="Not a Telegram update (no integer update_id).")
    return data


async def start(*, settings: Settings, gateway: Gateway, bus: EventBus,
                sessions: sessionmaker) -> Optional[TelegramAdapter]:
    """The adapter, started; None when the channel is off."""
    if settings.telegram_mode == "off":
        return None
    adapter = TelegramAdapter(settings=settings, gateway=gateway, bus=bus, sessions=sessions)
    await adapter.start()
    return adapter


async def stop(adapter: Optional[TelegramAdapter]) -> None:
    if adapter is not None:
        await adapter.stop()
