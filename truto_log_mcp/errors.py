"""The one exception hierarchy of truto-log-mcp.

Every failure the model can act on is one of these; each carries a stable ``code`` (the
bracketed prefix of the tool error text) and a ``next_step`` telling the model what to do.
They are converted to MCP tool errors in exactly one place (``boundary.TrutoLogServer.call_tool``)::

    TrutoLogError
    ├── InvalidArgument          [invalid_argument]      bad tool input, caught before any upstream call
    ├── CursorExpired            [cursor_expired]        unknown/expired cursor handle
    ├── RefNotFound              [ref_not_found]         unknown/expired row ref
    ├── NotFound                 [not_found]             no id (or no id starting with a prefix) where it was looked for
    ├── Busy                     [busy]                  this session already runs its maximum of scans
    ├── StateUnavailable         [state_unavailable]     the shared state store (Redis, the sqlite file) cannot be used
    └── UpstreamError                                    anything the Truto API did or failed to do
        ├── AuthFailed           [auth_failed]           401 / 403 / missing token
        ├── UpstreamRejected     [upstream_rejected]     400 / 404 / other 4xx (upstream's message kept)
        ├── RateLimited          [rate_limited]          429 after retries (says when to retry)
        ├── UpstreamUnavailable  [upstream_unavailable]  5xx, 503, connection failures
        │   └── DeadlineExceeded [deadline_exceeded]     the call's overall deadline ran out
        └── MalformedResponse    [upstream_malformed]    body not JSON / wrong shape / repeating cursor

HTTP statuses map to this tree in one function, ``upstream.statuses.error_for_status``.
"""

from __future__ import annotations

from typing import ClassVar


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


ECHO_CHARS = 60
"""How much of an argument the caller sent an error text repeats (a name or value can be 1 MB)."""


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """An argument as an error text repeats it: at most ``limit`` characters, a cut marked with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InvalidArgument(TrutoLogError):
    code = "invalid_argument"


class CursorExpired(TrutoLogError):
    code = "cursor_expired"
    default_next_step = "Run the same search again without `cursor` (narrow `since`/`start` to skip rows seen)."


class RefNotFound(TrutoLogError):
    code = "ref_not_found"
    default_next_step = "Refs live an hour (in this server's state store); run search_logs again and use a fresh `ref`."


class NotFound(TrutoLogError):
    """What an id argument names was not found; the message says where it was looked for, the next step what to try."""

    code = "not_found"


class Busy(TrutoLogError):
    code = "busy"
    default_next_step = "Wait for the running analyses of this session to finish, then call again."


class StateUnavailable(TrutoLogError):
    code = "state_unavailable"
    default_next_step = (
        "Cursors and refs are kept in the shared state store, which cannot be reached right now: retry in a"
        " minute, or run the search again without `cursor` (analyses still work)."
    )


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
