"""The one exception hierarchy of truto-log-mcp.

Every failure the model can act on is one of these; each carries a stable ``code`` (the
bracketed prefix of the tool error text) and a ``next_step`` telling the model what to do.
They are converted to MCP tool errors in exactly one place (``server.ToolBoundary``)::

    TrutoLogError
    ├── InvalidArgument          [invalid_argument]      bad tool input, caught before any upstream call
    ├── CursorExpired            [cursor_expired]        unknown/expired cursor handle
    ├── RefNotFound              [ref_not_found]         unknown/expired row ref
    ├── Busy                     [busy]                  this session already runs its maximum of scans
    └── UpstreamError                                    anything the Truto API did or failed to do
        ├── AuthFailed           [auth_failed]           401 / 403 / missing token
        ├── UpstreamRejected     [upstream_rejected]     400 / 404 / other 4xx (upstream's message kept)
        ├── RateLimited          [rate_limited]          429 after retries (says when to retry)
        ├── UpstreamUnavailable  [upstream_unavailable]  5xx, 503, connection failures
        │   └── DeadlineExceeded [deadline_exceeded]     the call's overall deadline ran out
        └── MalformedResponse    [upstream_malformed]    body not JSON / wrong shape / repeating cursor

HTTP statuses map to this tree in one function, ``error_for_status``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from truto_log_mcp.render.table import clean_text


class TrutoLogError(Exception):
    code: ClassVar[str] = "internal"
    default_next_step: ClassVar[str] = ""

    def __init__(self, message: str, next_step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step if next_step is not None else self.default_next_step

    def tool_text(self) -> str:
        """The text of the MCP tool error: stable code first, then what happened, then what to do."""
        text = f"[{self.code}] {self.message}"
        if self.next_step:
            text += f" Next: {self.next_step}"
        return text


class InvalidArgument(TrutoLogError):
    code = "invalid_argument"


class CursorExpired(TrutoLogError):
    code = "cursor_expired"
    default_next_step = "Run the same search again without `cursor` (narrow `since`/`start` to skip rows seen)."


class RefNotFound(TrutoLogError):
    code = "ref_not_found"
    default_next_step = "Refs live for the server session only; run search_logs again and use a fresh `ref`."


class Busy(TrutoLogError):
    code = "busy"
    default_next_step = "Wait for the running analyses of this session to finish, then call again."


class UpstreamError(TrutoLogError):
    code = "upstream_error"

    def __init__(self, message: str, next_step: str | None = None, status: int | None = None) -> None:
        super().__init__(message, next_step)
        self.status = status


class AuthFailed(UpstreamError):
    code = "auth_failed"
    default_next_step = (
        "Check TRUTO_API_TOKEN: it must be a valid Truto API token for the environment whose logs you want."
    )


class UpstreamRejected(UpstreamError):
    code = "upstream_rejected"
    default_next_step = "Change the arguments as the upstream's message says."


class RateLimited(UpstreamError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None, status: int | None = 429) -> None:
        wait = f"{retry_after:.0f} s" if retry_after is not None else "a few seconds"
        super().__init__(message, f"Wait {wait}, then retry; use a narrower window to need fewer requests.", status)
        self.retry_after = retry_after


class UpstreamUnavailable(UpstreamError):
    code = "upstream_unavailable"
    default_next_step = "Truto's API is failing; retry in a minute. If it persists, check status.truto.one."


class DeadlineExceeded(UpstreamUnavailable):
    code = "deadline_exceeded"
    default_next_step = "Retry with a narrower window or fewer rows; the upstream is slow right now."


class MalformedResponse(UpstreamError):
    code = "upstream_malformed"
    default_next_step = "Retry once; if it persists the upstream is misbehaving (report it to Truto)."


def error_for_status(
    status: int, body: Any, retry_after: float | None = None, secrets: tuple[str, ...] = ()
) -> UpstreamError:
    """Map an upstream HTTP error answer to the hierarchy, keeping the upstream's own message
    (with ``secrets`` and any bearer credential it echoes replaced by ``[redacted]``)."""
    # Third-party text: credentials redacted before the cap (no partial echo), control characters stripped.
    upstream_message = clean_text(redact_secrets(_upstream_message(body), secrets), 300)
    said = f": {upstream_message}" if upstream_message else ""
    if status in (401, 403):
        reason = "token missing or invalid" if status == 401 else "token not allowed to read logs"
        return AuthFailed(f"Truto answered {status} ({reason}){said}.", status=status)
    if status == 429:
        return RateLimited(f"Truto rate limit hit (429){said}.", retry_after=retry_after)
    if status == 503:
        return UpstreamUnavailable(
            f"Truto answered 503{said}.",
            "Truto reports the account as blocked or the service unavailable; retrying will not help. "
            "Contact Truto support.",
            status=status,
        )
    if status >= 500:
        return UpstreamUnavailable(f"Truto answered {status}{said}.", status=status)
    if status == 404:
        return UpstreamRejected(
            f"Truto answered 404{said}.",
            "Check TRUTO_BASE_URL and that the token can see this environment.",
            status=status,
        )
    return UpstreamRejected(f"Truto rejected the request ({status}){said}.", status=status)


_CREDENTIAL = re.compile(r"(?i)\b(bearer\s+|(?:token|authorization|api[_-]?key)\s*[:=]\s*)([A-Za-z0-9._~+/=-]{8,})")


def redact_secrets(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Third-party text that may echo credentials: the known secrets, and what follows "Bearer " or
    "token:" / "authorization=" / "api_key:", become ``[redacted]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _CREDENTIAL.sub(lambda found: f"{found.group(1)}[redacted]", text)


def _upstream_message(body: Any) -> str:
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if isinstance(message, str):
            return message
    return ""


RETRYABLE_STATUSES = frozenset({429, 500, 502, 504})
