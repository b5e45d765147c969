"""Read every row of one log type in a window, fast and within budgets, streaming rows to a sink.

How (and why):

* The newest page of the window is read first. If it is the only one, that was the whole scan
  (one request). Otherwise the rest of the window is cut into sub-windows sized by the density
  that page showed: about three pages each, at most ``concurrency * 4``, none longer than 28 days
  (so the upstream's one-month rule holds for each even when the window is longer). Each is
  paged newest first with its own cursor; ``concurrency`` workers take sub-windows newest first.
  Several per worker keeps the workers busy when activity is uneven over time; a worker that
  finds the queue empty takes over the older half of the busiest running sub-window (which then
  stops at that cut), so no worker idles while one pages through a busy hour alone.
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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio

from truto_log_mcp.errors import AuthFailed, DeadlineExceeded, MalformedResponse, UpstreamError, UpstreamRejected
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.render.table import compact_json
from truto_log_mcp.rows import ProgressCallback, Row, RowSink, row_time
from truto_log_mcp.rules import PAGE_LIMIT_MAX
from truto_log_mcp.upstream.client import Deadline, Page, TrutoClient
from truto_log_mcp.upstream.windows import (
    LONGEST_PIECE,
    ScanBudget,
    ScanCoverage,
    ScanRequest,
    ScanStop,
    count_environment,
    merge_windows,
    split_window,
)

_EDGE = timedelta(milliseconds=1)
_STEAL_MIN_PAGES = 2.0
"""An idle worker splits a running sub-window only if about this many pages are left in it."""
_FATAL = (AuthFailed, UpstreamRejected)
"""Errors that every other sub-window would hit too: stop the scan and raise them."""


@dataclass(slots=True)
class _Piece:
    window: Window
    """The sub-window as requested upstream (fixed: its cursor is bound to it)."""
    oldest: bool
    started: bool = False
    done: bool = False
    oldest_seen: datetime | None = None
    failure: UpstreamError | None = None
    cut: datetime | None = None
    """Set when an idle worker took over the older part: rows older than this are not this piece's."""
    rows: int = 0

    @property
    def covered_start(self) -> datetime:
        return self.cut if self.cut is not None else self.window.start

    def wire_window(self) -> Window:
        start = self.window.start if self.oldest else self.window.start - _EDGE
        return Window(start, self.window.end)

    def unread(self) -> Window | None:
        if self.done:
            return None
        if self.oldest_seen is None:
            return Window(self.covered_start, self.window.end)
        return Window(self.covered_start, self.oldest_seen) if self.oldest_seen > self.covered_start else None

    def read_seconds(self) -> float:
        if self.done:
            return (self.window.end - self.covered_start).total_seconds()
        if self.oldest_seen is None:
            return 0.0
        return (self.window.end - self.oldest_seen).total_seconds()

    def pages_left(self) -> float:
        """Pages still to read, estimated from the density read so far (0 when unknown or not running)."""
        if not self.started or self.done or self.failure or self.oldest_seen is None or not self.rows:
            return 0.0
        read = (self.window.end - self.oldest_seen).total_seconds()
        left = (self.oldest_seen - self.covered_start).total_seconds()
        return self.rows / max(read, 0.001) * left / PAGE_LIMIT_MAX


@dataclass(slots=True)
class _Scan:
    client: TrutoClient
    request: ScanRequest
    sink: RowSink
    budget: ScanBudget
    deadline: Deadline
    on_progress: ProgressCallback | None
    pieces: list[_Piece]
    """Every sub-window, for coverage; ``queue`` holds those the workers still take."""
    queue: list[_Piece] = field(default_factory=list)
    boundaries: frozenset[datetime] = frozenset()
    rows: int = 0
    pages: int = 0
    stopped_by: ScanStop = "end"
    fatal: UpstreamError | None = None
    edge_seen: set[str] = field(default_factory=set)
    environments: dict[str, int] = field(default_factory=dict)
    next_piece: int = 0
    page_read: anyio.Event = field(default_factory=anyio.Event)
    """Set (and replaced) after every page: wakes idle workers to look for work again."""
    last_progress: float = 0.0

    def stopping(self) -> bool:
        return self.stopped_by != "end" or self.fatal is not None

    async def worker(self) -> None:
        while not self.stopping():
            piece = self.next_work()
            if piece is not None:
                await self.read_piece(piece)
            elif any(piece.started and not piece.done and not piece.failure for piece in self.pieces):
                await self.page_read.wait()  # a running sub-window may become worth splitting
            else:
                return

    def next_work(self) -> _Piece | None:
        """The next queued sub-window; when none is left, the older half of the busiest running one."""
        if self.next_piece < len(self.queue):
            self.next_piece += 1
            return self.queue[self.next_piece - 1]
        busiest = max(self.pieces, key=_Piece.pages_left, default=None)
        if busiest is None or busiest.pages_left() < _STEAL_MIN_PAGES or busiest.oldest_seen is None:
            return None
        # The running piece keeps its request (its cursor is bound to it) and stops at the cut;
        # the idle worker reads the older half as a new sub-window ending (exclusively) at the cut.
        cut = _floor_ms(busiest.covered_start + (busiest.oldest_seen - busiest.covered_start) / 2)
        if cut <= busiest.covered_start:
            return None
        older = _Piece(Window(busiest.covered_start, cut), oldest=busiest.oldest and busiest.cut is None)
        busiest.cut = cut
        self.boundaries = self.boundaries | {cut}
        self.pieces.append(older)
        return older

    async def read_piece(self, piece: _Piece, cursor: str | None = None) -> None:
        """Page one sub-window to its end (or until a budget or an error stops it)."""
        piece.started = True
        try:
            await self._page_through(piece, cursor)
        finally:
            self.wake_idle_workers()

    async def _page_through(self, piece: _Piece, cursor: str | None) -> None:
        used: set[str] = set()
        page = await self.fetch(piece, cursor)
        while page is not None and not self.stopping():
            if page.next_cursor is not None and page.next_cursor in used:
                piece.failure = MalformedResponse("Truto returned the same next_cursor twice; this sub-window was cut.")
                return
            ahead: list[Page | None] = []
            async with anyio.create_task_group() as group:
                if page.next_cursor is not None:
                    # Ask for the next page before reading this one: its latency overlaps the work here.
                    group.start_soon(self._fetch_into, ahead, piece, page.next_cursor)
                    await anyio.sleep(0)
                passed_cut = self.take_page(piece, page)
                if passed_cut:
                    group.cancel_scope.cancel()
            if page.next_cursor is None or passed_cut:
                piece.done = True
                await self.report_progress(force=False)
                return
            used.add(page.next_cursor)
            self.wake_idle_workers()
            await self.report_progress(force=False)
            page = ahead[0] if ahead else None

    def wake_idle_workers(self) -> None:
        """Idle workers wait for news: a page read (a piece may now be worth splitting) or a piece ended."""
        self.page_read.set()
        self.page_read = anyio.Event()

    async def _fetch_into(self, into: list[Page | None], piece: _Piece, cursor: str) -> None:
        into.append(await self.fetch(piece, cursor))

    def take_page(self, piece: _Piece, page: Page) -> bool:
        """Take a page's rows; True when it reached past the piece's cut (the piece is then done)."""
        passed_cut = False
        for row in page.rows:
            passed_cut = not self.take(piece, row) or passed_cut
        return passed_cut

    async def fetch(self, piece: _Piece, cursor: str | None) -> Page | None:
        """One page of a sub-window, or None when a budget or an error ends its reading (recorded)."""
        if self.rows >= self.budget.max_rows:
            self.stopped_by = "row_budget"
            return None
        if self.pages >= self.budget.max_pages:
            self.stopped_by = "page_budget"
            return None
        window = piece.wire_window()
        params = wire_params(self.request.log_type, window, self.request.filters, PAGE_LIMIT_MAX, cursor)
        try:
            page = await self.client.fetch_page(params, self.deadline)
        except _FATAL as error:
            self.fatal = error
            return None
        except DeadlineExceeded:
            self.stopped_by = "time_budget"
            return None
        except UpstreamError as error:
            piece.failure = error
            return None
        self.pages += 1
        return page

    def take(self, piece: _Piece, row: Row) -> bool:
        """Pass a row on (once); False when it lies past the piece's cut (another worker's part)."""
        moment = row_time(row)
        if moment is not None:
            if piece.cut is not None and moment < piece.cut:
                return False
            if piece.oldest_seen is None or moment < piece.oldest_seen:
                piece.oldest_seen = moment
            if self._near_boundary(moment):
                key = _row_key(row)
                if key in self.edge_seen:
                    return True
                self.edge_seen.add(key)
        piece.rows += 1
        self.rows += 1
        count_environment(self.environments, row)
        self.sink(row)
        return True

    def _near_boundary(self, moment: datetime) -> bool:
        floor = _floor_ms(moment)
        return floor in self.boundaries or floor + _EDGE in self.boundaries

    async def report_progress(self, force: bool) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if not force and now - self.last_progress < 0.25:
            return
        self.last_progress = now
        total = self.request.window.span.total_seconds()
        done = all(piece.done for piece in self.pieces)
        read = total if done else min(total, sum(piece.read_seconds() for piece in self.pieces))
        await self.on_progress(read, total)


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
    # The probe reads the newest part of the window; a window over 28 days is probed in its last 28.
    probe_start = max(request.window.start, request.window.end - LONGEST_PIECE)
    whole = _Piece(Window(probe_start, request.window.end), oldest=probe_start == request.window.start)
    scan = _Scan(
        client=client,
        request=request,
        sink=sink,
        budget=budget,
        deadline=deadline,
        on_progress=on_progress,
        pieces=[whole],
        boundaries=frozenset() if whole.oldest else frozenset([probe_start]),
    )
    with anyio.move_on_after(min(budget.max_seconds, deadline.remaining())) as timer:
        await _probe_then_split(scan, whole, concurrency)
    if timer.cancelled_caught and scan.stopped_by == "end":
        scan.stopped_by = "time_budget"
    if scan.fatal is not None:
        raise scan.fatal
    pieces = scan.pieces
    failures = [piece for piece in pieces if piece.failure is not None]
    if scan.pages == 0:
        # Nothing of the window could be read: that is an error to answer, not an empty analysis.
        if failures and failures[0].failure is not None:
            raise failures[0].failure
        if scan.stopped_by == "time_budget":
            raise (
                deadline.expired_error()
                if deadline.remaining() <= 0.05
                else DeadlineExceeded(
                    f"No page of the window could be read within the scan's time budget ({budget.max_seconds:.0f} s)."
                )
            )
    failed = tuple(f"{piece.window.describe()}: {piece.failure.tool_text()}" for piece in failures if piece.failure)
    await scan.report_progress(force=True)
    return ScanCoverage(
        log_type=request.log_type,
        window=request.window,
        rows_scanned=scan.rows,
        pages=scan.pages,
        sub_windows=len(pieces),
        stopped_by=scan.stopped_by,
        unread=merge_windows([gap for piece in pieces if (gap := piece.unread()) is not None]),
        failed=failed,
        environments=tuple(sorted(scan.environments.items(), key=lambda item: -item[1])),
    )


async def _probe_then_split(scan: _Scan, whole: _Piece, concurrency: int) -> None:
    """Read the newest page of the whole window; if more remain, split the rest by the density seen.

    A small window then costs one request, and a big one is cut into about three pages per
    sub-window (at most ``concurrency * 4`` sub-windows), newest first.
    """
    whole.started = True
    window_start = scan.request.window.start
    page = await scan.fetch(whole, None)
    if page is None:
        return
    for row in page.rows:
        scan.take(whole, row)
    if page.next_cursor is None:
        whole.done = True
        split = whole.window.start
        if split == window_start:
            return
    elif whole.oldest_seen is None:  # no readable timestamps: nothing to split by, page on
        await scan.read_piece(whole, page.next_cursor)
        return
    else:
        # Rows stamped in the oldest millisecond of this page may continue on the next: the rest
        # of the window includes that millisecond, and the rows of it already taken are remembered.
        oldest_ms = _floor_ms(whole.oldest_seen)
        split = oldest_ms + _EDGE
        scan.edge_seen.update(_row_key(row) for row in page.rows if _floor_ms_of(row) == oldest_ms)
    rest = Window(window_start, split)
    read_span = whole.window.end - split
    density = max(len(page.rows), 1) / PAGE_LIMIT_MAX
    pages_left = rest.span / read_span * density if read_span.total_seconds() > 0 else float(concurrency * 4)
    windows = split_window(rest, max(1, min(concurrency, math.ceil(pages_left / 3))))
    whole.window = Window(split, whole.window.end)
    whole.done = True
    # Newest first: when a budget stops the scan, what was read is the most recent activity.
    pieces = [_Piece(window, oldest=index == 0) for index, window in enumerate(windows)][::-1]
    scan.pieces += pieces
    scan.boundaries = scan.boundaries | {split, *(window.start for window in windows[1:])}
    scan.queue = pieces
    async with anyio.create_task_group() as workers:
        for _ in range(concurrency):
            workers.start_soon(scan.worker)


def _floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _floor_ms_of(row: Row) -> datetime | None:
    moment = row_time(row)
    return _floor_ms(moment) if moment is not None else None


def _row_key(row: Row) -> str:
    return hashlib.blake2b(compact_json(row).encode(), digest_size=12).hexdigest()


__all__ = ["ScanBudget", "ScanCoverage", "ScanRequest", "scan_window"]
