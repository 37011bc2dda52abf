"""Delivery of the durable outbox to Telegram: record, send, mark sent.

One sender works through the outbox in the order messages were recorded, so a chat sees
its messages in order. Flood control (429) pauses sending for `retry_after`; network
errors are retried with back-off; a message Telegram refuses for good (the resident
blocked the bot, the chat is gone) is marked failed. What is recorded but unsent when
the process stops is sent after the next start. Exactly once, except in one case no
client can avoid: Telegram took a message but its answer was lost on the way back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from sqlalchemy.orm import Session
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from connectors import telegram_store as store
from connectors.telegram_texts import LANGUAGE_NAMES, line

logger = logging.getLogger(__name__)

T = TypeVar("T")
Db = Callable[[Callable[[Session], T]], Awaitable[T]]

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units
MAX_ATTEMPTS = 30
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 60.0
IDLE_SECONDS = 30.0
_SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*\s+")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 code units."""
    if utf16_len(text) <= limit:
        return len(text)
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_len(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _cut(text: str, limit: int) -> int:
    """Where to cut: the last paragraph, line, sentence or word break in the second half."""
    fits = _fitting_prefix(text, limit)
    window = text[:fits]
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at >= fits // 2:
            return at + len(separator)
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if sentence_ends and sentence_ends[-1] >= fits // 2:
        return sentence_ends[-1]
    at = window.rfind(" ")
    return at + 1 if at >= fits // 2 else fits


_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,300})\]\((https?://[^\s()<>]+)\)")


def plain_links(text: str) -> str:
    """"[Label](https://x)" as "Label: https://x" (Telegram gets plain text; it links URLs)."""
    return _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", text)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> List[str]:
    """Parts of at most `limit`, cut at paragraph, sentence or word boundaries."""
    parts: List[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        at = _cut(rest, limit)
        parts.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def keyboard(job: store.OutboxJob) -> Optional[InlineKeyboardMarkup]:
    """Buttons as an inline keyboard, one per row; callback data names the button only."""
    if job.notice == "choose_language":
        rows = [[InlineKeyboardButton(name, callback_data=f"lang:{code}")]
                for code, name in LANGUAGE_NAMES.items()]
    elif job.buttons:
        rows = [[InlineKeyboardButton(button["title"], callback_data=f"m:{job.message_id}:{i}")]
                for i, button in enumerate(job.buttons)]
    else:
        return None
    return InlineKeyboardMarkup(rows)


def retry_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class OutboxSender:
    """Sends the outbox, one message at a time, until stopped."""

    def __init__(self, *, bot: Bot, db: Db, notice_values: Dict[str, Any]) -> None:
        self.bot = bot
        self.db = db
        self.notice_values = notice_values
        self.wake = asyncio.Event()
        self.stopping = asyncio.Event()

    def text_of(self, job: store.OutboxJob) -> str:
        if job.notice:
            return line(job.notice, job.language, **self.notice_values)
        return plain_links(job.text)

    async def run(self) -> None:
        while not self.stopping.is_set():
            job = await self.db(store.next_job)
            if job is None:
                await self._pause(IDLE_SECONDS, wakeable=True)
                continue
            await self._attempt(job)

    async def _attempt(self, job: store.OutboxJob) -> None:
        try:
            await self._deliver(job)
        except RetryAfter as error:
            logger.warning("telegram flood control: waiting %.0f s", retry_seconds(error))
            await self._pause(retry_seconds(error))
        except (BadRequest, Forbidden) as error:
            logger.error("telegram refused outbox message %s: %s", job.id,
                         type(error).__name__)
            await self._failed(job, error, give_up=True)
        except TelegramError as error:  # network errors, timeouts, server errors
            give_up = job.attempts + 1 >= MAX_ATTEMPTS
            logger.warning("telegram send failed (attempt %d): %s", job.attempts + 1,
                           type(error).__name__)
            await self._failed(job, error, give_up=give_up)
            if not give_up:
                await self._pause(min(BACKOFF_MAX_SECONDS,
                                      BACKOFF_FIRST_SECONDS * 2 ** job.attempts))

    async def _deliver(self, job: store.OutboxJob) -> None:
        parts = split_message(self.text_of(job))
        if not parts:
            await self.db(lambda s: store.mark_progress(s, job.id, parts_sent=0, done=True))
            return
        for index in range(job.parts_sent, len(parts)):
            last = index == len(parts) - 1
            await self.bot.send_message(chat_id=job.chat_id, text=parts[index],
                                        reply_markup=keyboard(job) if last else None)
            await self.db(functools.partial(store.mark_progress, job_id=job.id,
                                            parts_sent=index + 1, done=last))

    async def _failed(self, job: store.OutboxJob, error: Exception, *, give_up: bool) -> None:
        await self.db(lambda s: store.mark_attempt(s, job.id, error=type(error).__name__,
                                                   give_up=give_up))

    async def _pause(self, seconds: float, *, wakeable: bool = False) -> None:
        """Wait `seconds`, or less when stopping (or, if `wakeable`, when new work arrives)."""
        waits = [asyncio.ensure_future(self.stopping.wait())]
        if wakeable:
            waits.append(asyncio.ensure_future(self.wake.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            if wakeable:
                self.wake.clear()
