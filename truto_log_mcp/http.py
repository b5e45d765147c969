"""Streamable HTTP for teams: one server that several people's assistants reach over the network.

The SDK's ``streamable_http_app`` serves MCP at ``/mcp`` (sessions, SSE, the body limit, the
session limit, Host/Origin checks). This module puts a small ASGI gate in front of it, for what a
shared deployment needs and the SDK leaves to the application:

- Host/Origin (DNS-rebinding) checks run first, on every path but ``/healthz``, so that a forged
  Host is refused before credentials are even looked at. Loopback names are always allowed; other
  names come from ``TRUTO_MCP_ALLOWED_HOSTS`` / ``--allowed-host`` (and the bind address).
- Bearer authentication (``TRUTO_MCP_BEARER_TOKEN``): compared in constant time (digests of both
  sides, so not even the length leaks), 401 with ``WWW-Authenticate: Bearer`` otherwise. The token
  is never logged, printed or put in an answer.
- Each request is tagged with its principal (``scope["user"]``) so that the SDK binds every MCP
  session to the credential that opened it: in multi-user mode, another user's request for a
  session answers 404 as if it did not exist. Cursor handles and refs are bound to the same
  principal by the handle stores, so one user can never page or open another's results.
- ``/healthz`` answers ``{"ok": true, "version": ...}`` without authentication: enough for a load
  balancer's probe, and nothing about the token, the upstream or the users.

Behind the gate, ``sessions.py`` bounds the request that opens an MCP session (what the session keeps of
its client) and, in multi-user mode, each user's sessions. Below it, ``connections.py`` bounds what anyone
who reaches the port can hold before the gate even sees a request: client connections (below the file
limit) and the time to send a request's headers.

``deployment.check_deployment`` refuses configurations that would expose the server: a non-loopback bind
without a bearer token (multi-user mode alone is not authentication: the Truto token a client sends
is only checked by Truto when a tool reads logs, so anyone could open sessions, list tools, tie up
the server and probe tokens through it), a bearer token too short to resist guessing, or a wildcard
bind with no allowed host names (every remote request would be refused as a rebinding attempt).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from truto_log_mcp.deployment import MCP_PATH, HttpOptions, security_settings
from truto_log_mcp.sessions import SessionLedger, SessionQuota
from truto_log_mcp.settings import TOKEN_HEADER
from truto_log_mcp.version import __version__

if TYPE_CHECKING:
    import socket

    from mcp.server.mcpserver import MCPServer

logger = logging.getLogger(__name__)

HEALTH_PATH: Final = "/healthz"
WELL_KNOWN: Final = "/.well-known/"
REALM: Final = "truto-log-mcp"
GRACEFUL_SHUTDOWN_S: Final = 5


def principal_of(headers: Mapping[str, str], multi_user: bool) -> str:
    """Who a request acts as, for binding MCP sessions: the hash of its Truto token in multi-user mode
    (the same principal that owns its cursor handles and refs), else the one shared identity."""
    if not multi_user:
        return "team"
    token = headers.get(TOKEN_HEADER, "").strip()
    return "user:" + hashlib.sha256(token.encode()).hexdigest()[:32] if token else "user:none"


class HttpGate:
    """The ASGI gate in front of the SDK's app: health, Host/Origin, bearer auth, session principal."""

    def __init__(self, app: ASGIApp, options: HttpOptions, security: TransportSecuritySettings) -> None:
        self.app = app
        self.options = options
        token = options.bearer_token
        self._expected = hashlib.sha256(token.get_secret_value().strip().encode()).digest() if token else None
        self._host_check = TransportSecurityMiddleware(security)
        self._health_body = json.dumps({"ok": True, "version": __version__}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the SDK app runs its session manager
            await self.app(scope, receive, send)
            return
        if scope["path"] == HEALTH_PATH:
            await self._health(scope, receive, send)
            return
        refused = await self._host_check.validate_request(Request(scope))
        if refused is not None:
            await refused(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # OAuth discovery (/.well-known/...) answers 404 to anyone: a client that was refused looks there
        # next, and "no OAuth here" tells it to use its configured bearer token rather than start a login.
        discovery = scope["method"] in ("GET", "HEAD") and scope["path"].startswith(WELL_KNOWN)
        if self._expected is not None and not discovery:
            problem = self._authenticate(headers.get("authorization"))
            if problem is not None:
                client = scope.get("client")
                logger.info(
                    "Refused a request without valid credentials from %s: %s", client[0] if client else "?", problem
                )
                await self._unauthorized(problem, scope, receive, send)
                return
        if self._expected is not None or self.options.multi_user:
            principal = principal_of(headers, self.options.multi_user)
            scope["user"] = AuthenticatedUser(AccessToken(token=principal, client_id=principal, scopes=[]))
        await self.app(scope, receive, send)

    def _authenticate(self, authorization: str | None) -> str | None:
        """None when the request carries the bearer token, else why not (never the token itself)."""
        if not authorization:
            return "missing"
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return "malformed"
        digest = hashlib.sha256(given.strip().encode()).digest()
        assert self._expected is not None
        return None if hmac.compare_digest(digest, self._expected) else "invalid"

    async def _unauthorized(self, problem: str, scope: Scope, receive: Receive, send: Send) -> None:
        challenge = f'Bearer realm="{REALM}"'
        description = "This MCP endpoint needs 'Authorization: Bearer <token>' (TRUTO_MCP_BEARER_TOKEN of the server)."
        body: dict[str, str] = {"error": "unauthorized", "error_description": description}
        if problem != "missing":
            challenge += ', error="invalid_token", error_description="The bearer token is not valid."'
            body = {"error": "invalid_token", "error_description": "The bearer token is not valid."}
        response = Response(
            json.dumps(body),
            status_code=401,
            media_type="application/json",
            headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
        )
        await response(scope, receive, send)

    async def _health(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            response = Response(status_code=405, headers={"Allow": "GET, HEAD"})
        else:
            response = Response(self._health_body, media_type="application/json", headers={"Cache-Control": "no-store"})
        await response(scope, receive, send)


def build_app(server: MCPServer[Any], options: HttpOptions) -> HttpGate:
    """The ASGI app: the gate around the SDK's streamable HTTP app (whose lifespan runs the sessions)."""
    security = security_settings(options)
    inner = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=options.json_response,
        stateless_http=options.stateless,
        max_request_body_size=options.max_body_bytes,
        session_idle_timeout=options.session_idle_s,
        max_sessions=options.max_sessions,
        transport_security=security,
        host=options.host,
    )
    # One shared identity (single-token mode) has the server-wide session cap; users have their own.
    per_user = options.multi_user and not options.stateless
    ledger = SessionLedger(options.max_sessions_per_principal, options.session_idle_s) if per_user else None
    sessions = SessionQuota(
        inner, MCP_PATH, options.stateless, ledger, lambda headers: principal_of(headers, options.multi_user)
    )
    return HttpGate(sessions, options, security)


def describe(options: HttpOptions, port: int, connections: int) -> str:
    """The startup line (stderr): where, and how it is protected; never a secret."""
    parts = [
        "auth: bearer token" if options.bearer_token else "auth: none (loopback only)",
        "users: multi-user (x-truto-api-token)" if options.multi_user else "users: one Truto token",
        "stateless"
        if options.stateless
        else f"sessions: up to {options.max_sessions}"
        + (f", {options.max_sessions_per_principal} per user" if options.multi_user else ""),
        f"connections: up to {connections}",
        f"health: {HEALTH_PATH}",
    ]
    return f"truto-log-mcp: serving MCP over streamable HTTP at {options.url(port)} ({'; '.join(parts)})"


class QueryRedacted(logging.Filter):
    """Uvicorn's access log (on at DEBUG) prints each request's path with its query string: a client that puts a
    token in the URL (``?access_token=...``, refused with 401) would put it in the log. The query string is
    replaced: this server reads nothing from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"{arg.partition('?')[0]}?[query redacted]" if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


def serve_http(server: MCPServer[Any], options: HttpOptions, log_level: str = "WARNING") -> int:
    """Serve until interrupted (SIGINT/SIGTERM: graceful shutdown). Call ``deployment.check_deployment`` first.

    ``port`` 0 picks a free port; the startup line on stderr says which. Uvicorn serves HTTP/1.1 behind
    ``connections``: connections bounded below the file limit, a deadline for each request's headers."""
    import uvicorn

    from truto_log_mcp.connections import ConnectionGuard, GuardedListener, connection_limit, guarded_protocol

    # sse_starlette logs every chunk it sends at DEBUG: answers full of rows (customer data) in the log.
    logging.getLogger("sse_starlette").setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, QueryRedacted) for existing in access_log.filters):
        access_log.addFilter(QueryRedacted())
    guard = ConnectionGuard(connection_limit(options.max_connections), options.header_timeout_s)
    config = uvicorn.Config(
        build_app(server, options),
        host=options.host,
        port=options.port,
        http=guarded_protocol(guard),
        log_config=None,  # our logging: stderr, TRUTO_LOG_LEVEL
        log_level=log_level.lower(),
        access_log=log_level == "DEBUG",
        server_header=False,
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    sock = GuardedListener(config.bind_socket(), guard)
    try:
        started = anyio.run(_serve, uvicorn.Server(config), sock, options, guard.limit)
    finally:
        sock.close()
    return 0 if started else 1


async def _serve(server: Any, sock: socket.socket, options: HttpOptions, connections: int) -> bool:
    """Run uvicorn on the bound socket; announce the URL on stderr once it accepts requests."""

    async def announce() -> None:
        while not server.started:
            await anyio.sleep(0.02)
        print(describe(options, int(sock.getsockname()[1]), connections), file=sys.stderr, flush=True)

    async with anyio.create_task_group() as group:
        group.start_soon(announce)
        await server.serve([sock])
        group.cancel_scope.cancel()
    return bool(server.started)
