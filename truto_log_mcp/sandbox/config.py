"""The sandbox's knobs and test controls, as plain data.

Kept apart from the app so that the CLI (``truto-log-mcp sandbox``), the demo, the benchmarks and
the tests can build a configuration, script faults and read the request log without importing
Starlette or generating any data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from truto_log_mcp.rules import UPSTREAM_RATE_LIMIT, LogType

SANDBOX_TOKEN: Final = "sandbox-token"
"""The only bearer token the sandbox accepts unless ``SandboxConfig.token`` says otherwise."""


@dataclass(slots=True)
class Fault:
    """One scripted misbehaviour, consumed by the next ``GET /log`` request (before auth).

    - ``hang_s``: sleep that long first (cancellable); with nothing else set the request is then
      answered normally.
    - ``status``: answer that status with the three-field error body (``Retry-After`` if
      ``retry_after`` is set).
    - ``body``: send these raw bytes as ``application/json`` (status 200, or ``status`` if set):
      for malformed or wrongly shaped answers.
    - ``headers``: extra response headers (``Set-Cookie``, ...) on whatever the request is answered.
    """

    status: int | None = None
    retry_after: float | None = None
    hang_s: float | None = None
    body: bytes | None = None
    headers: dict[str, str] | None = None


@dataclass(slots=True)
class SandboxConfig:
    now: datetime | None = None
    """The dataset's "now" (naive means UTC). None: the current UTC time when the app is created."""
    seed: int = 7
    days: int = 14
    """How many days of activity before ``now`` are generated."""
    scale: float = 1.0
    """Multiplies the background row volume (the planted stories keep their size)."""
    latency_s: float = 0.0
    """Added to every request."""
    token: str = SANDBOX_TOKEN
    row_shape: Literal["flat", "nested"] = "flat"
    """``nested``: rows as ``{"_id", "timestamp", "metadata": {...}}`` like some Truto docs show."""
    rate_limit: tuple[int, float] | None = UPSTREAM_RATE_LIMIT
    """Requests admitted per sliding window of seconds, per token; then 429 with ``Retry-After``."""
    extra_rows: dict[LogType, list[dict[str, Any]]] | None = None
    """Planted flat rows (each needs a ``timestamp``), merged into the generated ones."""
    generate: bool = True
    """False: serve only ``extra_rows``."""


@dataclass(slots=True)
class RecordedRequest:
    """One request as the sandbox received it (rejected ones included)."""

    at: float
    """``time.monotonic()`` on arrival."""
    method: str
    path: str
    params: list[tuple[str, str]]
    """Query parameters, percent-decoded, in arrival order."""
    headers: dict[str, str]
    """Lower-cased header names."""
    raw_query: str = ""
    """The query string exactly as sent (still percent-encoded)."""
    status: int | None = None
    """The status answered (None while the request is in flight)."""
    fault: Fault | None = field(default=None)
    """The scripted fault this request consumed, if any."""
