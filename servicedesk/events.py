"""In-process publish/subscribe of live events (new messages, state changes).

One service-desk process keeps its subscribers here. Several workers would fan events
out through Redis pub/sub or PostgreSQL LISTEN/NOTIFY behind this same interface.
`stream_to_socket` pushes a subscription to a WebSocket (the widget, the console).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from starlette.websockets import WebSocket, WebSocketDisconnect

Event = Dict[str, Any]
QUEUE_LIMIT = 256
PING_SECONDS = 25


class EventBus:
    def __init__(self) -> None:
        self._subscribers: Dict[str, Set[asyncio.Queue[Event]]] = defaultdict(set)

    def publish(self, topic: str, event: Event) -> None:
        """Deliver `event` to every subscriber of `topic`; a full queue drops its oldest."""
        for queue in list(self._subscribers.get(topic, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[asyncio.Queue[Event]]:
        """One queue that receives the events of every topic given."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        for topic in topics:
            self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
            for topic in topics:
                self._subscribers[topic].discard(queue)
                if not self._subscribers[topic]:
                    del self._subscribers[topic]


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def department_topic(department: str) -> str:
    return f"department:{department}"


def channel_topic(channel: str) -> str:
    """Every outgoing message of every conversation on `channel` (for channel adapters).

    Events: {"type": "message", "conversation_id": ..., "message": <message view>}.
    """
    return f"channel:{channel}"


async def stream_to_socket(websocket: WebSocket, bus: EventBus, *topics: str,
                           allowed: Optional[Callable[[], Awaitable[bool]]] = None) -> None:
    """Push every event of `topics` to an accepted WebSocket until the client goes away;
    a ping after PING_SECONDS of quiet keeps proxies from closing an idle socket.
    `allowed` is asked before each event: when access has ended (log-out, a transfer to
    another department, a password reset), the socket is closed with 4403 instead."""
    async with bus.subscribe(*topics) as queue:
        receiver = asyncio.create_task(_drain(websocket))
        try:
            while True:
                getter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getter, receiver}, timeout=PING_SECONDS,
                                             return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                if receiver in done:
                    break
                if getter in done and allowed is not None and not await allowed():
                    await websocket.close(code=4403)
                    break
                await websocket.send_json(getter.result() if getter in done else {"type": "ping"})
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
