"""One upstream read for identical concurrent scans, within this process ("single flight").

A cached scan keeps what it read only when it ends, so two analyses of the same window started
together (an assistant calling ``summarize_errors`` and ``log_stats`` at once, a team asking the
same question) would each read every page. Instead, a scan claims the settled part of what it is
about to read (``ReadsInFlight.take_turn``) under its cache namespace (the token's hash) and key
(scope, log type, filters); a scan whose settled part overlaps a claim waits for that read to end,
then looks the cache up and reads upstream only what is still missing (the unsettled newest
minutes are never cached: every scan reads those).

* The wait is bounded by the caller (``wait_bound``: half of what its budget and deadline leave);
  past it the scan claims and reads on its own. A read that fails, stops early or keeps nothing
  only leaves gaps the waiting scan reads.
* Between the last look at the claims and the new claim there is no ``await``: of scans started
  together, one reads and the others wait. A scan waits only before it claims, never while it
  holds a claim: no cycle of waits.
* A claim is narrowed to what the cache did not hold once its scan looked (waiters for another
  part go on), and released in ``finally`` (cancellation included), which wakes its waiters; at
  most ``MAX_CLAIMS`` are held (past that a scan reads without claiming): the registry holds only
  the reads running now.

In-process only: replicas sharing a Redis or sqlite cache do not see each other's reads in flight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import anyio

from truto_log_mcp.query.timeparse import Window

MAX_CLAIMS = 1024
"""Claims held at once, over every namespace and key (each is one scan running now)."""
WAIT_SHARE = 0.5
"""The share of what a scan's time budget and deadline leave that it may spend waiting for another read."""


@dataclass(eq=False, slots=True)
class Claim:
    """A read in flight: the settled windows it will keep in the cache, and an event set when they change
    (narrowed to what the cache did not hold) or the read ends."""

    namespace: str
    key: str
    windows: list[Window]
    changed: anyio.Event = field(default_factory=anyio.Event)

    def overlaps(self, window: Window) -> bool:
        return any(part.start < window.end and window.start < part.end for part in self.windows)

    def narrow(self, windows: list[Window]) -> None:
        """Only ``windows`` will be read and kept: scans waiting for another part look again."""
        self.windows = windows
        self.changed.set()
        self.changed = anyio.Event()


class ReadsInFlight:
    """The claims of the scans reading now, per cache namespace and key."""

    def __init__(self, max_claims: int = MAX_CLAIMS) -> None:
        self._claims: dict[tuple[str, str], list[Claim]] = {}
        self._count = 0
        self._max_claims = max_claims

    def __len__(self) -> int:
        return self._count

    def overlapping(self, namespace: str, key: str, window: Window) -> list[Claim]:
        return [claim for claim in self._claims.get((namespace, key), []) if claim.overlaps(window)]

    async def take_turn(self, namespace: str, key: str, window: Window | None, wait_s: float) -> Claim | None:
        """Wait (at most ``wait_s``) for the reads in flight that overlap ``window``, then claim it.

        ``window``: the settled part of what the scan may read (None: nothing it reads would be
        cached; it neither waits nor claims). None when nothing was claimed (the registry is full).
        """
        if window is None or window.start >= window.end:
            return None
        with anyio.move_on_after(max(0.0, wait_s)):
            while others := self.overlapping(namespace, key, window):
                await others[0].changed.wait()  # then look again: it ended, or reads less than it claimed
        # No await since the last look: a scan started meanwhile sees this claim and waits for it.
        return self._claim(namespace, key, window)

    def _claim(self, namespace: str, key: str, window: Window) -> Claim | None:
        if self._count >= self._max_claims:
            return None
        claim = Claim(namespace, key, [window])
        self._claims.setdefault((namespace, key), []).append(claim)
        self._count += 1
        return claim

    def release(self, claim: Claim | None) -> None:
        """The read ended (or will keep nothing): wake its waiters and forget it. Idempotent."""
        if claim is None:
            return
        claim.windows = []
        claim.changed.set()
        claims = self._claims.get((claim.namespace, claim.key))
        if claims is None or claim not in claims:
            return
        claims.remove(claim)
        self._count -= 1
        if not claims:
            del self._claims[(claim.namespace, claim.key)]


def wait_bound(seconds_left: float, deadline_left: float) -> float:
    """How long a scan may wait for another's read: ``WAIT_SHARE`` of what its budget and deadline leave,
    so that the rest is left for reading on its own."""
    left = min(seconds_left, deadline_left)
    return max(0.0, left * WAIT_SHARE) if math.isfinite(left) else 0.0
