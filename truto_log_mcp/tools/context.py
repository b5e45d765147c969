"""What a tool's use case is given and what it gives back.

``Services``: what every tool shares for the server's lifetime (settings, the HTTP client, the
handle stores, the rate budgets). ``Call``: one tool call (its services, who calls, the session
its analyses count against, where progress goes). ``Answer``: the text the model reads and the
structured model programs read. Nothing here knows MCP: the server adapts its request context to
a ``Call``.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx2
from pydantic import BaseModel, SecretStr

from truto_log_mcp.errors import AuthFailed, Busy
from truto_log_mcp.render.table import (
    compact_json,
)
from truto_log_mcp.rows import ProgressCallback, Row
from truto_log_mcp.rules import UPSTREAM_RATE_LIMIT, LogType
from truto_log_mcp.settings import TOKEN_HEADER, Settings
from truto_log_mcp.state.handles import HandleStore, new_instance_tag
from truto_log_mcp.upstream.client import Deadline, RetryPolicy, TrutoClient, shared_http_client
from truto_log_mcp.upstream.pages import SearchState
from truto_log_mcp.upstream.ratelimit import RateBudget

PRINCIPAL_KEY = "principal:"
"""Prefix of the analysis-slot key of a request without an MCP session: its principal's cap applies."""


def principal_key(principal: str) -> str:
    """The analysis-slot key of a principal's requests without an MCP session (``""``: the shared identity)."""
    return f"{PRINCIPAL_KEY}{principal}"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a tool: the principal owns the handles it creates; its token (None: the server's) reads logs."""

    principal: str = ""
    token: SecretStr | None = None


ANONYMOUS = Caller()


@dataclass(frozen=True, slots=True)
class StoredRow:
    log_type: LogType
    row: Row


@dataclass(slots=True)
class Services:
    """Everything the tools share for the server's lifetime (built in the lifespan)."""

    settings: Settings
    http_factory: Callable[[], httpx2.AsyncClient]
    """Builds the one shared HTTP client on first use: building it (TLS context, certificates)
    costs ~100 ms that need not delay the MCP handshake."""
    cursors: HandleStore[SearchState]
    refs: HandleStore[StoredRow]
    _http: httpx2.AsyncClient | None = None
    _scans_running: dict[str, int] = field(default_factory=dict)
    """Analyses running per session key (see ``boundary.session_key``); idle keys are removed."""
    rate_budgets: dict[str, RateBudget] = field(default_factory=dict)
    """One request budget per token (keyed by the token's hash), shared by all its calls."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def create(cls, settings: Settings, http_factory: Callable[[], httpx2.AsyncClient]) -> Services:
        tag = new_instance_tag()
        return cls(
            settings=settings,
            http_factory=http_factory,
            cursors=HandleStore(
                "c",
                settings.max_cursors,
                settings.cursor_ttl_s,
                instance_tag=tag,
                max_bytes=settings.max_store_bytes,
                size_of=lambda state: sum(len(compact_json(row)) for row in state.pending) + 500,
            ),
            refs=HandleStore(
                "r",
                settings.max_refs,
                settings.cursor_ttl_s,
                instance_tag=tag,
                max_bytes=settings.max_store_bytes,
                size_of=lambda stored: len(compact_json(stored.row)),
            ),
        )

    @property
    def http(self) -> httpx2.AsyncClient:
        if self._http is None:
            self._http = self.http_factory()
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    def client(self, token: SecretStr | None = None) -> TrutoClient:
        settings = self.settings
        policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            retry_after_cap_s=settings.retry_after_cap_s,
            request_timeout_s=settings.request_timeout_s,
            backoff_initial_s=settings.backoff_initial_s,
            backoff_max_s=settings.backoff_max_s,
        )
        token = token if token is not None else settings.api_token
        return TrutoClient(self.http, token, policy, self.rate_budget(token), redact=settings.redact)

    def rate_budget(self, token: SecretStr | None) -> RateBudget:
        key = hashlib.sha256(token.get_secret_value().encode()).hexdigest() if token else ""
        if key not in self.rate_budgets:
            self.rate_budgets[key] = RateBudget(self.settings.rate_budget, UPSTREAM_RATE_LIMIT[1])
        return self.rate_budgets[key]

    @asynccontextmanager
    async def scan_slot(self, session: str) -> AsyncIterator[None]:
        """One of the session's ``max_scans_per_session`` concurrent analyses (a principal's
        ``max_scans_per_principal`` when it has no MCP session: see ``principal_key``), or ``Busy`` at once."""
        running = self._scans_running.get(session, 0)
        if not session.startswith(PRINCIPAL_KEY):
            if running >= self.settings.max_scans_per_session:
                raise Busy(f"This session already runs {running} analyses (the limit).")
        elif running >= self.settings.max_scans_per_principal:
            whose = "your Truto token" if session != PRINCIPAL_KEY else "this server's shared token"
            raise Busy(
                f"{running} analyses without an MCP session already run for {whose} (the limit).",
                "Wait for one of them to finish, then call again.",
            )
        self._scans_running[session] = running + 1
        try:
            yield
        finally:
            self._scans_running[session] -= 1
            if not self._scans_running[session]:
                del self._scans_running[session]

    def deadline(self) -> Deadline:
        return Deadline(self.settings.call_deadline_s)

    def identify(self, headers: Mapping[str, str] | None) -> Caller:
        """The caller of one request. In multi-user mode each HTTP client sends its own Truto token,
        which reads its logs and, hashed, names the principal that owns its cursors and refs."""
        if not self.settings.multi_user or headers is None:
            return ANONYMOUS
        token = next((value for key, value in headers.items() if key.lower() == TOKEN_HEADER), "").strip()
        if not token:
            raise AuthFailed(
                f"This server is in multi-user mode and the request carried no `{TOKEN_HEADER}` header.",
                f"Configure your MCP client to send your Truto API token in the `{TOKEN_HEADER}` header.",
            )
        principal = hashlib.sha256(token.encode()).hexdigest()[:32]
        return Caller(principal=principal, token=SecretStr(token))


@asynccontextmanager
async def serving(settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> AsyncIterator[Services]:
    """The services of one server's lifetime; ``transport`` replaces the network (the sandbox)."""
    from truto_log_mcp.version import __version__

    def http_client() -> httpx2.AsyncClient:
        return shared_http_client(
            settings.base_url, settings.request_timeout_s, f"truto-log-mcp/{__version__}", transport
        )

    services = Services.create(settings, http_client)
    try:
        yield services
    finally:
        await services.aclose()


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    structured: BaseModel


Progress = Callable[[float, float | None, str | None], Awaitable[None]]
"""Where a call reports progress: (done, total, message), as MCP progress notifications carry it."""


@dataclass(frozen=True, slots=True)
class Call:
    """One tool call: what a use case needs beyond its arguments."""

    services: Services
    caller: Caller = ANONYMOUS
    session: str = ""
    """The key that counts this call's analyses: its MCP session's (``max_scans_per_session``), or its
    principal's without one (``principal_key``, ``max_scans_per_principal``)."""
    progress: Progress | None = None

    def client(self) -> TrutoClient:
        """The upstream client that reads with the caller's token (or the server's)."""
        return self.services.client(self.caller.token)

    def keep_row(self, log_type: LogType, row: Row) -> str:
        """A ref for ``row`` that this caller can open with get_log."""
        return self.services.refs.put(StoredRow(log_type, row), self.caller.principal)

    def analysis_slot(self) -> AbstractAsyncContextManager[None]:
        return self.services.scan_slot(self.session)

    def scan_progress(self) -> ProgressCallback | None:
        """Scan progress (seconds of the window read / in all) as progress of this call."""
        progress = self.progress
        if progress is None:
            return None

        async def report(done: float, total: float) -> None:
            await progress(done, total, f"{done / total:.0%} of the window read" if total else None)

        return report
