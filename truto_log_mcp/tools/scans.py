"""What every analysis shares: planning scans per log type, running them, windows, budgets, coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated

import anyio
from pydantic import BaseModel, Field

from truto_log_mcp.errors import AuthFailed, InvalidArgument, UpstreamError, UpstreamRejected, echo
from truto_log_mcp.query.arguments import Match, check_filters
from truto_log_mcp.query.timeparse import Window, resolve_window
from truto_log_mcp.render.table import LABEL_CAP, Shown, clean_text
from truto_log_mcp.rows import ProgressCallback, Row, RowSink
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.state.budget import FALLBACK_NOTE, SharedBudget
from truto_log_mcp.suggest import did_you_mean, listing
from truto_log_mcp.tools.context import Call, Services
from truto_log_mcp.upstream.cached_scan import cached_scan
from truto_log_mcp.upstream.client import Deadline
from truto_log_mcp.upstream.scanner import scan_window
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest, ScanStop, count_environment


class ScanCoverageModel(BaseModel):
    log_type: str
    window: str
    rows_scanned: int
    pages: int
    complete: bool = Field(description="True when every row of the window was read.")
    stopped_by: ScanStop
    unread: list[str] = Field(description="ISO intervals not read (budget stops, failures).")
    failed: list[str] = Field(description="Sub-windows that failed, with the error.")
    notes: list[str] = Field(default_factory=list, description="How the window was read, when it matters.")
    cached: list[str] = Field(
        default_factory=list, description="ISO intervals answered from the scan cache, not read upstream now."
    )
    cache_age_s: int | None = Field(None, description="Seconds since the oldest cached interval was read.")
    environments: dict[Annotated[str, Shown(LABEL_CAP)], int] | None = Field(
        None, description="environment_id -> rows read, when the answer's rows carry more than one (else null)."
    )


@dataclass(frozen=True, slots=True)
class ScanPlan:
    """What one analysis reads: log types (with the filters each accepts), window, budget."""

    requests: tuple[ScanRequest, ...]
    budget: ScanBudget
    skipped: tuple[str, ...] = ()
    """Log types left out and why (stated in the answer)."""


def plan_scans(
    log_types: Sequence[LogType], window: Window, filters: dict[str, str], budget: ScanBudget, explicit: bool
) -> ScanPlan:
    """One scan per log type. Without an explicit log type, types that cannot take the filters are skipped."""
    requests: list[ScanRequest] = []
    skipped: list[str] = []
    for log_type in log_types:
        unsupported = [key for key in filters if key not in RULES[log_type].filter_keys]
        if unsupported and not explicit:
            skipped.append(f"{log_type.value} (cannot filter by {', '.join(unsupported)})")
            continue
        requests.append(ScanRequest(log_type, window, check_filters(log_type, filters)))
    if not requests:
        raise InvalidArgument(
            f"No log type accepts the filters {listing(echo(key) for key in filters)}.",
            "Drop a filter or pick a log type (describe_log_types lists each type's filters).",
        )
    return ScanPlan(tuple(requests), budget, tuple(skipped))


def check_group_by(group_by: Sequence[str], log_types: Sequence[LogType], extra: Sequence[str] = ()) -> tuple[str, ...]:
    known = set(extra).union(*(RULES[log_type].field_names for log_type in log_types))
    for name in group_by:
        if name not in known:
            raise InvalidArgument(
                f"`group_by` has {name[:60]!r}, which is not a field of "
                f"{', '.join(t.value for t in log_types)}.{did_you_mean(name, known)}"
                + (f" Also allowed: {listing(extra)}." if extra else "")
            )
    return tuple(dict.fromkeys(group_by))


async def run_scans(
    call: Call, plan: ScanPlan, sinks: dict[LogType, RowSink], deadline: Deadline
) -> list[ScanCoverage]:
    """Scan every planned log type concurrently, sharing the concurrency and the token's rate budget."""
    budget = call.services.rate_budget(call.caller.token)
    fallbacks = budget.fallbacks if isinstance(budget, SharedBudget) else 0
    on_progress = call.scan_progress()
    per_scan = max(1, call.services.settings.scan_concurrency // len(plan.requests))
    coverages: list[ScanCoverage | None] = [None] * len(plan.requests)
    progress: dict[int, tuple[float, float]] = {}

    async def one(index: int, request: ScanRequest) -> None:
        async def report(done: float, total: float) -> None:
            progress[index] = (done, total)
            if on_progress is not None:
                await on_progress(sum(p[0] for p in progress.values()), sum(p[1] for p in progress.values()))

        row_sink = sinks[request.log_type]
        try:
            coverages[index] = await read_window(
                call, request, row_sink, budget=plan.budget, concurrency=per_scan, deadline=deadline, on_progress=report
            )
        except (AuthFailed, UpstreamRejected):
            raise  # every other log type would fail the same way
        except UpstreamError as error:
            if len(plan.requests) == 1:
                raise
            failures[index] = error
            coverages[index] = ScanCoverage(
                request.log_type, request.window, 0, 0, 0, "end", (request.window,), (error.tool_text(),)
            )

    failures: dict[int, UpstreamError] = {}
    async with anyio.create_task_group() as group:
        for index, request in enumerate(plan.requests):
            group.start_soon(one, index, request)
    if len(failures) == len(plan.requests):
        raise next(iter(failures.values()))  # no log type could be read at all
    read = [coverage for coverage in coverages if coverage is not None]
    if isinstance(budget, SharedBudget) and budget.fallbacks > fallbacks:
        read = [replace(coverage, notes=(*coverage.notes, FALLBACK_NOTE)) for coverage in read]
    return read


async def read_window(
    call: Call,
    request: ScanRequest,
    sink: RowSink,
    *,
    budget: ScanBudget,
    concurrency: int,
    deadline: Deadline,
    on_progress: ProgressCallback | None = None,
) -> ScanCoverage:
    """Every row of the request's window to ``sink``: from the scan cache where it holds them (the
    caller's token's only), upstream for the rest; all upstream with ``TRUTO_SCAN_CACHE=off``."""
    client = call.client()
    cache = call.services.scan_cache
    namespace = call.reader_key()
    if cache is None or not namespace:
        return await scan_window(
            client, request, sink, budget=budget, concurrency=concurrency, deadline=deadline, on_progress=on_progress
        )
    return await cached_scan(
        cache,
        namespace,
        call.services.clock(),
        client,
        request,
        sink,
        budget=budget,
        concurrency=concurrency,
        deadline=deadline,
        on_progress=on_progress,
    )


def answer_environments(coverages: Sequence[ScanCoverage]) -> dict[str, int]:
    """The rows an answer read per ``environment_id``, most first; empty unless there are more than one."""
    counts: Counter[str] = Counter()
    for coverage in coverages:
        counts.update(dict(coverage.environments))
    return dict(counts.most_common()) if len(counts) > 1 else {}


def coverage_models(coverages: Sequence[ScanCoverage]) -> list[ScanCoverageModel]:
    """The coverage of an answer: each scan's, with its rows per environment when the answer read more than one."""
    split = bool(answer_environments(coverages))
    return [coverage_model(coverage, split) for coverage in coverages]


def coverage_model(coverage: ScanCoverage, split_environments: bool = False) -> ScanCoverageModel:
    return ScanCoverageModel(
        log_type=coverage.log_type.value,
        window=coverage.window.describe(),
        rows_scanned=coverage.rows_scanned,
        pages=coverage.pages,
        complete=coverage.complete,
        stopped_by=coverage.stopped_by,
        unread=[gap.describe() for gap in coverage.unread],
        failed=list(coverage.failed),
        notes=list(coverage.notes),
        cached=[part.describe() for part in coverage.cached],
        cache_age_s=None if coverage.cache_age is None else int(coverage.cache_age.total_seconds()),
        environments=dict(coverage.environments) if split_environments else None,
    )


def coverage_lines(coverages: Sequence[ScanCoverage], skipped: Sequence[str]) -> list[str]:
    """Each scan's coverage, the log types skipped, and the environments read when more than one."""
    return scan_lines(coverages, skipped) + environment_lines(answer_environments(coverages))


def scan_lines(coverages: Sequence[ScanCoverage], skipped: Sequence[str]) -> list[str]:
    lines = []
    for coverage in coverages:
        state = "complete" if coverage.complete else f"PARTIAL ({coverage.stopped_by.replace('_', ' ')})"
        line = f"- {coverage.log_type.value}: {coverage.rows_scanned} rows, {coverage.pages} pages, {state}"
        if coverage.unread:
            gaps = ", ".join(gap.describe() for gap in coverage.unread[:2])
            line += f"; not read: {gaps}" + (f" +{len(coverage.unread) - 2} more" if len(coverage.unread) > 2 else "")
        if coverage.failed:
            line += f"; {len(coverage.failed)} sub-window(s) failed: {coverage.failed[0]}"
        if coverage.notes:
            line += f"; {'; '.join(coverage.notes)}"
        line += cached_part(coverage)
        lines.append(line)
    if skipped:
        lines.append(f"- skipped: {'; '.join(skipped)}")
    return lines


def cached_part(coverage: ScanCoverage) -> str:
    """``cache_note`` after a semicolon, for a coverage line; nothing when no part came from the cache."""
    return f"; {cache_note(coverage)}" if coverage.cached else ""


def cached_parts(coverages: Sequence[ScanCoverage]) -> str:
    """``cached_part`` for several scans on one line: their one cached interval when they share it, else a
    pointer to each scan's coverage; the oldest read's age."""
    cached = [coverage for coverage in coverages if coverage.cached]
    if not cached:
        return ""
    oldest = max(cached, key=lambda coverage: coverage.cache_age or timedelta(0))
    if len({_cached_text(coverage) for coverage in cached}) > 1 or len(cached) < len(coverages):
        return f"; from cache: parts (each scan's coverage names them), read {_ago(oldest)} ago"
    return f"; from cache: {_cached_text(oldest)}, read {_ago(oldest)} ago"


def _cached_text(coverage: ScanCoverage) -> str:
    """The first cached interval to the minute (UTC), and how many more."""
    first = coverage.cached[0]
    more = f" +{len(coverage.cached) - 1} more" if len(coverage.cached) > 1 else ""
    return f"{first.start:%m-%d %H:%M} to {first.end:%m-%d %H:%M}{more}"


def _ago(coverage: ScanCoverage) -> str:
    age = coverage.cache_age.total_seconds() if coverage.cache_age is not None else 0.0
    return f"{age:.0f} s" if age < 120 else f"{age / 60:.0f} min" if age < 7200 else f"{age / 3600:.0f} h"


def cache_note(coverage: ScanCoverage) -> str:
    """Which part of the window came from the scan cache, and how old it is: "from cache: 11-29 02:00 to 11-30 21:55,
    read 4 min ago" (times UTC; the first interval, and how many more)."""
    return f"from cache: {_cached_text(coverage)}, read {_ago(coverage)} ago"


def environment_lines(environments: dict[str, int]) -> list[str]:
    """One line naming every environment read, with its rows (none when there is only one)."""
    return [f"- {environments_text(environments)}"] if environments else []


def environments_text(environments: Mapping[str, int]) -> str:
    shown = ", ".join(f"{clean_text(env, LABEL_CAP)} ({rows} rows)" for env, rows in environments.items())
    return f"environments: {shown}"


def rows_per_environment(rows: Iterable[Row]) -> dict[str, int]:
    """The rows per ``environment_id``, most first; empty unless there are more than one."""
    counts: dict[str, int] = {}
    for row in rows:
        count_environment(counts, row)
    return dict(sorted(counts.items(), key=lambda item: -item[1])) if len(counts) > 1 else {}


def matching_sink(match: Match, target: RowSink) -> RowSink:
    """Pass on only the rows that ``match`` accepts (match.is_empty: all of them)."""
    if match.is_empty:
        return target

    def sink(row: Row) -> None:
        if match.accepts(row):
            target(row)

    return sink


DEFAULT_SINCE = timedelta(hours=24)
MAX_ANALYSIS_SPAN = timedelta(days=92)


def analysis_window(since: str | None, start: str | int | None, end: str | int | None, now: datetime) -> Window:
    """The window of an analysis: default the last 24 h; longer than a month is fine (scanned in chunks)."""
    window = resolve_window(since, start, end, now, enforce_month=False) or Window(now - DEFAULT_SINCE, now)
    if window.span > MAX_ANALYSIS_SPAN:
        raise InvalidArgument(
            f"The window {window.describe()} is longer than {MAX_ANALYSIS_SPAN.days} days.",
            "Narrow it; analyses read every row of the window.",
        )
    return window


def scan_budget(services: Services, max_rows: int | None) -> ScanBudget:
    rows = max_rows or services.settings.scan_max_rows
    return ScanBudget(max_rows=rows, max_pages=rows // 100 + 50, max_seconds=services.settings.scan_max_seconds)
