"""Read every row of one log type in a window, fast and within budgets, streaming rows to a sink.

How (and why):

* No probe round: the window is cut at once into ``concurrency`` sub-windows equal in time (none
  longer than 28 days, so the upstream's one-month rule holds for each, none under a minute), and
  every worker starts on one. Each is paged newest first with its own cursor, and a worker asks
  for its next page as soon as the current one arrives. A probe page alone would leave the other
  workers idle for a whole round, which on a sparse window is a fifth of the scan.
* Each page shows how dense the stretch next to what is left is (a full page: its older half). A
  worker that finishes its sub-window takes over the older part of the running one with the most
  rows left, cut so both end about together (``pieces.steal_cut``); the running one stops at the
  cut. The part taken carries the density it was cut by, so the next idle worker may cut it again
  before its first page comes: idle workers spread over a busy hour in the round its first page
  shows it. A burst's density is trusted for 48 pages of its rows, the page's overall density
  beyond (``pieces.BURST_PAGES``): trusted all the way, the cuts fell below a short burst, into
  quiet hours, and cost a round. So uneven activity (a daily cycle, one busy hour in a quiet week) keeps all workers
  busy until the end, and a sub-window is only added where it saves half a round or more: each
  one costs a part page, and a needless one at the end costs a round. A page that is mostly a batch
  of rows written in one millisecond says nothing of the time below it: an idle worker takes all of
  that at once (``pieces.batch_cut``), as the batch's pages come one a round.
* The upstream's ``created_at`` bounds are both exclusive, so a row stamped exactly on a boundary
  would fall between two sub-windows. Every sub-window but the oldest starts 1 ms before its
  boundary; rows within that millisecond are deduplicated (only they are remembered).
* All requests share the token's ``RateBudget`` (in the client), so concurrency never pushes
  the upstream past its limit.
* Rows go to ``sink`` one at a time and are dropped: memory does not grow with rows scanned.
* Budgets (rows, pages, seconds) stop the scan; the coverage then names what was not read.
  A sub-window that fails is reported as failed with its error (the part of it not read), and
  the rest is still read; only when nothing at all could be read is the error raised.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from datetime import datetime

import anyio

from truto_log_mcp.errors import AuthFailed, DeadlineExceeded, MalformedResponse, UpstreamError, UpstreamRejected
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.query.timeparse import Window, floor_ms
from truto_log_mcp.render.table import compact_json
from truto_log_mcp.rows import ProgressCallback, Row, RowSink, row_time
from truto_log_mcp.rules import PAGE_LIMIT_MAX
from truto_log_mcp.upstream.client import Deadline, Page, TrutoClient
from truto_log_mcp.upstream.pieces import EDGE, Piece, batch_cut, steal_cut
from truto_log_mcp.upstream.windows import (
    ScanBudget,
    ScanCoverage,
    ScanRequest,
    ScanStop,
    count_environment,
    merge_windows,
    split_window,
)

_FATAL = (AuthFailed, UpstreamRejected)
"""Errors that every other sub-window would hit too: stop the scan and raise them."""


@dataclass(slots=True)
class _Scan:
    client: TrutoClient
    request: ScanRequest
    sink: RowSink
    budget: ScanBudget
    deadline: Deadline
    on_progress: ProgressCallback | None
    concurrency: int
    pieces: list[Piece]
    """Every sub-window, for coverage; ``queue`` holds those the workers still take."""
    queue: list[Piece] = field(default_factory=list)
    boundaries: frozenset[datetime] = frozenset()
    rows: int = 0
    pages: int = 0
    in_flight: int = 0
    untaken: int = 0
    """Rows of pages that have come but are not taken yet (they count against the row budget)."""
    peak_in_flight: int = 0
    latency: float = 0.0
    """Seconds a page takes, on average over the last pages (0 until one has come)."""
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
            elif any(piece.running() for piece in self.pieces):
                await self.page_read.wait()  # a running sub-window may become worth splitting
            else:
                return

    def next_work(self) -> Piece | None:
        """The next queued sub-window; when none is left, the older part of the running one with most left."""
        if self.next_piece < len(self.queue):
            self.next_piece += 1
            return self.queue[self.next_piece - 1]
        for piece in self.pieces:
            if (cut := batch_cut(piece)) is not None:
                return self.split(piece, cut)
        busiest = max(self.pieces, key=Piece.rows_left, default=None)
        if busiest is None or self.latency <= 0:
            return None
        cut = steal_cut(busiest, self.arriving_in(busiest))
        return self.split(busiest, cut) if cut is not None else None

    def split(self, piece: Piece, cut: datetime) -> Piece:
        """The running piece keeps its request (its cursor is bound to it) and stops at ``cut``; the
        older part becomes a new sub-window ending (exclusively) at the cut."""
        older = Piece(Window(piece.covered_start, cut), oldest=piece.oldest and piece.cut is None)
        piece.cut = cut
        older.inherit(piece, (piece.top - cut).total_seconds())  # so it can be cut again before its first page
        self.boundaries = self.boundaries | {cut}
        self.pieces.append(older)
        return older

    def arriving_in(self, piece: Piece) -> float:
        """The share of a round until the piece's page on the way comes (0: now, 1: just asked)."""
        waited = anyio.current_time() - piece.asked_at
        return min(1.0, max(0.0, 1 - waited / self.latency))

    async def read_piece(self, piece: Piece) -> None:
        """Page one sub-window to its end (or until a budget, an error or a cut stops it)."""
        piece.started = True
        try:
            await self._page_through(piece)
        finally:
            self.wake_idle_workers()

    async def _page_through(self, piece: Piece) -> None:
        used: set[str] = set()
        page = await self.fetch(piece, None)
        while page is not None and not self.stopping():
            if page.next_cursor is not None and page.next_cursor in used:
                piece.failure = MalformedResponse("Truto returned the same next_cursor twice; this sub-window was cut.")
                self.untaken -= len(page.rows)  # never taken
                return
            last = page.next_cursor is None or _reaches_past(page, piece.cut)
            ahead: list[Page | None] = []
            async with anyio.create_task_group() as group:
                if not last:
                    # Ask for the next page before reading this one: its latency overlaps the work here.
                    group.start_soon(self._fetch_into, ahead, piece, page.next_cursor)
                    await anyio.sleep(0)
                passed_cut = self.take_page(piece, page)
                if passed_cut:  # cut while this page was on its way: the next one is another worker's
                    group.cancel_scope.cancel()
                piece.done = last or passed_cut
                # Now, not when the next page has come: idle workers judge by what this page showed.
                self.wake_idle_workers()
                await self.report_progress(force=False)
            if piece.done:
                return
            assert page.next_cursor is not None
            used.add(page.next_cursor)
            page = ahead[0] if ahead else None

    def wake_idle_workers(self) -> None:
        """Idle workers wait for news: a page read (a piece may now be worth splitting) or a piece ended."""
        self.page_read.set()
        self.page_read = anyio.Event()

    async def _fetch_into(self, into: list[Page | None], piece: Piece, cursor: str | None) -> None:
        into.append(await self.fetch(piece, cursor))

    def take_page(self, piece: Piece, page: Page) -> bool:
        """Take a page's rows; True when it reached past the piece's cut (the piece is then done)."""
        passed_cut = False
        moments: list[datetime] = []
        for row in page.rows:
            moment = row_time(row)
            if moment is not None:
                moments.append(moment)
            passed_cut = not self.take(piece, row, moment) or passed_cut
        piece.note_page(moments)
        piece.pages += 1
        self.untaken -= len(page.rows)
        return passed_cut

    async def fetch(self, piece: Piece, cursor: str | None) -> Page | None:
        """One page of a sub-window, or None when a budget or an error ends its reading (recorded)."""
        # Pages on their way count against the budgets as full, pages come but not yet taken as they
        # are: 8 first pages at once must not read 800 rows of a budget of 100. While they may still
        # come back short, wait for them.
        while self.rows + self.untaken + self.in_flight * PAGE_LIMIT_MAX >= self.budget.max_rows or (
            self.pages + self.in_flight >= self.budget.max_pages
        ):
            if self.rows >= self.budget.max_rows:
                self.stopped_by = "row_budget"
                return None
            if self.pages >= self.budget.max_pages:
                self.stopped_by = "page_budget"
                return None
            await self.page_read.wait()
            if self.stopping():
                return None
        window = piece.wire_window()
        params = wire_params(self.request.log_type, window, self.request.filters, PAGE_LIMIT_MAX, cursor)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        piece.asked_at = asked_at = anyio.current_time()
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
        finally:
            self.in_flight -= 1
        self.pages += 1
        self.untaken += len(page.rows)
        took = anyio.current_time() - asked_at
        self.latency = took if self.pages == 1 else self.latency + (took - self.latency) / min(self.pages, 16)
        return page

    def take(self, piece: Piece, row: Row, moment: datetime | None) -> bool:
        """Pass a row (stamped ``moment``) on once; False when it lies past the piece's cut (another worker's part)."""
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
        floor = floor_ms(moment)
        return floor in self.boundaries or floor + EDGE in self.boundaries

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
    expected_rows: float | None = None,
) -> ScanCoverage:
    """Every row of the request's window to ``sink``, ``concurrency`` requests at a time.

    ``expected_rows``: an estimate of the window's rows when one is known (the scan cache knows its
    neighbours' density): a window expected to fit in a few pages starts with as few sub-windows, not
    one per worker (a 5-minute edge costs one request, not eight); idle workers still cut a piece once
    its pages show it is denser."""
    first_pieces = concurrency
    if expected_rows is not None:
        first_pieces = max(1, min(concurrency, math.ceil(expected_rows / PAGE_LIMIT_MAX)))
    windows = split_window(request.window, first_pieces)
    # Newest first: when a budget stops the scan, the newest part of each sub-window was read.
    pieces = [Piece(window, oldest=index == 0) for index, window in enumerate(windows)][::-1]
    scan = _Scan(
        client=client,
        request=request,
        sink=sink,
        budget=budget,
        deadline=deadline,
        on_progress=on_progress,
        concurrency=max(1, concurrency),
        pieces=list(pieces),
        queue=pieces,
        boundaries=frozenset(window.start for window in windows[1:]),
    )
    started = time.monotonic()
    with anyio.move_on_after(min(budget.max_seconds, deadline.remaining())) as timer:
        async with anyio.create_task_group() as workers:
            for _ in range(max(1, concurrency)):
                workers.start_soon(scan.worker)
    if timer.cancelled_caught and scan.stopped_by == "end":
        scan.stopped_by = "time_budget"
    if scan.fatal is not None:
        raise scan.fatal
    failures = [piece for piece in scan.pieces if piece.failure is not None]
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
    failed = tuple(
        f"{(piece.unread() or piece.window).describe()}: {piece.failure.tool_text()}"
        for piece in failures
        if piece.failure
    )
    await scan.report_progress(force=True)
    return ScanCoverage(
        log_type=request.log_type,
        window=request.window,
        rows_scanned=scan.rows,
        pages=scan.pages,
        sub_windows=len(scan.pieces),
        stopped_by=scan.stopped_by,
        unread=merge_windows([gap for piece in scan.pieces if (gap := piece.unread()) is not None]),
        failed=failed,
        environments=tuple(sorted(scan.environments.items(), key=lambda item: -item[1])),
        seconds=time.monotonic() - started,
        peak_in_flight=scan.peak_in_flight,
    )


def _reaches_past(page: Page, cut: datetime | None) -> bool:
    """Whether the page's oldest row lies before ``cut``: the piece ends with it."""
    if cut is None:
        return False
    times = [moment for row in page.rows if (moment := row_time(row)) is not None]
    return bool(times) and min(times) < cut


def _row_key(row: Row) -> str:
    return hashlib.blake2b(compact_json(row).encode(), digest_size=12).hexdigest()


__all__ = ["ScanBudget", "ScanCoverage", "ScanRequest", "scan_window"]
