"""Opaque ``next_cursor`` values: a keyset position bound to the query that produced it.

Why bound: a client that pages with different filters, window or log type than the first page
(a real bug: the SDKs resend every filter with the cursor) must get a 400, not silently wrong
rows. The cursor is base64url JSON of the position plus a hash of the query; clients must treat
it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping

from truto_log_mcp.sandbox.dataset import Key


class CursorError(ValueError):
    """The cursor is not one this sandbox issued."""


def query_fingerprint(log_type: str, window: tuple[int, int] | None, filters: Mapping[str, str]) -> str:
    canonical = json.dumps([log_type, list(window) if window else None, sorted(filters.items())])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(key: Key, fingerprint: str) -> str:
    payload = json.dumps({"v": 1, "ts": key[0], "seq": key[1], "q": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Key, str]:
    """(keyset position, query fingerprint); CursorError when it is not a cursor we issued."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise CursorError("not a cursor") from error
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise CursorError("not a cursor")
    ts, seq, fingerprint = payload.get("ts"), payload.get("seq"), payload.get("q")
    if type(ts) is int and type(seq) is int and isinstance(fingerprint, str):
        return (ts, seq), fingerprint
    raise CursorError("not a cursor")
