"""HTTP client of the Rasa server (its REST channel)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
PARSE_PATH = "/model/parse"
HEALTH_TIMEOUT_SECONDS = 2.0


class RasaUnavailable(Exception):
    """Rasa or its action server did not answer (in time, or at all)."""


@dataclass
class BotReply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class BotTurn:
    """Rasa's answer to one resident message."""

    replies: List[BotReply]
    controls: List[Dict[str, Any]]
    intent: Optional[str]
    confidence: Optional[float]
    language: Optional[str]
    # False when the assistant said it was unsure (counted as not understood).
    understood: bool = True

    @property
    def outcome(self) -> str:
        """"fallback" (not understood) or "answered", for the contact log."""
        return "fallback" if self.intent == "nlu_fallback" or not self.understood else "answered"

    def control(self, kind: str) -> Optional[Dict[str, Any]]:
        return next((c for c in self.controls if c.get("type") == kind), None)

    def controls_any(self, *kinds: str) -> bool:
        return any(c.get("type") in kinds for c in self.controls)


@dataclass
class Understanding:
    """What Rasa's NLU makes of a text: the intent (= topic), its confidence, the language."""

    intent: Optional[str]
    confidence: Optional[float]
    language: Optional[str]


class RasaClient:
    """aiohttp, not httpx: its connection pool costs far less CPU per request under load."""

    def __init__(self, *, rasa_url: str, action_server_url: str, timeout: float,
                 auth_token: str = "") -> None:
        self.rasa_url = rasa_url.rstrip("/")
        # Rasa's own API (/model/parse, /status) wants the token; the REST channel does not.
        self._token_params = {"token": auth_token} if auth_token else {}
        self.action_server_url = action_server_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _get(self, url: str, params: Optional[Dict[str, str]] = None) -> tuple[int, Any]:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
        async with self._http().get(url, timeout=timeout, params=params) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
            return response.status, body

    async def send(self, *, conversation_id: str, text: str, language: str) -> BotTurn:
        """Forward one resident message; raises RasaUnavailable on any failure."""
        body = {"sender": conversation_id, "message": text, "metadata": {"language": language}}
        try:
            async with self._http().post(self.rasa_url + WEBHOOK_PATH, json=body) as response:
                response.raise_for_status()
                data = await response.json(content_type=None)
            if not isinstance(data, list):
                raise ValueError("unexpected answer")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("rasa request failed: %s", type(error).__name__)
            raise RasaUnavailable(type(error).__name__) from error
        turn = parse_turn(data)
        if not turn.replies:
            # Rasa answers with nothing when its action server failed.
            raise RasaUnavailable("no reply (action server down?)")
        return turn

    async def parse(self, text: str) -> Understanding:
        """Classify a text with POST /model/parse (no conversation, no tracker)."""
        try:
            async with self._http().post(self.rasa_url + PARSE_PATH, json={"text": text},
                                         params=self._token_params) as response:
                response.raise_for_status()
                data = await response.json(content_type=None)
            if not isinstance(data, dict):
                raise ValueError("unexpected answer")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("rasa parse failed: %s", type(error).__name__)
            raise RasaUnavailable(type(error).__name__) from error
        intent = data.get("intent") or {}
        language = data.get("language") or {}
        return Understanding(intent=intent.get("name"), confidence=intent.get("confidence"),
                             language=language.get("code"))

    async def rasa_status(self) -> Dict[str, Any]:
        """Whether the Rasa server is up with a model loaded."""
        try:
            _status, body = await self._get(self.rasa_url + "/status", self._token_params)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return {"ok": False, "error": type(error).__name__}
        model = body.get("model_file") if isinstance(body, dict) else None
        return {"ok": bool(model), "model": model}

    async def action_server_status(self) -> Dict[str, Any]:
        try:
            status, _body = await self._get(self.action_server_url + "/health")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return {"ok": False, "error": type(error).__name__}
        return {"ok": status == 200}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def parse_turn(data: List[Dict[str, Any]]) -> BotTurn:
    """Split Rasa's answer into visible replies and control payloads."""
    replies: List[BotReply] = []
    controls: List[Dict[str, Any]] = []
    for message in data:
        custom = message.get("custom")
        if isinstance(custom, dict):
            controls.append(custom)
        if message.get("text"):
            buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                       for b in message.get("buttons") or []]
            replies.append(BotReply(text=str(message["text"]), buttons=buttons))
    # The actions end every turn with a summary of what was understood.
    summary = next((c for c in controls if c.get("type") == "turn"), {})
    return BotTurn(replies=replies, controls=controls, intent=summary.get("intent"),
                   confidence=summary.get("confidence"), language=summary.get("language"),
                   understood=summary.get("understood") is not False)
