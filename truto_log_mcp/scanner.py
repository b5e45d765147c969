"""Read every row of one log type in a window, fast and within budgets, streaming rows to a sink.

How (and why):

* The window is cut into sub-windows (``concurrency * 4`` of them, none longer than 28 days, so
  the upstream's one-month rule holds for each even when the whole window is longer). Each is
  paged newest first with its own cursor; ``concurrency`` workers take sub-windows newest first.
  Several per worker keeps the workers busy when activity is uneven over time.
* The upstream's ``created_at`` bounds are both exclusive, so a row stamped exactly on a boundary
  would fall between two sub-windows. Every sub-window but the oldest starts 1 ms before its
  boundary; rows within that millisecond are deduplicated (only they are remembered).
* All requests share the token's ``RateBudget`` (in the client), so concurrency never pushes
  the upstream past its limit.
* Rows go to ``sink`` one at a time and are dropped: memory does not grow with rows scanned.
* Budgets (rows, pages, seconds) stop the scan; the coverage then names what was not read.
  A sub-window that fails is reported as failed with its error, and the rest is still read;
  only when nothing at all could be read is the error raised.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import anyio

from truto_log_mcp.client import Deadline, TrutoClient
from truto_log_mcp.errors import AuthFailed, DeadlineExceeded, MalformedResponse, UpstreamError, UpstreamRejected
from truto_log_mcp.query import wire_params
from truto_log_mcp.render import compact_json
from truto_log_mcp.rules import PAGE_LIMIT_MAX, LogType
from truto_log_mcp.timeparse import Window

Row = dict[str, Any]
RowSink = Callable[[Row], None]
ProgressCallback = Callable[[float, float], Awaitable[None]]
"""Called with (seconds of the window read, seconds of the window in all)."""

ScanStop = Literal["end", "row_budget", "page_budget", "time_budget"]

_EDGE = timedelta(milliseconds=1)
_LONGEST_PIECE = timedelta(days=28)
_SHORTEST_PIECE = timedelta(minutes=1)
_FATAL = (AuthFailed, UpstreamRejected)
"""Errors that every other sub-window would hit too: stop the scan and raise them."""


@dataclass(frozen=True, slots=True)
class ScanBudget:
    max_rows: int = 50_000
    max_pages: int = 600
    max_seconds: float = 50.0


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
    """Each failed sub-window: its interval and the error."""

    @property
    def complete(self) -> bool:
        return not self.unread


@dataclass(slots=True)
class _Piece:
    window: Window
    oldest: bool
    started: bool = False
    done: bool = False
    oldest_seen: datetime | None = None
    error: str | None = None

    def wire_window(self) -> Window:
        start = self.window.start if self.oldest else self.window.start - _EDGE
        return Window(start, self.window.end)

    def unread(self) -> Window | None:
        if self.done:
            return None
        if self.oldest_seen is None:
            return self.window
        return Window(self.window.start, self.oldest_seen) if self.oldest_seen > self.window.start else None

    def read_seconds(self) -> float:
        if self.done:
            return self.window.span.total_seconds()
        if self.oldest_seen is None:
            return 0.0
        return (self.window.end - self.oldest_seen).total_seconds()


def split_window(window: Window, pieces: int) -> list[Window]:
    """Equal sub-windows, oldest first: at least ``pieces`` if they stay over a minute, none over 28 days."""
    span = window.span
    count = max(1, min(pieces, int(span / _SHORTEST_PIECE)))
    count = max(count, math.ceil(span / _LONGEST_PIECE))
    step = span / count
    bounds = [window.start + step * index for index in range(count)] + [window.end]
    bounds = [moment.replace(microsecond=moment.microsecond // 1000 * 1000) for moment in bounds]
    return [Window(bounds[i], bounds[i + 1]) for i in range(count) if bounds[i + 1] > bounds[i]]


@dataclass(slots=True)
class _Scan:
    client: TrutoClient
    request: ScanRequest
    sink: RowSink
    budget: ScanBudget
    deadline: Deadline
    on_progress: ProgressCallback | None
    pieces: list[_Piece]
    boundaries: frozenset[datetime]
    rows: int = 0
    pages: int = 0
    stopped_by: ScanStop = "end"
    fatal: UpstreamError | None = None
    edge_seen: set[str] = field(default_factory=set)
    next_piece: int = 0
    last_progress: float = 0.0

    def stopping(self) -> bool:
        return self.stopped_by != "end" or self.fatal is not None

    async def worker(self) -> None:
        while not self.stopping() and self.next_piece < len(self.pieces):
            piece = self.pieces[self.next_piece]
            self.next_piece += 1
            await self.read_piece(piece)

    async def read_piece(self, piece: _Piece) -> None:
        piece.started = True
        cursor: str | None = None
        used: set[str] = set()
        window = piece.wire_window()
        while not self.stopping():
            if self.rows >= self.budget.max_rows:
                self.stopped_by = "row_budget"
                return
            if self.pages >= self.budget.max_pages:
                self.stopped_by = "page_budget"
                return
            params = wire_params(self.request.log_type, window, self.request.filters, PAGE_LIMIT_MAX, cursor)
            try:
                page = await self.client.fetch_page(params, self.deadline)
                if page.next_cursor is not None and page.next_cursor in used:
                    raise MalformedResponse("Truto returned the same next_cursor twice; this sub-window was cut.")
            except _FATAL as error:
                self.fatal = error
                return
            except DeadlineExceeded:
                self.stopped_by = "time_budget"
                return
            except UpstreamError as error:
                piece.error = error.tool_text()
                return
            self.pages += 1
            for row in page.rows:
                self.take(piece, row)
            if page.next_cursor is None:
                piece.done = True
                await self.report_progress(force=False)
                return
            used.add(page.next_cursor)
            cursor = page.next_cursor
            await self.report_progress(force=False)

    def take(self, piece: _Piece, row: Row) -> None:
        moment = _timestamp(row)
        if moment is not None:
            if piece.oldest_seen is None or moment < piece.oldest_seen:
                piece.oldest_seen = moment
            if self._near_boundary(moment):
                key = hashlib.blake2b(compact_json(row).encode(), digest_size=12).hexdigest()
                if key in self.edge_seen:
                    return
                self.edge_seen.add(key)
        self.rows += 1
        self.sink(row)

    def _near_boundary(self, moment: datetime) -> bool:
        floor = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        return floor in self.boundaries or floor + _EDGE in self.boundaries

    async def report_progress(self, force: bool) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if not force and now - self.last_progress < 0.25:
            return
        self.last_progress = now
        read = sum(piece.read_seconds() for piece in self.pieces)
        await self.on_progress(read, self.request.window.span.total_seconds())


def _timestamp(row: Row) -> datetime | None:
    value = row.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


async def scan_window(
    client: TrutoClient,
    request: ScanRequest,
    sink: RowSink,
    *,
    budget: ScanBudget,
    concurrency: int,
    deadline: Deadline,
    on_progress: ProgressCallback | None = None,
) -> ScanCoverage:
    windows = split_window(request.window, concurrency * 4)
    # Newest first: when a budget stops the scan, what was read is the most recent activity.
    pieces = [_Piece(window, oldest=index == 0) for index, window in enumerate(windows)][::-1]
    scan = _Scan(
        client=client,
        request=request,
        sink=sink,
        budget=budget,
        deadline=deadline,
        on_progress=on_progress,
        pieces=pieces,
        boundaries=frozenset(window.start for window in windows[1:]),
    )
    seconds = min(budget.max_seconds, deadline.remaining())
    with anyio.move_on_after(seconds) as timer:
        async with anyio.create_task_group() as workers:
            for _ in range(min(concurrency, len(pieces))):
                workers.start_soon(scan.worker)
    if timer.cancelled_caught and scan.stopped_by == "end":
        scan.stopped_by = "time_budget"
    if scan.fatal is not None:
        raise scan.fatal
    failed = tuple(f"{piece.window.describe()}: {piece.error}" for piece in pieces if piece.error)
    if failed and scan.rows == 0 and all(piece.error for piece in pieces if piece.started):
        first = next(piece.error for piece in pieces if piece.error)
        raise UpstreamError(f"No part of the window could be read: {first}")
    await scan.report_progress(force=True)
    return ScanCoverage(
        log_type=request.log_type,
        window=request.window,
        rows_scanned=scan.rows,
        pages=scan.pages,
        sub_windows=len(pieces),
        stopped_by=scan.stopped_by,
        unread=_merge([gap for piece in pieces if (gap := piece.unread()) is not None]),
        failed=failed,
    )


def _merge(gaps: list[Window]) -> tuple[Window, ...]:
    merged: list[Window] = []
    for gap in sorted(gaps, key=lambda window: window.start):
        if merged and gap.start <= merged[-1].end:
            merged[-1] = Window(merged[-1].start, max(merged[-1].end, gap.end))
        else:
            merged.append(gap)
    return tuple(merged)


def describe_coverage(coverage: ScanCoverage) -> str:
    """One sentence on what a scan read, for the text answer."""
    text = (
        f"Scanned {coverage.rows_scanned} {coverage.log_type.value} rows in {coverage.pages} pages over "
        f"{coverage.window.describe()}"
    )
    if coverage.complete:
        return text + " (complete)."
    unread = ", ".join(gap.describe() for gap in coverage.unread[:3])
    more = f" and {len(coverage.unread) - 3} more" if len(coverage.unread) > 3 else ""
    reason = {
        "row_budget": "the row budget",
        "page_budget": "the page budget",
        "time_budget": "the time budget",
        "end": "failures",
    }[coverage.stopped_by]
    return text + f"; PARTIAL: stopped by {reason}, not read: {unread}{more}."


__all__ = ["ScanBudget", "ScanCoverage", "ScanRequest", "describe_coverage", "scan_window", "split_window"]
