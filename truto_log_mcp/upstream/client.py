"""The Truto HTTP client: one request for one page of ``GET /log``, with retries under a deadline.

One ``httpx2.AsyncClient`` is shared by the whole server (created in the server's lifespan);
``TrutoClient`` adds the token, retries and error mapping on top of it. Retries (tenacity):

* 429: wait ``Retry-After`` when it is at most ``retry_after_cap_s``, else fail at once with
  ``[rate_limited]`` saying when to retry;
* 500/502/504, timeouts and connection failures: exponential backoff with jitter;
* 400/401/403/404/503 and malformed bodies: no retry.

Every attempt and every wait fits inside the tool call's ``Deadline``; when the next wait would
not fit, the last error is raised instead of sleeping past it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar
from typing import Any

import anyio
import httpx2
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from truto_log_mcp.errors import (
    AuthFailed,
    DeadlineExceeded,
    MalformedResponse,
    RateLimited,
    UpstreamError,
    UpstreamUnavailable,
)
from truto_log_mcp.redact import RowRedactor
from truto_log_mcp.upstream.ratelimit import RequestBudget
from truto_log_mcp.upstream.statuses import RETRYABLE_STATUSES, error_for_status

logger = logging.getLogger(__name__)

LOG_PATH = "/log"
MAX_CURSOR_CHARS = 4096
"""The longest ``next_cursor`` accepted from the upstream (Truto's are a few hundred characters)."""


class Deadline:
    """One overall time limit for a tool call, shared by every request and wait inside it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._expires_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._expires_at - time.monotonic()

    def expired_error(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"The tool call's deadline of {self.seconds:.0f} s ran out while reading Truto's logs.")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    retry_after_cap_s: float = 15.0
    request_timeout_s: float = 10.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 8.0


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


class _StopBeforeDeadline(stop_base):
    """Stop retrying when the next wait would not end before the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.upcoming_sleep >= self._deadline.remaining()


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing.

    The one HTTP client serves every caller (every token, in multi-user mode): a cookie the
    upstream set for one caller's request would otherwise be sent with everyone's next requests.
    The API authenticates by the bearer token alone, so no cookie is ever needed."""

    def set_cookie(self, cookie: Cookie) -> None:
        """Every way into a jar (``Set-Cookie`` answers, ``client.cookies[...] = ...``) ends here: keep nothing."""


def shared_http_client(
    base_url: str, request_timeout_s: float, user_agent: str, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """The one HTTP client every call shares: explicit timeouts, bounded connections, no cookies."""
    return httpx2.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=httpx2.Timeout(request_timeout_s, connect=min(10.0, request_timeout_s)),
        limits=httpx2.Limits(max_connections=32, max_keepalive_connections=16),
        headers={"User-Agent": user_agent},
        cookies=NoCookies(),
    )


class TrutoClient:
    """Reads pages of ``GET /log`` for one token; cheap to create (the HTTP client is shared)."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        token: SecretStr | None,
        policy: RetryPolicy,
        rate: RequestBudget | None = None,
        redact: bool = False,
        other_secrets: Sequence[SecretStr | None] = (),
    ) -> None:
        """``other_secrets``: tokens besides ``token`` that no row or error text may show (the server's own,
        when a caller reads with theirs); ``redact``: also replace personal data in rows."""
        self._http = http
        self._secrets = tuple(
            secret.get_secret_value() for secret in (token, *other_secrets) if secret and secret.get_secret_value()
        )
        self._redactor = RowRedactor(self._secrets, personal=redact)
        self._token = token
        self._policy = policy
        self._rate = rate
        self._backoff = wait_exponential_jitter(multiplier=policy.backoff_initial_s, max=policy.backoff_max_s)

    async def fetch_page(self, params: Sequence[tuple[str, str]], deadline: Deadline) -> Page:
        if self._token is None or not self._token.get_secret_value():
            raise AuthFailed(
                "No Truto API token is configured.",
                "Set TRUTO_API_TOKEN in the server's environment (the `env` of your MCP client config), "
                "or start the server with --demo to use the sandbox.",
            )
        retrying = AsyncRetrying(
            retry=retry_if_exception(self._is_retryable),
            wait=self._wait,
            stop=stop_any(
                stop_after_attempt(self._policy.max_attempts),
                _StopBeforeDeadline(deadline),
            ),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._get_once(params, deadline)
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    def _is_retryable(self, error: BaseException) -> bool:
        if isinstance(error, RateLimited):
            return error.retry_after is None or error.retry_after <= self._policy.retry_after_cap_s
        if isinstance(error, DeadlineExceeded):
            return False
        return isinstance(error, UpstreamUnavailable) and (error.status is None or error.status in RETRYABLE_STATUSES)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        return float(self._backoff(state))

    async def _get_once(self, params: Sequence[tuple[str, str]], deadline: Deadline) -> Page:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise deadline.expired_error()
        if self._rate is not None:
            with anyio.move_on_after(remaining):
                await self._rate.acquire()
                remaining = deadline.remaining()
            if deadline.remaining() <= 0:
                raise deadline.expired_error()
        timeout = min(self._policy.request_timeout_s, remaining)
        assert self._token is not None
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}", "Accept": "application/json"}
        started = time.monotonic()
        response: httpx2.Response | None = None
        # httpx2's own timeouts cover each network phase; this bounds the whole exchange, whatever the transport.
        with anyio.move_on_after(timeout):
            try:
                response = await self._http.get(LOG_PATH, params=list(params), headers=headers, timeout=timeout)
            except httpx2.TimeoutException:
                pass
            except httpx2.TransportError as error:
                raise UpstreamUnavailable(f"Could not reach Truto ({type(error).__name__}).") from None
        if response is None:
            if deadline.remaining() <= 0.05:
                raise deadline.expired_error()
            raise UpstreamUnavailable(f"Truto did not answer within {timeout:.0f} s.")
        logger.debug(
            "GET %s %s -> %s in %.0f ms",
            LOG_PATH,
            _describe(params),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.status_code >= 400:
            raise error_for_status(response.status_code, _json_or_none(response), _retry_after(response), self._secrets)
        return parse_page(response, self._redactor)


def parse_page(response: httpx2.Response, redactor: RowRedactor | None = None) -> Page:
    """Check the body's shape, flatten and redact rows; anything unexpected is ``MalformedResponse``."""
    try:
        body = response.json()
    except ValueError:
        raise MalformedResponse(f"Truto answered {response.status_code} with a body that is not JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise MalformedResponse("Truto's answer has no `result` list.")
    redact = redactor is not None and redactor.needed(response.content)
    rows: list[dict[str, Any]] = []
    for row in body["result"]:
        if not isinstance(row, dict):
            raise MalformedResponse(f"Truto's `result` holds a {type(row).__name__}, not a log row object.")
        rows.append(redactor.row(flatten_row(row)) if redactor is not None and redact else flatten_row(row))
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise MalformedResponse("Truto's `next_cursor` is not a string.")
    if cursor is not None and len(cursor) > MAX_CURSOR_CHARS:
        # It goes back in the next request's URL (which has a length limit) and into cursor handles.
        raise MalformedResponse(
            f"Truto's `next_cursor` is {len(cursor):,} characters long; at most {MAX_CURSOR_CHARS:,} are accepted."
        )
    return Page(rows=rows, next_cursor=cursor or None)


def flatten_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rows come flat or as ``{_id, timestamp, metadata: {...}}``; always return them flat."""
    metadata = row.get("metadata")
    if not isinstance(metadata, dict):
        return row
    flat = dict(metadata)
    for key, value in row.items():
        if key != "metadata":
            flat.setdefault(key, value)
    return flat


def _json_or_none(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: treat as unknown and back off instead


def _describe(params: Sequence[tuple[str, str]]) -> str:
    """Parameters for debug logs; cursors are shortened (they are opaque and long)."""
    return " ".join(f"{key}={value[:12] + '…' if key == 'next_cursor' else value}" for key, value in params)


__all__ = ["Deadline", "Page", "RetryPolicy", "TrutoClient", "UpstreamError", "flatten_row", "parse_page"]
