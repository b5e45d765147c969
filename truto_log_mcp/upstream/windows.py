"""What a window scan is asked (``ScanRequest``, ``ScanBudget``) and answers (``ScanCoverage``),
and the window arithmetic it needs: splitting a window into sub-windows, merging unread gaps."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from truto_log_mcp.query.timeparse import Window, floor_ms
from truto_log_mcp.rules import LogType

ScanStop = Literal["end", "row_budget", "page_budget", "time_budget"]

LONGEST_PIECE = timedelta(days=28)
SHORTEST_PIECE = timedelta(minutes=1)
ENVIRONMENTS_CAP = 20


@dataclass(frozen=True, slots=True)
class ScanBudget:
    max_rows: int = 50_000
    max_pages: int = 600
    max_seconds: float = 30.0
    """A scan's own time limit (``TRUTO_SCAN_MAX_SECONDS``), inside the call's deadline."""


@dataclass(frozen=True, slots=True)
class ScanRequest:
    log_type: LogType
    window: Window
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ScanCoverage:
    log_type: LogType
    window: Window
    rows_scanned: int
    pages: int
    sub_windows: int
    stopped_by: ScanStop
    unread: tuple[Window, ...]
    failed: tuple[str, ...]
    """Each failed sub-window: its interval not read and the error."""
    cached: tuple[Window, ...] = ()
    """The parts answered from the scan cache (``upstream/scan_cache.py``), not read upstream."""
    cache_age: timedelta | None = None
    """How long ago the oldest of them was read."""
    environments: tuple[tuple[str, int], ...] = ()
    """The rows read per ``environment_id``, most rows first (at most ``ENVIRONMENTS_CAP``, then "(other)")."""
    notes: tuple[str, ...] = ()
    """What else the reader should know about how the window was read (a budget not shared, ...)."""
    seconds: float = 0.0
    """How long the scan took."""
    peak_in_flight: int = 0
    """The most requests the scan had on the way at once."""

    @property
    def complete(self) -> bool:
        return not self.unread


def split_window(window: Window, pieces: int) -> list[Window]:
    """Equal sub-windows, oldest first: at least ``pieces`` if they stay over a minute, none over 28 days."""
    span = window.span
    count = max(1, min(pieces, int(span / SHORTEST_PIECE)))
    count = max(count, math.ceil(span / LONGEST_PIECE))
    step = span / count
    bounds = [window.start + step * index for index in range(count)] + [window.end]
    bounds = [floor_ms(moment) for moment in bounds]
    return [Window(bounds[i], bounds[i + 1]) for i in range(count) if bounds[i + 1] > bounds[i]]


def merge_windows(gaps: list[Window]) -> tuple[Window, ...]:
    """The gaps as disjoint windows, oldest first."""
    merged: list[Window] = []
    for gap in sorted(gaps, key=lambda window: window.start):
        if merged and gap.start <= merged[-1].end:
            merged[-1] = Window(merged[-1].start, max(merged[-1].end, gap.end))
        else:
            merged.append(gap)
    return tuple(merged)


def count_environment(counts: dict[str, int], row: Mapping[str, Any]) -> None:
    """Count a row under its ``environment_id`` (bounded: past ``ENVIRONMENTS_CAP`` ids, under "(other)")."""
    environment = row.get("environment_id")
    if not isinstance(environment, str) or not environment:
        return
    if environment not in counts and len(counts) >= ENVIRONMENTS_CAP:
        environment = "(other)"
    counts[environment] = counts.get(environment, 0) + 1
