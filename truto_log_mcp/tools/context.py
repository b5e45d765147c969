"""What a tool's use case is given and what it gives back.

``Services``: what every tool shares for the server's lifetime (settings, the HTTP client, the
handle stores, the rate budgets). ``Call``: one tool call (its services, who calls, the session
its analyses count against, where progress goes). ``Answer``: the text the model reads and the
structured model programs read. Nothing here knows MCP: the server adapts its request context to
a ``Call``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import httpx2
from pydantic import BaseModel, SecretStr

from truto_log_mcp.errors import AuthFailed, Busy, StateUnavailable
from truto_log_mcp.render.table import (
    compact_json,
)
from truto_log_mcp.rows import ProgressCallback, Row
from truto_log_mcp.rules import UPSTREAM_RATE_LIMIT, LogType
from truto_log_mcp.settings import TOKEN_HEADER, Settings
from truto_log_mcp.state.named_ids import StoredIds
from truto_log_mcp.state.open import MEMORY_URL, open_store
from truto_log_mcp.state.store import Handles, HandleSpace, StateStore
from truto_log_mcp.upstream.ratelimit import RequestBudget

if TYPE_CHECKING:  # imported where used: a tool's first call, not the server's start
    from truto_log_mcp.analysis.runs.results import ListingRest
    from truto_log_mcp.upstream.client import Deadline, TrutoClient
    from truto_log_mcp.upstream.pages import SearchState
    from truto_log_mcp.upstream.scan_cache import ScanCache

logger = logging.getLogger(__name__)

PRINCIPAL_KEY = "principal:"
"""Prefix of the analysis-slot key of a request without an MCP session: its principal's cap applies."""


def token_key(token: SecretStr | None) -> str:
    """A token's key in per-token state (its rate budget, its scan cache namespace): its SHA-256, never the token."""
    return hashlib.sha256(token.get_secret_value().encode()).hexdigest() if token else ""


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
    store: StateStore
    """Where handles and request budgets live (``TRUTO_STATE_URL``: this process, a sqlite file, Redis)."""
    cursors: Handles[SearchState | ListingRest]
    """Continuations of search_logs (a search's state) and of list_sync_runs (a listing's rest)."""
    refs: Handles[StoredRow]
    views: Handles[dict[str, Any]]
    """What interactive views read beyond a result (the error timeline, as its model dumps it), for
    clients that show views: kept like cursors, so any replica sharing the store can answer the view."""
    anonymous_owner: str = ""
    """Who owns the handles of a caller without a principal (stdio, one shared token): nobody in
    particular in memory; in a shared store, the server's token and upstream (hashed), so that a
    handle minted with one token is never opened with another."""
    _http: httpx2.AsyncClient | None = None
    _scans_running: dict[str, int] = field(default_factory=dict)
    """Analyses running per session key (see ``boundary.session_key``); idle keys are removed."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    scan_cache_factory: Callable[[], ScanCache | None] = lambda: None
    """Builds the scan cache on first use (its modules cost a stdio start ~10 ms; see ``scan_cache``)."""
    _scan_cache: ScanCache | None = None
    _scan_cache_built: bool = False

    @property
    def named_ids(self) -> StoredIds:
        """The ids each owner's answers named, in the store: an id argument's prefix is resolved against them first."""
        return StoredIds(self.store)

    @classmethod
    def create(
        cls, settings: Settings, http_factory: Callable[[], httpx2.AsyncClient], store: StateStore | None = None
    ) -> Services:
        if store is None:
            store = open_store(settings.state_url or MEMORY_URL, settings.max_token_budgets)
        anonymous = ""
        if store.shared:
            token = settings.api_token.get_secret_value() if settings.api_token else ""
            anonymous = "server:" + hashlib.sha256(f"{settings.base_url}\0{token}".encode()).hexdigest()[:32]
        return cls(
            settings=settings,
            http_factory=http_factory,
            store=store,
            cursors=store.handles(
                HandleSpace("c", settings.max_cursors, settings.cursor_ttl_s, settings.max_store_bytes),
                _cursor_type,
                lambda state: sum(len(compact_json(row)) for row in state.pending) + 500,
            ),
            refs=store.handles(
                HandleSpace("r", settings.max_refs, settings.cursor_ttl_s, settings.max_store_bytes),
                lambda: StoredRow,
                lambda stored: len(compact_json(stored.row)),
            ),
            views=store.handles(
                HandleSpace("v", settings.max_cursors, settings.cursor_ttl_s, settings.max_store_bytes),
                lambda: dict[str, Any],
                lambda timeline: len(compact_json(timeline)),
            ),
            anonymous_owner=anonymous,
            scan_cache_factory=lambda: scan_cache_of(settings, store),
        )

    @property
    def scan_cache(self) -> ScanCache | None:
        """Rows of time ranges already read, per token (None: ``TRUTO_SCAN_CACHE=off``)."""
        if not self._scan_cache_built:
            self._scan_cache, self._scan_cache_built = self.scan_cache_factory(), True
        return self._scan_cache

    @property
    def http(self) -> httpx2.AsyncClient:
        if self._http is None:
            self._http = self.http_factory()
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        await self.store.aclose()

    def client(self, token: SecretStr | None = None) -> TrutoClient:
        from truto_log_mcp.upstream.client import RetryPolicy, TrutoClient

        settings = self.settings
        policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            retry_after_cap_s=settings.retry_after_cap_s,
            request_timeout_s=settings.request_timeout_s,
            backoff_initial_s=settings.backoff_initial_s,
            backoff_max_s=settings.backoff_max_s,
        )
        reader = token if token is not None else settings.api_token
        return TrutoClient(
            self.http,
            reader,
            policy,
            self.rate_budget(reader),
            redact=settings.redact,
            other_secrets=(settings.api_token,),
        )

    def rate_budget(self, token: SecretStr | None) -> RequestBudget:
        """The token's budget, kept by the store under the token's hash (never the token): in-process, or
        one window shared by every replica on Redis. In multi-user mode every distinct token a caller
        sends gets one, so they are bounded in number: past ``max_token_budgets``, the least recently
        used is forgotten (its token, if it comes back, starts a fresh budget; calls already running
        keep theirs)."""
        reader = token if token is not None else self.settings.api_token  # None: the server's token
        key = token_key(reader)
        return self.store.rate_budget(key, self.settings.rate_budget, UPSTREAM_RATE_LIMIT[1])

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
        from truto_log_mcp.upstream.client import Deadline

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


def _cursor_type() -> type[SearchState | ListingRest]:
    """What a cursor handle holds, its modules imported on the first cursor kept (not at start)."""
    from truto_log_mcp.analysis.runs.results import ListingRest
    from truto_log_mcp.upstream.pages import SearchState

    return cast("type[SearchState | ListingRest]", SearchState | ListingRest)  # a union reads back as one


def scan_cache_of(settings: Settings, store: StateStore | None = None) -> ScanCache | None:
    """The scan cache the settings ask for: in the state store when it is shared (sqlite, Redis), else in
    memory (its modules are imported here, on first use: not on a stdio start)."""
    from truto_log_mcp.state.memory_store import MemoryStore
    from truto_log_mcp.upstream.scan_cache import ScanCache

    if settings.scan_cache == "off":
        return None
    # Rows read from another upstream, or redacted differently, are never answered from the same keys.
    scope = f"{settings.base_url} redact={settings.redact}"
    return ScanCache(
        (store or MemoryStore()).blobs(settings.scan_cache_max_bytes),
        scope,
        settle=timedelta(seconds=settings.scan_cache_settle_s),
        ttl=timedelta(seconds=settings.scan_cache_ttl_s),
    )


@asynccontextmanager
async def serving(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[Services]:
    """The services of one server's lifetime; ``transport`` replaces the network (the sandbox); ``clock``
    replaces the time of day."""
    from truto_log_mcp.version import __version__

    def http_client() -> httpx2.AsyncClient:
        from truto_log_mcp.upstream.client import shared_http_client

        return shared_http_client(
            settings.base_url, settings.request_timeout_s, f"truto-log-mcp/{__version__}", transport
        )

    services = Services.create(settings, http_client)
    if clock is not None:
        services.clock = clock
    try:
        yield services
    finally:
        await services.aclose()


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    structured: BaseModel
    view: Mapping[str, str] | None = None
    """For a client that shows views: where its view finds more (the result's ``_meta``, never the model's text)."""


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
    views: bool = False
    """The client shows interactive views (MCP Apps): a use case may keep what its view reads."""

    def client(self) -> TrutoClient:
        """The upstream client that reads with the caller's token (or the server's)."""
        return self.services.client(self.caller.token)

    def reader_key(self) -> str:
        """The key of the token this call reads with (``token_key``; empty without one)."""
        return token_key(self.caller.token if self.caller.token is not None else self.services.settings.api_token)

    @property
    def owner(self) -> str:
        """Who owns the handles this call mints and may open (see ``Services.anonymous_owner``)."""
        return self.caller.principal or self.services.anonymous_owner

    async def keep_rows(self, log_type: LogType, rows: Sequence[Row]) -> list[str]:
        """Refs for ``rows`` (in order) that this caller can open with get_log: one store round trip."""
        return await self.keep([(log_type, row) for row in rows])

    async def keep(self, rows: Sequence[tuple[LogType, Row]]) -> list[str]:
        """Refs for rows of several log types, in order, in one store round trip."""
        return await self.services.refs.put_many([StoredRow(log_type, row) for log_type, row in rows], self.owner)

    async def keep_if_possible(self, rows: Sequence[tuple[LogType, Row]]) -> list[str] | None:
        """``keep``, or None when the state store cannot be reached: for answers whose refs are examples
        (an analysis is worth more without them than not at all; it says they are missing)."""
        try:
            return await self.keep(rows)
        except StateUnavailable:
            logger.warning("The state store is unavailable: an answer goes without its example refs.")
            return None

    async def remember_ids(self, named: Mapping[str, Iterable[str | None]]) -> None:
        """Record the full ids (by field) an answer names, in one store round trip: the next call may pass
        them back shortened."""
        await self.services.named_ids.remember(self.owner, named)

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
