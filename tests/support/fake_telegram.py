"""A fake Telegram Bot API on loopback (aiohttp), for python-telegram-bot's `base_url`.

It answers the methods the adapter uses, records every call, delivers updates to the
registered webhook (with its secret token) or serves them to getUpdates, and on demand
answers 429 with retry_after or drops the connection without answering.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import httpx
from aiohttp import web

from tests.support.stack import free_port

TOKEN = "123456:TEST-token-that-must-never-be-logged"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Porvoo", "username": "porvoo_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
LONG_POLL_CAP_SECONDS = 1.0


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None


def _decode(params: Dict[str, str]) -> Dict[str, Any]:
    """Form fields as python-telegram-bot sends them: JSON for everything but text."""
    decoded: Dict[str, Any] = {}
    for key, value in params.items():
        if key == "text":
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except ValueError:
            decoded[key] = value
    return decoded


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = free_port()
        self.calls: List[Call] = []
        self.dropped: List[Call] = []
        self.refused: List[Call] = []
        self.webhook: Optional[Dict[str, str]] = None
        self._faults: Dict[str, List[Dict[str, Any]]] = {}
        self._updates: List[Dict[str, Any]] = []
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: Optional[web.AppRunner] = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # ------------------------------------------------------------------ test controls

    def answer_429(self, method: str, retry_after: int, times: int = 1) -> None:
        """The next `times` calls of `method` get flood control's 429."""
        with self._lock:
            self._faults.setdefault(method, []).extend(
                [{"kind": "429", "retry_after": retry_after}] * times)

    def drop(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` lose their connection before any answer."""
        with self._lock:
            self._faults.setdefault(method, []).extend([{"kind": "drop"}] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def calls_of(self, method: str) -> List[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError("the fake Telegram did not see what was expected in time")

    def texts_to(self, chat_id: int) -> List[str]:
        return [p["text"] for p in self.sent() if p.get("chat_id") == chat_id]

    # ------------------------------------------------------------------ updates

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def deliver(self, update: Dict[str, Any]) -> httpx.Response:
        """Post an update to the registered webhook, as Telegram does."""
        assert self.webhook is not None, "no webhook registered"
        return httpx.post(self.webhook["url"], json=update, timeout=30, headers={
            "X-Telegram-Bot-Api-Secret-Token": self.webhook["secret_token"]})

    def queue_update(self, update: Dict[str, Any]) -> None:
        """An update for getUpdates (polling mode)."""
        with self._lock:
            self._updates.append(update)

    # ------------------------------------------------------------------ the Bot API

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        fault = self._take_fault(method)
        if fault and fault["kind"] == "drop":
            with self._lock:
                self.dropped.append(call)
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError("dropped by the fake Telegram")
        if fault:
            with self._lock:
                self.refused.append(call)
            return web.json_response({
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {fault['retry_after']}",
                "parameters": {"retry_after": fault["retry_after"]}}, status=429)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        result = self._result(method, params)
        call.result = result
        with self._lock:
            self.calls.append(call)
        if result is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        return _decode({key: str(value) for key, value in form.items()})

    def _take_fault(self, method: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            faults = self._faults.get(method)
            return faults.pop(0) if faults else None

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            self.webhook = {"url": str(params["url"]),
                            "secret_token": str(params.get("secret_token", ""))}
            return True
        if method in ("deleteWebhook", "answerCallbackQuery"):
            return True
        if method in ("sendMessage", "editMessageReplyMarkup"):
            message_id = params.get("message_id") or next(self._ids)
            result = {"message_id": message_id, "date": int(time.time()),
                      "chat": {"id": params.get("chat_id"), "type": "private"},
                      "text": params.get("text", "")}
            if params.get("reply_markup"):
                result["reply_markup"] = params["reply_markup"]
            return result
        return None

    async def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.05)


# ---------------------------------------------------------------------- update builders

def user(user_id: int, language_code: Optional[str]) -> Dict[str, Any]:
    person: Dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Asukas"}
    if language_code:
        person["language_code"] = language_code
    return person


def text_update(update_id: int, chat_id: int, text: str,
                language_code: Optional[str] = "fi") -> Dict[str, Any]:
    """A private message; commands ("/start") carry their bot_command entity."""
    message: Dict[str, Any] = {
        "message_id": update_id + 500, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Asukas"},
        "from": user(chat_id, language_code),
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def photo_update(update_id: int, chat_id: int) -> Dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id + 500, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Asukas"},
        "from": user(chat_id, "fi"),
        "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}}


def button_update(update_id: int, chat_id: int, data: str, message_id: int,
                  language_code: Optional[str] = "fi") -> Dict[str, Any]:
    """A press of an inline-keyboard button of the bot's message `message_id`."""
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "chat_instance": "ci", "data": data,
        "from": user(chat_id, language_code),
        "message": {"message_id": message_id, "date": int(time.time()), "text": "",
                    "chat": {"id": chat_id, "type": "private", "first_name": "Asukas"},
                    "from": BOT_USER}}}
