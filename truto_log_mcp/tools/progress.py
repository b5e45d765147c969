"""The progress notifications of one tool call: a heartbeat while it runs, every value strictly increasing."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from truto_log_mcp.tools.context import Progress

logger = logging.getLogger(__name__)

R = TypeVar("R")


class CallProgress:
    """The progress notifications of one tool call, to a client that asked for them.

    * A heartbeat: while the call runs, no more than ``interval_s`` passes without a notification.
      Waiting on a slow upstream, a back-off or the rate budget reports nothing by itself; clients
      that reset their request timeout on progress would otherwise give up on a long scan. A
      heartbeat is sent only after ``interval_s`` of silence, so it never adds to a busy stream.
    * Strictly increasing: MCP requires each notification's progress to exceed the previous one's.
      A report that does not (a scan reporting the same share again, a heartbeat) is sent a
      thousandth of the rest of the way up (or 0.001 up, without a total); one that cannot go up
      (its work is complete) is not sent.
    """

    def __init__(self, send: Progress, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._send = send
        self.interval_s = interval_s
        self._clock = clock
        self._started = self._last_sent = clock()
        self._done: float | None = None
        self._total: float | None = None
        self._message: str | None = None
        """The last message a use case reported (heartbeats repeat it)."""

    async def report(self, done: float, total: float | None, message: str | None) -> None:
        """A use case's report (``Call.progress``)."""
        if self._done is not None and done <= self._done:
            raised = _next_progress(self._done, total)
            if raised is None:
                return
            done = raised
        self._message = message
        await self._notify(done, total, message)

    async def run(self, work: Awaitable[R]) -> R:
        """Await ``work`` with heartbeats beside it; its exception is raised as it is (not in a group)."""
        results: list[R] = []
        failure: Exception | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(self._beat)
            try:
                results.append(await work)
            except Exception as error:  # re-raised below: inside the group it would arrive wrapped
                failure = error
            group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        return results[0]

    async def _beat(self) -> None:
        while True:
            await anyio.sleep(max(0.0, self._last_sent + self.interval_s - self._clock()))
            if self._clock() - self._last_sent < self.interval_s:
                continue  # a report went out meanwhile: wait a whole interval from it
            done = 0.0 if self._done is None else _next_progress(self._done, self._total)
            if done is None:
                self._last_sent = self._clock()  # the work is complete; the answer is on its way
                continue
            elapsed = f"still working after {self._clock() - self._started:.0f} s"
            message = f"{self._message}; {elapsed}" if self._message else elapsed
            try:
                await self._notify(done, self._total, message)
            except Exception:  # a heartbeat that cannot be sent (the client left) must not fail the call
                logger.debug("A progress heartbeat could not be sent; no more are sent for this call.")
                return

    async def _notify(self, done: float, total: float | None, message: str | None) -> None:
        self._done, self._total, self._last_sent = done, total, self._clock()
        await self._send(done, total, message)


def _next_progress(done: float, total: float | None) -> float | None:
    """A progress value just above ``done`` and still within ``total``; None when ``done`` has reached it."""
    if total is None:
        return done + 0.001
    if done >= total:
        return None
    return done + (total - done) / 1000
