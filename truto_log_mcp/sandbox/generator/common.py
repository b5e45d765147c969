"""What every log type's generator shares: the seeded random stream, the time window, the output.

Why one object: all log types draw from a single ``random.Random(seed)``, so the order of the
draws across log types is part of the dataset. Every generator module takes the same
``Generation`` and draws through it; none of them keeps a random stream of its own.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Final

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.world import TRUTO_HOST

SECOND_MS: Final = 1_000
MINUTE_MS: Final = 60 * SECOND_MS
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
TRUTO_ORIGIN: Final = f"https://{TRUTO_HOST}"

_DIURNAL: Final = tuple(
    0.2 + 0.8 * math.exp(-((min(abs(hour - 15), 24 - abs(hour - 15)) / 4.5) ** 2)) for hour in range(24)
)
"""Relative activity per UTC hour: busiest mid-afternoon UTC, quiet at night."""

PHRASES: Final = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
HTTP_METHODS: Final = {"list": "GET", "get": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}
DASHBOARD_UA: Final = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
DASHBOARD_IPS: Final = (("203.0.113.24", "US"), ("198.51.100.7", "IN"))


def ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


class Generation:
    """One run of the generator: the random stream and its draws, the time window, the rows emitted.

    Every instant is in epoch milliseconds.
    """

    def __init__(self, seed: int, now: datetime, days: int, scale: float) -> None:
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.now = (now - _EPOCH) // timedelta(milliseconds=1)
        self.start = self.now - days * DAY_MS
        self.scale = max(scale, 0.0)
        self.out: dict[LogType, list[Row]] = {log_type: [] for log_type in LogType}
        self._hour_prefix: dict[int, str] = {}

    def emit(self, log_type: LogType, at: int, row: Row) -> None:
        if self.start <= at < self.now:
            self.out[log_type].append(row)

    def iso(self, at: int) -> str:
        hour, rest = divmod(at, HOUR_MS)
        prefix = self._hour_prefix.get(hour)
        if prefix is None:
            prefix = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:")
            self._hour_prefix[hour] = prefix
        minute, rest = divmod(rest, MINUTE_MS)
        second, milli = divmod(rest, SECOND_MS)
        return f"{prefix}{minute:02d}:{second:02d}.{milli:03d}Z"

    def between(self, lo: int, hi: int) -> int:
        """``random.randint`` without its overhead (same determinism: one ``random()`` draw)."""
        return lo + int(self._random() * (hi - lo + 1))

    def uuid(self) -> str:
        n = self.rng.getrandbits(128)
        n = (n & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ray(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    def count(self, per_day: float, lo: int, hi: int) -> int:
        expected = per_day * max(hi - lo, 0) / DAY_MS * self.scale
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def times(self, n: int, lo: int, hi: int) -> list[int]:
        """``n`` instants in [lo, hi), denser in busy hours."""
        rng, span = self.rng, hi - lo
        out: list[int] = []
        if span <= 0:
            return []
        while len(out) < n:
            at = lo + int(rng.random() * span)
            if rng.random() < _DIURNAL[(at // HOUR_MS) % 24]:
                out.append(at)
        out.sort()
        return out
