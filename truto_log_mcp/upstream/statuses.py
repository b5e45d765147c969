"""Upstream HTTP answers mapped to the one exception hierarchy (``errors``), in one place.

The upstream's own message is kept (it often says exactly what is wrong) but treated as
third-party text: credentials it echoes are redacted before it is capped and cleaned.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus

from truto_log_mcp.errors import AuthFailed, RateLimited, UpstreamError, UpstreamRejected, UpstreamUnavailable
from truto_log_mcp.render.table import clean_text


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
    """Third-party text that may echo credentials: the known secrets (as they are and percent-encoded),
    and what follows "Bearer " or "token:" / "authorization=" / "api_key:", become ``[redacted]``."""
    for secret in secrets:
        if secret:
            # The upstream may echo a secret as it was sent in a URL or a form: encoded.
            for form in {secret, quote(secret, safe=""), quote_plus(secret, safe="")}:
                text = text.replace(form, "[redacted]")
    return _CREDENTIAL.sub(lambda found: f"{found.group(1)}[redacted]", text)


def _upstream_message(body: Any) -> str:
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if isinstance(message, str):
            return message
    return ""


RETRYABLE_STATUSES = frozenset({429, 500, 502, 504})
