"""MCP sessions as the HTTP gate sees them: how many each principal holds, and how big the request that opens one is.

The SDK caps sessions server-wide (``TRUTO_MCP_MAX_SESSIONS``, 503 beyond) and keeps each session's
``initialize`` parameters (client info, capabilities) for the session's life. It leaves two things open:

- one user could hold every session, and keep the others out for the idle timeout. In multi-user mode
  ``SessionQuota`` counts each principal's sessions (the hash of its Truto token) and answers 429 to one
  more than ``TRUTO_MCP_MAX_SESSIONS_PER_PRINCIPAL``;
- the client info kept is as big as the client sent it (a 1 MB ``clientInfo.name`` was kept whole, 256
  times over). The request that opens a session may carry at most ``OPENING_MAX_BYTES``, else 413 before
  its body is read: what a session keeps of its client is bounded by that.

``SessionLedger`` follows sessions through the requests that pass the gate. A session starts when its opening
request is answered with an ``Mcp-Session-Id``; it ends when its owner deletes it, when a request of its owner
for it answers 404 (the SDK no longer has it), or when no request for it has been in flight for the idle
timeout. That last rule is the SDK's own (``session_idle_timeout``), measured here from the end of the request
as the gate sees it, a moment after the SDK: the ledger frees a place no sooner than the SDK frees the session.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from mcp.server.transport_security import RequestBodyLimitMiddleware
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPENING_MAX_BYTES: Final = 64 * 1024
"""Largest body of a request that opens an MCP session (``initialize``: client info and capabilities, a few
hundred bytes from the clients we know; icons as data URIs fit too)."""
SESSION_HEADER: Final = "mcp-session-id"
VERSION_HEADER: Final = "mcp-protocol-version"


def opens_session(method: str, headers: Headers, stateless: bool) -> bool:
    """A POST without a session on the session protocol: the SDK opens a session for it (if it is ``initialize``).

    The SDK routes a request to its sessions by the protocol-version header (absent, or a handshake version);
    a 2026-07-28 request, or any request with ``--stateless``, opens nothing."""
    version = headers.get(VERSION_HEADER)
    return (
        method == "POST"
        and SESSION_HEADER not in headers
        and not stateless
        and (version is None or version in HANDSHAKE_PROTOCOL_VERSIONS)
    )


@dataclass(slots=True)
class _Session:
    principal: str
    in_flight: int = 1
    """The opening request is in flight when the session starts."""
    idle_since: float = 0.0


class SessionLedger:
    """Each principal's open MCP sessions (and openings under way), at most ``per_principal``."""

    def __init__(self, per_principal: int, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_principal = per_principal
        self.idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._held: Counter[str] = Counter()
        """Per principal: its sessions, and its openings under way (so that concurrent ones cannot overshoot)."""

    def reserve(self, principal: str) -> bool:
        """A place for a session the principal is opening, or False when it holds ``per_principal`` already."""
        self._forget_idle()
        if self._held[principal] >= self.per_principal:
            return False
        self._held[principal] += 1
        return True

    def release(self, principal: str) -> None:
        """The opening failed: its place is free again."""
        self._held[principal] -= 1
        if self._held[principal] <= 0:
            del self._held[principal]

    def opened(self, session: str, principal: str) -> None:
        """The reserved place is now this session (its opening request still in flight)."""
        self._sessions[session] = _Session(principal)

    def started(self, session: str, principal: str) -> bool:
        """A request of the session's owner for it: in flight, the session is not idle. False if not tracked."""
        tracked = self._sessions.get(session)
        if tracked is None or tracked.principal != principal:
            return False
        tracked.in_flight += 1
        return True

    def ended(self, session: str) -> None:
        tracked = self._sessions.get(session)
        if tracked is not None:
            tracked.in_flight -= 1
            if not tracked.in_flight:
                tracked.idle_since = self._clock()

    def closed(self, session: str) -> None:
        tracked = self._sessions.pop(session, None)
        if tracked is not None:
            self.release(tracked.principal)

    def _forget_idle(self) -> None:
        """Sessions the SDK has ended for idleness: no request in flight for ``idle_s``."""
        now = self._clock()
        for session, tracked in list(self._sessions.items()):
            if not tracked.in_flight and now - tracked.idle_since >= self.idle_s:
                self.closed(session)


class SessionQuota:
    """ASGI, in front of the SDK's app: the opening request's size, and each principal's sessions (``ledger``)."""

    def __init__(
        self,
        app: ASGIApp,
        path: str,
        stateless: bool,
        ledger: SessionLedger | None,
        principal: Callable[[Headers], str],
    ) -> None:
        self.app = app
        self.path = path
        self.stateless = stateless
        self.ledger = ledger
        self.principal = principal
        self._opening = RequestBodyLimitMiddleware(app, OPENING_MAX_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if opens_session(scope["method"], headers, self.stateless):
            await self._open(self.principal(headers), scope, receive, send)
        elif self.ledger is not None and SESSION_HEADER in headers:
            await self._in_session(headers[SESSION_HEADER], self.principal(headers), scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _open(self, principal: str, scope: Scope, receive: Receive, send: Send) -> None:
        ledger = self.ledger
        if ledger is None:
            await self._opening(scope, receive, send)
            return
        if not ledger.reserve(principal):
            await self._too_many(scope, receive, send)
            return
        session: str | None = None

        async def watch(message: Message) -> None:
            nonlocal session
            if message["type"] == "http.response.start" and message["status"] < 400:
                session = Headers(raw=message.get("headers", [])).get(SESSION_HEADER)
                if session is not None:
                    ledger.opened(session, principal)
            await send(message)

        try:
            await self._opening(scope, receive, watch)
        finally:
            if session is None:
                ledger.release(principal)
            else:
                ledger.ended(session)

    async def _in_session(self, session: str, principal: str, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.ledger is not None
        ledger = self.ledger
        if not ledger.started(session, principal):
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            ledger.ended(session)
            # The owner's own request: a 404 means the SDK no longer has the session; a DELETE ended it.
            if status == 404 or (scope["method"] == "DELETE" and 200 <= status < 300):
                ledger.closed(session)

    async def _too_many(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.ledger is not None
        message = (
            f"Too many open sessions: this user has {self.ledger.per_principal} MCP sessions open, the limit "
            "per user (TRUTO_MCP_MAX_SESSIONS_PER_PRINCIPAL). Close one (clients do when they exit), or wait "
            f"until one has had no request for {self.ledger.idle_s:g} s: the server then ends it."
        )
        body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": message}}
        await Response(json.dumps(body), status_code=429, media_type="application/json")(scope, receive, send)
