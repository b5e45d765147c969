"""A window scan that answers what the scan cache holds and reads only the rest upstream.

The window is cut into the parts the cache holds (``ScanCache.lookup``) and the gaps between them
(usually one: the newest minutes, never cached). The cached rows go to the sink while the gaps are
read by ``scanner.scan_window``, newest first, one after the other with what is left of the budget;
what a gap read completely is kept for the next scan. The sink sees exactly the rows an uncached
scan of the window would pass it (``start < timestamp < end``: the upstream's bounds are exclusive,
and it reads them to the millisecond), each once:

* a cached range holds ``start <= timestamp < end``; a gap is read upstream from 1 ms before its
  start (the upstream's lower bound is exclusive) and the rows before its start are dropped: they
  belong to the range before it, or lie before the window;
* rows stamped exactly at the window's start are kept in the cache (a later window may start
  earlier) but not passed on.

The coverage counts every row passed on (``rows_scanned``), the upstream's pages only, and names
the cached parts and how old they are. A gap that fails is reported as failed and unread; the
error is raised only when the window had nothing cached and could not be read at all, as without
the cache.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import anyio

from truto_log_mcp.errors import AuthFailed, DeadlineExceeded, UpstreamError, UpstreamRejected
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.query.timeparse import Window, floor_ms, iso
from truto_log_mcp.rows import ProgressCallback, Row, RowSink, row_time
from truto_log_mcp.upstream.cache_capture import Capture, decode_rows
from truto_log_mcp.upstream.client import Deadline, TrutoClient
from truto_log_mcp.upstream.scan_cache import CachedRange, Lookup, ScanCache
from truto_log_mcp.upstream.scanner import scan_window
from truto_log_mcp.upstream.single_flight import Claim, wait_bound
from truto_log_mcp.upstream.windows import (
    ScanBudget,
    ScanCoverage,
    ScanRequest,
    ScanStop,
    count_environment,
    merge_windows,
)

logger = logging.getLogger(__name__)

_EDGE = timedelta(milliseconds=1)
_COMPRESS_EVERY_S = 0.02
"""How often the rows a gap's read captured are handed to the compressing thread."""


@dataclass(slots=True)
class _CachedScan:
    cache: ScanCache
    namespace: str
    now: datetime
    client: TrutoClient
    request: ScanRequest
    window: Window
    """The request's window as the upstream reads it: both ends in whole milliseconds."""
    sink: RowSink
    budget: ScanBudget
    concurrency: int
    deadline: Deadline
    on_progress: ProgressCallback | None
    upstream_max_rows: int
    """The row budget left for the gaps: the cached rows count first (an upper bound: a range may be used in part)."""
    rows_per_second: float | None = None
    """The cached ranges' density, if any: how many rows a gap probably holds (how finely to split it)."""
    density_seconds: float = 0.0
    """The span of the cached ranges that density was measured over."""
    rows: int = 0
    """Rows passed on, cached or read."""
    upstream_rows: int = 0
    pages: int = 0
    sub_windows: int = 0
    stopped_by: ScanStop = "end"
    unread: list[Window] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    reads: list[tuple[Capture, tuple[Window, ...]]] = field(default_factory=list)
    """Each gap read: what it captured for the cache and what it left unread."""
    environments: dict[str, int] = field(default_factory=dict)
    """Rows passed on per ``environment_id`` (as the scanner counts them)."""
    seconds_done: float = 0.0
    started: float = field(default_factory=time.monotonic)
    claim: Claim | None = None
    """This scan's claim on what it reads (``single_flight``): released early when a read will keep nothing."""

    def pass_on(self, row: Row) -> None:
        count_environment(self.environments, row)
        self.sink(row)

    async def deliver(self, cached: CachedRange, part: Window, value: bytes) -> bool:
        """Pass on the rows of ``part`` of a cached range; False when its value is unreadable."""
        rows = decode_rows(value) if cached.rows else []
        if rows is None:
            return False
        window_start = self.window.start
        if part == cached.window and part.start > window_start:
            for row in rows:
                self.pass_on(row)
            self.rows += len(rows)
        else:
            for row in rows:
                moment = row_time(row)
                if moment is not None and part.start <= moment < part.end and moment > window_start:
                    self.pass_on(row)
                    self.rows += 1
        await self.progress(part.span.total_seconds())
        return True

    async def read_gaps(self, gaps: list[Window], alone: bool) -> None:
        """Read the gaps upstream, newest first, within what is left of the budget; ``alone``: nothing
        of the window came from the cache (an error that prevents all reading is then raised)."""
        for gap in sorted(gaps, key=lambda gap: gap.end, reverse=True):
            if self.stopped_by == "end":
                self.stopped_by = self.budget_spent() or "end"
            if self.stopped_by != "end":
                self.unread.append(gap)  # a budget ran out: the older gaps are not read
                continue
            await self.read_gap(gap, alone and len(gaps) == 1)

    def budget_spent(self) -> ScanStop | None:
        """Which budget the gaps read so far have used up, if any."""
        if self.upstream_rows >= self.upstream_max_rows:
            return "row_budget"
        if self.pages >= self.budget.max_pages:
            return "page_budget"
        if time.monotonic() - self.started >= self.budget.max_seconds:
            return "time_budget"
        return None

    async def read_gap(self, gap: Window, alone: bool) -> None:
        # The upstream's bounds are exclusive and a range holds its start: a gap is read from 1 ms before
        # its start, and the rows before its start are dropped (the cached range's, or before the window).
        # Rows on the window's start are kept in the cache (a later window may start earlier), not passed on.
        wire = Window(gap.start - _EDGE, gap.end)
        capture = self.cache.capture(gap, self.now)
        window_start = self.window.start
        passed = 0

        def take(row: Row) -> None:
            nonlocal passed
            moment = row_time(row)
            if moment is not None and moment < gap.start:
                return
            capture.add(moment, row)
            if moment is None or moment > window_start:
                passed += 1
                self.pass_on(row)

        async def report(done: float, total: float) -> None:
            await self.progress(0.0, min(done, gap.span.total_seconds()))

        budget = ScanBudget(
            max_rows=self.upstream_max_rows - self.upstream_rows,
            max_pages=self.budget.max_pages - self.pages,
            max_seconds=self.budget.max_seconds - (time.monotonic() - self.started),
        )
        reading = True

        async def compress_while_reading() -> None:
            # Never cancelled: a frame taken for compression must reach its cell.
            while reading:
                if capture.spoiled:  # nothing will be kept: a scan waiting for this read had better read itself
                    self.cache.in_flight.release(self.claim)
                await capture.compress_frames()
                await anyio.sleep(_COMPRESS_EVERY_S)

        failure: UpstreamError | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(compress_while_reading)
            try:
                coverage = await scan_window(
                    self.client,
                    ScanRequest(self.request.log_type, wire, self.request.filters),
                    take,
                    budget=budget,
                    concurrency=self.concurrency,
                    deadline=self.deadline,
                    on_progress=report if self.on_progress is not None else None,
                    expected_rows=self.expected_rows(gap),
                )
            except UpstreamError as error:  # handled below, not wrapped in an exception group
                failure = error
            finally:
                reading = False
        if failure is not None:
            if isinstance(failure, AuthFailed | UpstreamRejected) or alone:
                raise failure
            if isinstance(failure, DeadlineExceeded):
                self.stopped_by = "time_budget"
            self.rows += passed
            self.upstream_rows += passed
            self.unread.append(gap)
            self.failed.append(f"{gap.describe()}: {failure.tool_text()}")
            return
        self.rows += passed
        self.upstream_rows += coverage.rows_scanned
        self.pages += coverage.pages
        self.sub_windows += coverage.sub_windows
        if coverage.stopped_by != "end":
            self.stopped_by = coverage.stopped_by
        self.unread += [part for gap_part in coverage.unread if (part := _clip(gap_part, gap)) is not None]
        # A failed sub-window is named by its interval: the gap's start, not the millisecond before it.
        self.failed += [_renamed(text, wire.start, gap.start) for text in coverage.failed]
        self.reads.append((capture, coverage.unread))
        await self.progress(gap.span.total_seconds())

    def expected_rows(self, gap: Window) -> float | None:
        """How many rows the gap probably holds, when the cached ranges say: only for a gap no longer than
        they are. Ten quiet minutes say nothing of the week before them, and a gap guessed short is read
        with one sub-window instead of one per worker."""
        if self.rows_per_second is None or gap.span.total_seconds() > self.density_seconds:
            return None
        return self.rows_per_second * gap.span.total_seconds()

    async def progress(self, seconds: float, running: float = 0.0) -> None:
        """``seconds`` more of the window done (``running``: of the gap being read, not yet done)."""
        self.seconds_done += seconds
        if self.on_progress is not None:
            total = self.request.window.span.total_seconds()
            await self.on_progress(min(total, self.seconds_done + running), total)


async def cached_scan(
    cache: ScanCache,
    namespace: str,
    now: datetime,
    client: TrutoClient,
    request: ScanRequest,
    sink: RowSink,
    *,
    budget: ScanBudget,
    concurrency: int,
    deadline: Deadline,
    on_progress: ProgressCallback | None = None,
) -> ScanCoverage:
    """``scan_window``'s answer for ``request``, from the cache under ``namespace`` (the reading token's)
    where it holds the rows and upstream for the rest; ``now``: the time of the call (ages, what settled).

    A read of the same namespace and key in flight in this process that overlaps the window's settled
    part is waited for first (``single_flight``; at most half of what the budget and deadline leave):
    its ranges are then answered from the cache."""
    # The upstream reads times to the millisecond (``iso``): so do the cache's ranges and gaps.
    window = Window(floor_ms(request.window.start), floor_ms(request.window.end))
    if window.start >= window.end:
        return await scan_window(
            client, request, sink, budget=budget, concurrency=concurrency, deadline=deadline, on_progress=on_progress
        )
    started = time.monotonic()  # the budget's time counts the wait
    settled = _settled(window, now, cache)
    wait_s = wait_bound(budget.max_seconds, deadline.remaining())
    claim = await cache.in_flight.take_turn(namespace, cache.key(request), settled, wait_s)
    try:
        scan = (cache, namespace, now, client, request, window, sink, budget, concurrency, deadline, on_progress)
        return await _claimed_scan(*scan, claim, started)
    finally:
        cache.in_flight.release(claim)


async def _claimed_scan(
    cache: ScanCache,
    namespace: str,
    now: datetime,
    client: TrutoClient,
    request: ScanRequest,
    window: Window,
    sink: RowSink,
    budget: ScanBudget,
    concurrency: int,
    deadline: Deadline,
    on_progress: ProgressCallback | None,
    claim: Claim | None,
    started: float,
) -> ScanCoverage:
    try:
        lookup = await cache.lookup(namespace, replace(request, window=window), now)
    except Exception:  # the cache is never the reason an answer fails: read it all upstream
        logger.warning("The scan cache could not be read; the whole window is read upstream.", exc_info=True)
        lookup = Lookup(cache.key(request), [], [window])
        claim_windows: list[Window] = []  # nothing will be kept either: scans waiting had better read themselves
    else:
        claim_windows = [part for gap in lookup.gaps if (part := _settled(gap, now, cache)) is not None]
    scan = _CachedScan(
        cache,
        namespace,
        now,
        client,
        request,
        window,
        sink,
        budget,
        concurrency,
        deadline,
        on_progress,
        upstream_max_rows=max(0, budget.max_rows - sum(_rows_in(cached, part) for cached, part, _ in lookup.used)),
        rows_per_second=_density([cached for cached, _, _ in lookup.used]),
        density_seconds=sum(cached.window.span.total_seconds() for cached, _, _ in lookup.used),
        started=started,
        claim=claim,
    )
    if claim is not None:  # what is cached need not be waited for: only the settled part of the gaps
        claim.narrow(claim_windows)
        if not claim_windows:
            cache.in_flight.release(claim)
    used: list[tuple[CachedRange, Window]] = []
    unreadable: list[Window] = []
    failure: list[UpstreamError] = []

    async def gaps_upstream() -> None:
        try:
            await scan.read_gaps(lookup.gaps, alone=not lookup.used)
        except UpstreamError as error:  # raised below, not wrapped in an exception group
            failure.append(error)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(gaps_upstream)
        for cached, part, value in lookup.used:
            if await scan.deliver(cached, part, value):
                used.append((cached, part))
            else:
                unreadable.append(part)
            await anyio.sleep(0)  # let the gaps' requests go out between ranges
    if failure:
        raise failure[0]
    if unreadable:
        await scan.read_gaps(list(merge_windows(unreadable)), alone=False)
    if scan.reads:
        cache.token_accepted(namespace)
    elif not cache.token_checked(namespace):
        # Answered from the cache alone: one row asked of the upstream, so that a revoked token is refused.
        try:
            await client.fetch_page(wire_params(request.log_type, window, request.filters, 1), deadline)
            cache.token_accepted(namespace)
        except (AuthFailed, UpstreamRejected):
            raise
        except UpstreamError:  # the upstream is down, not the token refused: the cached answer stands
            logger.warning("The token could not be checked (the upstream failed); answered from the cache.")
    try:
        await cache.keep(namespace, lookup.key, scan.reads, now)
    except Exception:
        logger.warning("What this scan read could not be kept in the scan cache.", exc_info=True)
    return ScanCoverage(
        log_type=request.log_type,
        window=request.window,
        rows_scanned=scan.rows,
        pages=scan.pages,
        sub_windows=scan.sub_windows,
        stopped_by=scan.stopped_by,
        unread=merge_windows(scan.unread),
        failed=tuple(scan.failed),
        cached=merge_windows([part for _, part in used]),
        # A range a concurrent scan read may be a moment younger than this call: never a negative age.
        cache_age=max(timedelta(0), now - min(cached.read_at for cached, _ in used)) if used else None,
        environments=tuple(sorted(scan.environments.items(), key=lambda item: -item[1])),
    )


def _settled(window: Window, now: datetime, cache: ScanCache) -> Window | None:
    """The part of ``window`` a read started ``now`` would keep in the cache (older than the settle time)."""
    end = min(window.end, floor_ms(now - cache.settle))
    return Window(window.start, end) if window.start < end else None


def _rows_in(cached: CachedRange, part: Window) -> int:
    """The rows of the part of a cached range a window uses, pro rata (a range may be days long and the
    window minutes: charging all its rows to the row budget would leave the gaps none)."""
    span = cached.window.span.total_seconds()
    return cached.rows if span <= 0 else math.ceil(cached.rows * part.span.total_seconds() / span)


def _density(ranges: list[CachedRange]) -> float | None:
    """Rows per second over the cached ranges, or None without any."""
    seconds = sum(cached.window.span.total_seconds() for cached in ranges)
    return sum(cached.rows for cached in ranges) / seconds if seconds > 0 else None


def _renamed(failed: str, read_from: datetime, start: datetime) -> str:
    prefix = iso(read_from)
    return iso(start) + failed.removeprefix(prefix) if failed.startswith(prefix) else failed


def _clip(window: Window, within: Window) -> Window | None:
    start, end = max(window.start, within.start), min(window.end, within.end)
    return Window(start, end) if start < end else None
