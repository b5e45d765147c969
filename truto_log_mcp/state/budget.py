"""A token's request budget shared by every replica through Redis: one sliding window, atomic.

Each upstream attempt takes a slot with one script call (``redis_scripts.TAKE_SLOT``): the
script drops slots older than the window, takes one if fewer than ``max_requests`` remain, or
answers how long until the oldest leaves. So N replicas together never send more than the budget
in any window, and one replica alone can use all of it. The window is kept 5 % longer than the
upstream's (as ``upstream/ratelimit.py`` does): requests arrive later than they leave.

Redis down: the slot is taken from this process's own window instead (``local``), for
``RETRY_AFTER_S`` before Redis is asked again; ``fallbacks`` counts such slots, so that a scan can
say its requests were not coordinated with the other replicas.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Protocol

import anyio

from truto_log_mcp.errors import StateUnavailable
from truto_log_mcp.upstream.ratelimit import RequestBudget

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5.0
"""How long the in-process window serves alone after Redis failed, before Redis is asked again."""

FALLBACK_NOTE = (
    "the shared rate budget (Redis) was unreachable, so this replica counted its requests alone:"
    " together with other replicas it may have exceeded the budget"
)


class SlotSource(Protocol):
    async def take_slot(self, key: str, arguments: Sequence[int | float | str]) -> int:
        """Run ``TAKE_SLOT``: 0 when a slot was taken, else the ms to wait; ``StateUnavailable`` when down."""
        ...


class SharedBudget:
    def __init__(
        self, store: SlotSource, token_hash: str, max_requests: int, per_seconds: float, local: RequestBudget
    ) -> None:
        self._store = store
        self._key = f"tlm:budget:{token_hash}"
        self._max_requests = max_requests
        self._window_ms = per_seconds * 1000 * 1.05
        self._local = local
        self._members = (f"{secrets.token_hex(6)}:{number}" for number in itertools.count())
        self._local_until = 0.0
        self.fallbacks = 0
        """Slots taken from the in-process window because Redis could not be reached."""

    async def acquire(self) -> None:
        while time.monotonic() >= self._local_until:
            try:
                wait_ms = await self._store.take_slot(self._key, self._arguments())
            except StateUnavailable:
                logger.warning("The shared rate budget (Redis) is unreachable; using this process's own budget.")
                self._local_until = time.monotonic() + RETRY_AFTER_S
                break
            if not wait_ms:
                return
            await anyio.sleep(int(wait_ms) / 1000)
        self.fallbacks += 1
        await self._local.acquire()

    def _arguments(self) -> list[int | float | str]:
        return [self._max_requests, self._window_ms, next(self._members)]
