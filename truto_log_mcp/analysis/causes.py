"""What counts as an error in each log type, and which cause class an error belongs to.

Why one module: ``summarize_errors`` (``grouping``) and ``trace_sync_run`` (``runs``) must agree on
both questions, and docs/tools.md and ``describe_log_types`` print the same rules (``ERROR_RULES``)
that ``is_error`` implements. The cause classes and their next steps follow DOMAIN.md ("How people
debug with these logs"): the point of a cause is to tell the person who has to act (the end user,
the provider, the customer's endpoint, the integration mapping, Truto) and what to do.

Also here, because both analyses need them: the ``Row`` type and tolerant readers of row fields
(timestamps, status codes, flags), since rows are third-party data whose fields may be missing or
typed loosely ("502" for 502, "true" for true).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

"""One log row, flat shape (the client flattens ``{_id, timestamp, metadata}`` rows)."""


class Cause(StrEnum):
    AUTH = "auth"
    """The provider refused the integrated account's credentials (401/403, invalid_grant, needs reauth)."""
    RATE_LIMIT = "rate_limit"
    """The provider answered 429 / rate limited the run."""
    PROVIDER_ERROR = "provider_error"
    """The provider (upstream API) failed: 5xx, bad gateway, timeouts, connection resets."""
    WEBHOOK_ENDPOINT = "webhook_endpoint"
    """The customer's webhook endpoint rejected or did not answer a delivery that Truto attempted."""
    MAPPING = "mapping"
    """The integration mapping (JSONata transform) failed on some records or responses."""
    DELIVERY = "delivery"
    """A sync run fetched records but could not deliver them to the webhook or datastore."""
    STUCK = "stuck"
    """A sync run is running without progress for longer than the stuck threshold."""
    NEVER_STARTED = "never_started"
    """A sync run (or job) never got past ``created``: no trigger or no start."""
    CLIENT_ERROR = "client_error"
    """The request to Truto was wrong (400/404/422...): fix the caller's input, do not retry."""
    TRUTO_ERROR = "truto_error"
    """A 5xx whose text says Truto itself failed (not the provider)."""
    UNKNOWN = "unknown"
    """An error whose rows do not say why."""


NEXT_STEP: Final[dict[Cause, str]] = {
    Cause.AUTH: (
        "The provider refused the integrated account's credentials: the end user must reconnect "
        "(reauthorize) the integrated account. (A 401 about your Truto API token instead means fixing the token.)"
    ),
    Cause.RATE_LIMIT: (
        "The provider rate limited the calls: Truto backs off and resumes by itself, no action needed "
        "unless it persists (then lower the sync frequency or request volume)."
    ),
    Cause.PROVIDER_ERROR: (
        "The provider (upstream API) is failing: retry later and check the provider's status page; "
        "nothing to fix on the account or in Truto."
    ),
    Cause.WEBHOOK_ENDPOINT: (
        "Truto attempted delivery and the customer's webhook endpoint rejected it or did not answer: "
        "fix the endpoint or bring it back up (the fault is on the endpoint's side)."
    ),
    Cause.MAPPING: (
        "The integration mapping fails on some records: check the mapping against the failing records "
        "(the record ids and fields are in the error text)."
    ),
    Cause.DELIVERY: (
        "Records were fetched but not delivered to the webhook or datastore: check the delivery target "
        "(webhook endpoint status, datastore credentials) and re-run the sync once it is fixed."
    ),
    Cause.STUCK: (
        "The run is still marked running but has made no progress for more than 5 minutes: check the "
        "provider call it was making (slow or hanging upstream) and re-trigger the run if it does not recover."
    ),
    Cause.NEVER_STARTED: (
        "The run never started: check that the sync job's schedule fired (a sync_job_cron_trigger row whose "
        "entity_id is the job) and that its integrated account is active, then trigger the job again."
    ),
    Cause.CLIENT_ERROR: (
        "The request was refused as invalid (bad input, not found, validation): fix the request; retrying "
        "the same request will not help."
    ),
    Cause.TRUTO_ERROR: "Truto itself failed on the request: retry later; report it to Truto support if it persists.",
    Cause.UNKNOWN: "The rows do not say why: read the example rows' logs for the failing step.",
}


ERROR_RULES: Final[dict[LogType, str]] = {
    LogType.UNIFIED_PROXY_API: "http_status_code >= 400, or integrated_account_needs_reauth is true",
    LogType.MCP: "http_status_code >= 400, or integrated_account_needs_reauth is true",
    LogType.WEBHOOK: 'webhook_endpoint_status present and not 2xx, or status is "failed"',
    LogType.RAPID_BRIDGE: (
        'sync_job_run_event is record_error or failed, or status is "failed", or num_records > 0 with '
        "webhook_successful or datastore_successful false (rate_limited is not an error: it resumes by itself)"
    ),
    LogType.SYNC_JOB_CRON_TRIGGER: (
        'integrated_account_needs_reauth is true, or the message\'s level is ERROR or FATAL ("<timestamp> ERROR ...")'
    ),
}
"""What counts as an error, one line per log type: ``is_error`` implements exactly this."""


# ---- tolerant field readers ------------------------------------------------------------------


def as_int(value: Any) -> int | None:
    """An integer field that may arrive as int, float or numeric string; None when absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    """Explicitly false (a missing flag is not false: empty fields are dropped from rows)."""
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def status_code(log_type: LogType, row: Row) -> int | None:
    """The HTTP status a row carries: the response's for API/MCP rows, the customer's endpoint's for webhooks."""
    if log_type is LogType.WEBHOOK:
        return as_int(row.get("webhook_endpoint_status"))
    return as_int(row.get("http_status_code"))


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def log_lines(row: Row) -> list[str]:
    """The row's ``logs`` as a list of strings (tolerates a single string or non-string items)."""
    return _lines(row.get("logs"))


# ---- is_error --------------------------------------------------------------------------------

_ERROR_LEVEL = re.compile(r"^\s*(?:\S+\s+)?(?:ERROR|FATAL)\b")
"""``2026-05-16T06:28:27.040Z ERROR ...`` (or a message that starts with the level)."""


def message_is_error_level(row: Row) -> bool:
    message = row.get("message")
    return isinstance(message, str) and _ERROR_LEVEL.match(message) is not None


def undelivered_records(row: Row) -> bool:
    """Records fetched (num_records > 0) but the webhook or datastore delivery reported failure."""
    records = as_int(row.get("num_records")) or 0
    return records > 0 and (is_false(row.get("webhook_successful")) or is_false(row.get("datastore_successful")))


def _http_error(row: Row) -> bool:
    code = as_int(row.get("http_status_code"))
    return (code is not None and code >= 400) or is_true(row.get("integrated_account_needs_reauth"))


def _webhook_error(row: Row) -> bool:
    code = as_int(row.get("webhook_endpoint_status"))
    return (code is not None and not 200 <= code < 300) or row.get("status") == "failed"


def _rapid_bridge_error(row: Row) -> bool:
    return (
        row.get("sync_job_run_event") in ("record_error", "failed")
        or row.get("status") == "failed"
        or undelivered_records(row)
    )


def _cron_error(row: Row) -> bool:
    return is_true(row.get("integrated_account_needs_reauth")) or message_is_error_level(row)


_IS_ERROR = {
    LogType.UNIFIED_PROXY_API: _http_error,
    LogType.MCP: _http_error,
    LogType.WEBHOOK: _webhook_error,
    LogType.RAPID_BRIDGE: _rapid_bridge_error,
    LogType.SYNC_JOB_CRON_TRIGGER: _cron_error,
}


def is_error(log_type: LogType, row: Row) -> bool:
    """Whether the row is an error of its log type, exactly as ``ERROR_RULES`` states."""
    return _IS_ERROR[log_type](row)


# ---- classify --------------------------------------------------------------------------------

_AUTH_WORDS: Final = (
    "invalid_grant",
    "unauthorized",
    "unauthorised",
    "reauth",
    "re-auth",
    "invalid_token",
    "invalid token",
    "invalid_client",
    "token expired",
    "token has expired",
    "token has been revoked",
    "token revoked",
    "expired token",
    "access denied",
    "access_denied",
    "forbidden",
    "invalid credentials",
    "authentication failed",
    "authentication error",
    "insufficient_scope",
    "insufficient scope",
)
_RATE_LIMIT_WORDS: Final = (
    "rate limit",
    "rate-limit",
    "ratelimit",
    "rate_limit",
    "too many requests",
    "quota exceeded",
    "quota exhausted",
    "throttl",
)
_MAPPING_WORDS: Final = (
    "mapping",
    "cannot read propert",
    "undefined",
    "jsonata",
    "transform",
    "is not a function",
    "is not iterable",
)
_PROVIDER_WORDS: Final = (
    "bad gateway",
    "service unavailable",
    "gateway timeout",
    "gateway time-out",
    "internal server error",
    "upstream",
    "provider error",
    "econnreset",
    "econnrefused",
    "etimedout",
    "socket hang up",
    "timed out",
    "timeout",
)
_STATUS_IN_TEXT = re.compile(
    r"(?:40[13]|429|5\d\d)(?<![\w.]\d\d\d)(?![\w.]|\s*(?:ms|s\b|records?|items?|rows?|bytes|seconds?|%))"
)
"""401/403/429/5xx standing alone (not "500ms", "503 records", "v1.503"); starts with a digit to search fast."""


def mentions(lower_text: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` occurs in ``lower_text`` (a plain loop: faster than ``any()`` over a generator)."""
    for word in words:
        if word in lower_text:
            return True
    return False


def _status_cause(text: str) -> Cause | None:
    codes = _STATUS_IN_TEXT.findall(text)
    if not codes:
        return None
    if "401" in codes or "403" in codes:
        return Cause.AUTH
    return Cause.RATE_LIMIT if "429" in codes else Cause.PROVIDER_ERROR


_TRUTO_OWN = re.compile(
    r"\btruto\b[^.]*\b(?:error|fail|bug|exception)|internal error|unhandled (?:exception|error|"
    r"rejection)|uncaught|worker (?:threw|exceeded)|exceeded (?:cpu|memory)",
    re.IGNORECASE,
)
"""Text that blames Truto itself (for a 5xx): "Truto internal error", "unhandled exception"."""


@lru_cache(maxsize=4096)
def cause_from_text(text: str) -> Cause | None:
    """The cause an error text names, or None when it names none.

    Tried in order: specific words first (auth, rate limit, mapping), then status numbers, then
    generic provider words, so "Upstream answered 401 Unauthorized" is auth and "Cannot read property
    'x' of undefined" is mapping even when the request failed with 500. Substring tests on the
    lowercased text, cached (bounded): this runs on every error row, often on the same text.
    """
    lower = text.lower()
    for cause, words in (
        (Cause.AUTH, _AUTH_WORDS),
        (Cause.RATE_LIMIT, _RATE_LIMIT_WORDS),
        (Cause.MAPPING, _MAPPING_WORDS),
    ):
        if mentions(lower, words):
            return cause
    status = _status_cause(text)
    if status is not None:
        return status
    return Cause.PROVIDER_ERROR if mentions(lower, _PROVIDER_WORDS) else None


def _classify_http(row: Row, text: str) -> Cause:
    code = as_int(row.get("http_status_code"))
    if code in (401, 403):
        return Cause.AUTH
    if code == 429:
        return Cause.RATE_LIMIT
    named = cause_from_text(text)
    if code is not None and code >= 500:
        if named is Cause.MAPPING:
            return Cause.MAPPING
        return Cause.TRUTO_ERROR if _TRUTO_OWN.search(text) else Cause.PROVIDER_ERROR
    if code is not None and code >= 400:
        return named if named in (Cause.AUTH, Cause.RATE_LIMIT) else Cause.CLIENT_ERROR
    return named or Cause.UNKNOWN


def _classify_rapid_bridge(row: Row, text: str) -> Cause:
    if row.get("sync_job_run_event") == "rate_limited" or row.get("status") == "rate_limited":
        return Cause.RATE_LIMIT
    named = cause_from_text(text)
    if row.get("sync_job_run_event") in ("record_error", "failed") or row.get("status") == "failed":
        if named is not None:
            return named
        return Cause.DELIVERY if undelivered_records(row) else Cause.UNKNOWN
    if undelivered_records(row):
        return Cause.DELIVERY
    return named or Cause.UNKNOWN


def classify(log_type: LogType, row: Row, text: str) -> Cause:
    """The cause class of one (error) row, from its status fields first and its error ``text`` second.

    ``text`` is the row's error text (``errors.error_text``); callers may pass more (all log lines).
    A row whose account needs reauth is auth whatever else it says.
    """
    if is_true(row.get("integrated_account_needs_reauth")):
        return Cause.AUTH
    if log_type in (LogType.UNIFIED_PROXY_API, LogType.MCP):
        return _classify_http(row, text)
    if log_type is LogType.WEBHOOK:
        return Cause.WEBHOOK_ENDPOINT if _webhook_error(row) else cause_from_text(text) or Cause.UNKNOWN
    if log_type is LogType.RAPID_BRIDGE:
        return _classify_rapid_bridge(row, text)
    return cause_from_text(text) or Cause.UNKNOWN
