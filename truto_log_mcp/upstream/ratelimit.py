"""A sliding-window request budget shared by every request made with one Truto token.

Truto allows 500 requests per 10 s per token; the server keeps under a configurable, lower
budget so that a scan never trips the limit for the user's other tools. Each HTTP attempt
(retries included) takes one slot.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import anyio


class RequestBudget(Protocol):
    """Where each upstream request takes its slot: ``RateBudget`` in-process, or a store's shared one."""

    async def acquire(self) -> None: ...


class RateBudget:
    def __init__(self, max_requests: int, per_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        # Requests arrive later than they leave, by varying amounts: keep each slot a little
        # longer than the window so the upstream's own count never sees more than the budget.
        self._horizon = per_seconds * 1.05
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = anyio.Lock()

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then take its slot."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self._horizon:
                    self._sent.popleft()
                if len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return
                await anyio.sleep(self._sent[0] + self._horizon - now)
