"""Sliding-window rate limits for the public endpoints (per conversation, per address)."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Deque, Dict

WINDOW_SECONDS = 60.0
MAX_TRACKED_KEYS = 100_000


class RateLimiter:
    def __init__(self, limit_per_minute: int) -> None:
        self.limit = limit_per_minute
        self._hits: Dict[str, Deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> int:
        """Count one request; 0 when allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + WINDOW_SECONDS - now))
        hits.append(now)
        if len(self._hits) > MAX_TRACKED_KEYS:
            self._forget_idle(now)
        return 0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - WINDOW_SECONDS]:
            del self._hits[key]
