"""Redaction of log rows as they arrive, before anything else sees them (search tables, ``get_log``,
error templates and samples, group keys, traces): ``match.text`` therefore cannot find what is redacted.

* Always: the Truto tokens the server knows (the caller's and the server's own). Rows can hold
  them (an echoed URL, a logged header), and the README promises a token is never returned. Each
  becomes ``[redacted]`` as it is, percent-encoded (any character as itself or ``%XX``, either
  case; ``+`` for a space) and so also after ``Bearer``.
* Optionally (``--redact`` / ``TRUTO_REDACT=true``): personal data. Rows carry end users' IP
  addresses (``http_ip``, messages) and e-mail addresses (URLs, provider error texts).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

IP_MARK = "<ip>"
EMAIL_MARK = "<email>"
SECRET_MARK = "[redacted]"
MIN_SECRET_CHARS = 8
"""Shorter "tokens" are not redacted in rows: no Truto token is that short, and replacing a few common
characters everywhere would garble every row (the upstream refuses such a token anyway)."""

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


class RowRedactor:
    """What is redacted from the rows of one client: its secrets always, personal data when asked."""

    def __init__(self, secrets: Iterable[str] = (), personal: bool = False) -> None:
        kept = sorted({secret for secret in secrets if len(secret) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self._personal = personal
        self._pattern = re.compile("|".join(_any_encoding(secret) for secret in kept)) if kept else None
        self._anchors = tuple(_anchor(secret) for secret in kept)
        self._body_anchors = tuple(anchor.encode() for anchor in self._anchors)

    def needed(self, body: bytes) -> bool:
        """Whether a page's rows need redacting. A secret in a row always shows its anchor (its longest
        run of letters and digits, which no encoding here changes) in the body, unless a JSON ``\\u``
        escape spells it: a body with neither holds no secret, and the rows skip the per-value pass."""
        if self._personal:
            return True
        if self._pattern is None:
            return False
        return b"\\u" in body or any(anchor in body for anchor in self._body_anchors)

    def text(self, text: str) -> str:
        if self._pattern is not None and any(anchor in text for anchor in self._anchors):
            text = self._pattern.sub(SECRET_MARK, text)
        return redact_text(text) if self._personal else text

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key) if isinstance(key, str) else key: self.value(item) for key, item in value.items()}
        return value

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        return {self.text(key): self.value(value) for key, value in row.items()}


def _anchor(secret: str) -> str:
    return max(re.findall(r"[A-Za-z0-9]+", secret), key=len, default="")


def _any_encoding(secret: str) -> str:
    """A pattern for ``secret`` with each character as itself or percent-encoded (hex in either case)."""
    parts = []
    for char in secret:
        if char.isascii() and char.isalnum():
            parts.append(char)
            continue
        encoded = "".join(f"%[{byte >> 4:X}{byte >> 4:x}][{byte & 15:X}{byte & 15:x}]" for byte in char.encode())
        options = [re.escape(char), encoded, *([r"\+"] if char == " " else [])]
        parts.append("(?:" + "|".join(options) + ")")
    return "".join(parts)
