"""In-process publish/subscribe of live events (new messages, state changes).

One service-desk process keeps its subscribers here. Several workers would fan events
out through Redis pub/sub or PostgreSQL LISTEN/NOTIFY behind this same interface.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Dict, Set

Event = Dict[str, Any]
QUEUE_LIMIT = 256


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
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
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
