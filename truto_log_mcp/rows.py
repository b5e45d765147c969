"""The shared vocabulary of every layer that handles log rows: the row type, a row's time, and
the callbacks through which scans stream rows and report progress.

Rows are flat JSON objects as ``GET /log`` returns them (nested rows are flattened on arrival).
Their ``timestamp`` is ISO 8601; a naive one means UTC, so every time read from a row here is
aware, and rows compare safely with windows and with each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]
"""One log row: field name -> JSON value."""

RowSink = Callable[[Row], None]
"""Receives the rows of a scan, one at a time (the scanner keeps none of them)."""

ProgressCallback = Callable[[float, float], Awaitable[None]]
"""Called as a scan advances with (seconds of the window read, seconds in all)."""

PageProgress = Callable[[int, int], Awaitable[None]]
"""Called after each upstream page of a search with (pages read, rows scanned) by this call."""


def parse_row_time(value: Any) -> datetime | None:
    """A row time (ISO 8601 text, or a datetime) as an aware UTC-based datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def row_time(row: Row) -> datetime | None:
    """The row's ``timestamp`` (see ``parse_row_time``)."""
    return parse_row_time(row.get("timestamp"))
