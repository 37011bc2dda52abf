"""What stands between a log-in flood and the rest of the service desk.

- Password hashing (argon2, ~50 ms of CPU each) runs on its own small thread pool, never
  on the pool that runs database work for residents; at most MAX_WAITING_HASHES checks
  wait for it, further attempts are told to try again (nothing is hashed for them).
- Throttling that slows an attacker without locking out the real user: per address, at
  most ADDRESS_ATTEMPTS_PER_MINUTE attempts on any account; per account and address, a
  back-off that doubles after FREE_FAILURES failures (1 s, 2 s, 4 s ... 15 min). The typed
  user name is the key whether or not such an account exists, so throttling tells nothing
  about which accounts exist. The account-wide ceiling (CONSOLE_MAX_FAILED_LOGINS failures
  from anywhere) is kept in the database by auth.record_failure.
The counters live in the process (one service desk); several workers would share them in
Redis (the scale-out issue).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Optional, Tuple

HASH_WORKERS = 2
MAX_WAITING_HASHES = 8
ADDRESS_ATTEMPTS_PER_MINUTE = 20
FREE_FAILURES = 3
MAX_BACKOFF_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 3600

_hash_pool = ThreadPoolExecutor(max_workers=HASH_WORKERS, thread_name_prefix="password-hash")
_hash_slots = threading.BoundedSemaphore(MAX_WAITING_HASHES)


class HashingBusy(Exception):
    """Too many password checks are waiting already."""


async def off_the_loop(check: Callable[[], bool]) -> bool:
    """Runs a password check on the hashing pool; HashingBusy when its queue is full."""
    if not _hash_slots.acquire(blocking=False):
        raise HashingBusy
    try:
        return await asyncio.get_running_loop().run_in_executor(_hash_pool, check)
    finally:
        _hash_slots.release()


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    _per_address: Dict[str, Deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _failures: Dict[Tuple[str, str], _Failures] = field(default_factory=dict)

    def wait_seconds(self, username: str, address: str) -> int:
        """0 when an attempt may go ahead now (and counts it), else seconds to wait."""
        now = self.clock()
        recent = self._per_address[address]
        while recent and recent[0] <= now - 60:
            recent.popleft()
        if len(recent) >= ADDRESS_ATTEMPTS_PER_MINUTE:
            return int(recent[0] + 60 - now) + 1
        failures = self._failures.get((username, address))
        if failures is not None:
            wait = failures.last + self.backoff(failures.count) - now
            if wait > 0:
                return int(wait) + 1
        recent.append(now)
        return 0

    @staticmethod
    def backoff(failures: int) -> float:
        if failures < FREE_FAILURES:
            return 0.0
        return float(min(MAX_BACKOFF_SECONDS, 2 ** (failures - FREE_FAILURES)))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        entry = self._failures.setdefault((username, address), _Failures())
        entry.count += 1
        entry.last = now
        self._forget_old(now)

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username, address), None)

    def _forget_old(self, now: float) -> None:
        if len(self._failures) < 10_000:
            return
        for key in [k for k, v in self._failures.items()
                    if v.last < now - FORGET_AFTER_SECONDS]:
            del self._failures[key]


def retry_after(wait: Optional[int]) -> Dict[str, str]:
    return {"Retry-After": str(wait)} if wait else {}
