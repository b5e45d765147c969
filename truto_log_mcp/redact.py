"""Optional redaction of personal data in log rows (``--redact`` / ``TRUTO_REDACT=true``).

Rows carry end users' IP addresses (``http_ip``, messages) and e-mail addresses (URLs, provider
error texts). With redaction on, the client replaces them in every string of every row as the
row arrives, before anything else sees it: search tables, ``get_log``, error templates and
samples, traces. ``match.text`` therefore cannot find a redacted address.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

IP_MARK = "<ip>"
EMAIL_MARK = "<email>"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])")
_MAYBE = re.compile(r"[@.:]")


def redact_text(text: str) -> str:
    if not _MAYBE.search(text):  # most values contain none of these: skip the regexes
        return text
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _IPV4.sub(IP_MARK, text)
    return _IPV6_CANDIDATE.sub(_ipv6_mark, text)


def _ipv6_mark(found: re.Match[str]) -> str:
    """Only real IPv6 addresses: clock times ("06:28:27") match the pattern but do not parse."""
    try:
        ipaddress.IPv6Address(found.group(0))
    except ValueError:
        return found.group(0)
    return IP_MARK


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


def redact_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: redact_value(value) for key, value in row.items()}
