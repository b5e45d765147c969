"""The HTTP server's connections: bounded below the file limit, each with a deadline for its request's headers.

Uvicorn (0.54) accepts every connection the kernel queues and gives none a deadline for its headers: its
keep-alive timer starts only after a response and any byte cancels it, and ``limit_concurrency`` answers
503 only once a request's headers are complete. Connections that send a partial header line every few
seconds therefore hold descriptors until the process runs out, and CPython 3.11's accept loop then logs
EMFILE with its traceback up to ``backlog`` times per loop turn. So the server wraps uvicorn's HTTP/1.1
protocol (h11) and the listening socket:

- ``ConnectionGuard`` counts the sockets accepted and not yet closed. Past ``limit`` each new connection
  closes the one that has waited longest without a request in progress (the slowest or idlest client):
  a new client, a health probe, always gets a connection. Past ``limit + EVICTION_SLACK`` (room for the
  connections still closing) a new connection is closed at once. A connection serving a request (a tool
  call, an SSE stream) is never closed for room.
- a connection without a request in progress (just opened, or after a response) must deliver a request's
  headers within ``header_timeout_s``, however many bytes it trickles: a deadline, not an idle timer.
- an accept that fails for lack of descriptors (other files used up the limit) closes an idle connection
  and reaches asyncio at most once a second: asyncio logs it once and pauses accepting for a second.

What was closed is logged in one line per ``REPORT_EVERY_S`` at most, with counts, never addresses.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from collections import Counter
from typing import Any, ClassVar, Final, NoReturn

from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

FDS_KEPT_FREE: Final = 128
"""Descriptors left for everything but client connections: the upstream pool (32), the event loop, logs."""
ACCEPTS_PER_TURN: Final = 16
"""Connections accepted per event-loop turn. Asyncio would accept up to the listen backlog (2,048) in one
turn; in a flood, that many admissions in a row would close even a connection whose request has arrived
but not yet been read (that takes two or three turns). At 16 a turn, a connection waiting for its
request's headers is closed for room only after ``limit / 16`` turns of newer connections."""
EVICTION_SLACK: Final = 2 * ACCEPTS_PER_TURN
"""Connections accepted past the limit while the ones closed for them finish closing (a loop turn or two)."""
REPORT_EVERY_S: Final = 10.0
QUIET_AFTER_ACCEPT_ERROR_S: Final = 1.0
OUT_OF_FILES: Final = (errno.EMFILE, errno.ENFILE)


def connection_limit(wanted: int) -> int:
    """``wanted``, lowered to fit the soft ``RLIMIT_NOFILE`` with room for other files and closing connections."""
    try:
        import resource
    except ImportError:  # not on Unix: no file limit to fit
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FDS_KEPT_FREE - EVICTION_SLACK))


class ConnectionGuard:
    """The server's connections: how many are open, which wait for a request, and their header deadlines."""

    def __init__(self, limit: int, header_timeout_s: float) -> None:
        self.limit = limit
        self.ceiling = limit + EVICTION_SLACK
        self.header_timeout_s = header_timeout_s
        self.open = 0
        """Sockets accepted and not yet closed."""
        self._waiting: dict[GuardedH11Protocol, asyncio.TimerHandle] = {}
        """Connections without a request in progress, longest waiting first, with their header deadlines."""
        self._closed: Counter[str] = Counter()
        self._report: asyncio.TimerHandle | None = None
        self._quiet_until = 0.0

    def admit(self) -> bool:
        """A socket was just accepted: keep it (closing the longest-waiting connection past the limit) or not."""
        if self.open >= self.ceiling:
            self._note("refused")
            return False
        self.open += 1
        if self.open > self.limit:
            self._close_longest_waiting("evicted")
        return True

    def released(self) -> None:
        self.open -= 1

    def accept_failed(self, error: OSError) -> NoReturn:
        """Out of descriptors at accept: free one, and let asyncio log (and pause) once a second at most.

        CPython 3.11 keeps calling ``accept`` after EMFILE within the same loop turn, logging each time;
        ``BlockingIOError`` ends the turn quietly."""
        self._close_longest_waiting("evicted")
        now = time.monotonic()
        if now < self._quiet_until:
            raise BlockingIOError(errno.EAGAIN, "accept paused after running out of files") from error
        self._quiet_until = now + QUIET_AFTER_ACCEPT_ERROR_S
        raise error

    def waiting(self, connection: GuardedH11Protocol) -> None:
        """The connection has no request in progress: its headers' deadline runs (from now, if not already)."""
        if connection not in self._waiting:
            self._waiting[connection] = connection.loop.call_later(self.header_timeout_s, self._expire, connection)

    def serving(self, connection: GuardedH11Protocol) -> None:
        """The connection's request headers arrived (or it closed): no deadline, never closed for room."""
        deadline = self._waiting.pop(connection, None)
        if deadline is not None:
            deadline.cancel()

    def _expire(self, connection: GuardedH11Protocol) -> None:
        if self._waiting.pop(connection, None) is not None:
            connection.drop()
            self._note("timed_out")

    def _close_longest_waiting(self, reason: str) -> None:
        if self._waiting:
            connection = next(iter(self._waiting))
            self._waiting.pop(connection).cancel()
            connection.drop()
            self._note(reason)

    def _note(self, reason: str) -> None:
        self._closed[reason] += 1
        if self._report is None:
            self._report = asyncio.get_running_loop().call_later(REPORT_EVERY_S, self._log_report)

    def _log_report(self) -> None:
        closed, self._closed, self._report = self._closed, Counter(), None
        pressure = closed["evicted"] or closed["refused"]
        logger.log(
            logging.WARNING if pressure else logging.INFO,
            "HTTP connections closed in the last %.0f s: %d sent no complete request headers within %g s; "
            "%d closed to make room at the limit of %d connections; %d refused (no room)",
            REPORT_EVERY_S,
            closed["timed_out"],
            self.header_timeout_s,
            closed["evicted"],
            self.limit,
            closed["refused"],
        )


class GuardedH11Protocol(H11Protocol):
    """Uvicorn's HTTP/1.1 protocol, telling the guard when a connection waits for a request and when it serves one."""

    guard: ClassVar[ConnectionGuard]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard.waiting(self)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_request():
            self.guard.serving(self)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request
        if not self.transport.is_closing() and not self._in_request():
            self.guard.waiting(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.serving(self)
        super().connection_lost(exc)

    def _in_request(self) -> bool:
        """A request's headers arrived and its response is not complete (the response may stream for minutes)."""
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete

    def drop(self) -> None:
        self.transport.close()


def guarded_protocol(guard: ConnectionGuard) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection (``Config(http=...)``), bound to ``guard``."""

    class Bound(GuardedH11Protocol):
        pass

    Bound.guard = guard
    return Bound


class CountedSocket(socket.socket):
    """An accepted connection's socket, which tells the guard when its descriptor is closed."""

    def __init__(self, accepted: socket.socket, guard: ConnectionGuard) -> None:
        super().__init__(accepted.family, accepted.type, accepted.proto, fileno=accepted.detach())
        self._guard: ConnectionGuard | None = guard

    def close(self) -> None:
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.released()
        super().close()


class GuardedListener(socket.socket):
    """The listening socket: each accepted connection is admitted (or refused) by the guard and counted."""

    def __init__(self, bound: socket.socket, guard: ConnectionGuard) -> None:
        super().__init__(bound.family, bound.type, bound.proto, fileno=bound.detach())
        self.guard = guard
        self._this_turn = 0

    def accept(self) -> tuple[socket.socket, Any]:
        if self._this_turn >= ACCEPTS_PER_TURN:
            raise BlockingIOError(errno.EAGAIN, "enough connections accepted this loop turn")
        try:
            accepted, address = super().accept()
        except OSError as error:
            if error.errno in OUT_OF_FILES:
                self.guard.accept_failed(error)
            raise
        if not self._this_turn:
            asyncio.get_running_loop().call_soon(self._next_turn)
        self._this_turn += 1
        if not self.guard.admit():
            accepted.close()
            # Nothing more this loop turn: the connections closed for room close on the next one.
            raise BlockingIOError(errno.EAGAIN, "connection limit reached")
        return CountedSocket(accepted, self.guard), address

    def _next_turn(self) -> None:
        self._this_turn = 0
