"""``log_stats``: counts, error rates and percentiles per group and time bucket, optionally vs the previous window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial

from truto_log_mcp.analysis.causes import ERROR_RULES, is_error
from truto_log_mcp.analysis.stats.accumulator import StatsAccumulator
from truto_log_mcp.analysis.stats.comparison import compare
from truto_log_mcp.analysis.stats.results import GroupStats
from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.arguments import Match, Scalar, build_search
from truto_log_mcp.query.timeparse import Window, parse_duration
from truto_log_mcp.render.table import LABEL_CAP, clean_text, compact_json, table_line
from truto_log_mcp.rules import LogType
from truto_log_mcp.tools.arguments import ID_ARGUMENTS
from truto_log_mcp.tools.context import Answer, Call
from truto_log_mcp.tools.results import (
    ComparisonModel,
    LogStatsResult,
)
from truto_log_mcp.tools.scans import (
    ScanPlan,
    analysis_window,
    check_group_by,
    coverage_lines,
    coverage_models,
    matching_sink,
    run_scans,
    scan_budget,
)
from truto_log_mcp.tools.timelines import ViewTimelines
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest

MAX_BUCKETS = 500


def check_bucket(bucket: str | None, window: Window) -> timedelta | None:
    if bucket is None:
        return None
    size = parse_duration(bucket, "bucket")
    if size < timedelta(minutes=1):
        raise InvalidArgument('`bucket` must be at least "1m".')
    if window.span / size > MAX_BUCKETS:
        raise InvalidArgument(
            f"`bucket` {bucket!r} cuts the window into more than {MAX_BUCKETS} buckets.",
            f"Use a bucket of at least {_at_least(window.span / MAX_BUCKETS)}.",
        )
    return size


def _at_least(span: timedelta) -> str:
    minutes = math.ceil(span.total_seconds() / 60)
    return f"{math.ceil(minutes / 60)}h" if minutes > 60 else f"{minutes}m"


async def log_stats(
    call: Call,
    *,
    log_type: str,
    since: str | None,
    start: str | int | None,
    end: str | int | None,
    filters: Mapping[str, str] | None,
    match: Mapping[str, Scalar] | None,
    group_by: Sequence[str] | None,
    bucket: str | None,
    compare_previous: bool,
    max_rows: int | None,
) -> Answer:
    """Counts, error rates and percentiles of one log type over the window, per group and time bucket."""
    services = call.services
    now = services.clock()
    window = analysis_window(since, start, end, now)
    query = build_search(
        log_type=log_type, since=None, start=None, end=None, filters=filters, match=match, fields=None, now=now
    )
    request = ScanRequest(query.log_type, window, query.filters)
    grouping = check_group_by(group_by or [], [query.log_type])
    size = check_bucket(bucket, window)
    budget = scan_budget(services, max_rows)
    async with call.analysis_slot():
        return await _stats(call, request, query.match, grouping, size, compare_previous, budget)


async def _stats(
    call: Call,
    request: ScanRequest,
    match: Match,
    group_by: tuple[str, ...],
    bucket: timedelta | None,
    compare_previous: bool,
    budget: ScanBudget,
) -> Answer:
    errors = partial(is_error, request.log_type)
    current = StatsAccumulator(group_by, bucket, errors)
    requests = [request]
    views = ViewTimelines(request, group_by, bucket) if call.views else None
    sinks = [matching_sink(match, current.add if views is None else views.tee(current.add))]
    previous: StatsAccumulator | None = None
    if compare_previous:
        previous = StatsAccumulator(group_by, bucket, errors)
        span = request.window.span
        requests.append(replace(request, window=Window(request.window.start - span, request.window.start)))
        sinks.append(matching_sink(match, previous.add if views is None else views.tee(previous.add, previous=True)))
    deadline = call.services.deadline()
    coverages: list[ScanCoverage] = []
    for scan, sink in zip(requests, sinks, strict=True):
        plan = ScanPlan((scan,), budget)
        coverages += await run_scans(call, plan, {scan.log_type: sink}, deadline)
    stats = current.result()
    comparison = None
    if previous is not None:
        compared = compare(stats, previous.result())
        comparison = ComparisonModel(
            previous_window=requests[1].window.describe(),
            total=compared.total.summary,
            changes=[change.summary for change in compared.groups[:20]],
            criteria=compared.criteria,
        )
    result = LogStatsResult(
        log_type=request.log_type.value,
        window=request.window.describe(),
        group_by=list(group_by),
        bucket=_bucket_label(bucket),
        total=stats.total,
        groups=stats.groups[:50],
        buckets=stats.buckets,
        comparison=comparison,
        percentile_method=stats.percentile_method,
        coverage=coverage_models(coverages),
        notes=[*stats.notes, *(["Only the 50 largest groups are listed."] if len(stats.groups) > 50 else [])],
    )
    # grouped by an id: the next call may pass one back shortened
    await call.remember_ids(
        {name: [group.key.get(name) for group in result.groups] for name in set(group_by) & set(ID_ARGUMENTS)}
    )
    view = None if views is None else await views.keep(call)
    return Answer(_stats_text(result, coverages, match), result, view)


def _bucket_label(bucket: timedelta | None) -> str | None:
    if bucket is None:
        return None
    minutes = int(bucket.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _label(key: dict[str, str]) -> str:
    return ",".join(f"{name}={clean_text(value, LABEL_CAP)}" for name, value in key.items())


def _ms_cell(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _stats_row(label: str, stats: GroupStats, timed: bool, fetched: bool) -> str:
    """One group's line; duration columns only where the rows carry durations (``timed``, ``fetched``)."""
    duration, fetch = stats.duration, stats.fetch_duration
    cells = [label, str(stats.count), str(stats.errors), f"{stats.error_rate:.1%}"]
    if timed:
        cells += [
            _ms_cell(value) for value in ((duration.p50, duration.p95, duration.p99) if duration else (None,) * 3)
        ]
    if fetched:
        cells += [_ms_cell(value) for value in ((fetch.p50, fetch.p95) if fetch else (None,) * 2)]
    return table_line(cells)


def _stats_text(result: LogStatsResult, coverages: Sequence[ScanCoverage], match: Match) -> str:
    header = f"Stats {result.log_type} {result.window}"
    if not match.is_empty:
        header += f" match {compact_json(match.describe())}"
    # Columns that cannot have values (webhook and rapid_bridge rows carry no durations) are left out.
    timed, fetched = result.total.duration is not None, result.total.fetch_duration is not None
    if timed or fetched:
        header += f"; durations in ms ({result.percentile_method})"
    else:
        header += "; these rows carry no durations"
    lines = [header + f". An error is a row where {ERROR_RULES[LogType(result.log_type)]}."]
    columns = ["group", "rows", "errors", "err%"]
    columns += ["p50", "p95", "p99"] if timed else []
    columns += ["fetch_p50", "fetch_p95"] if fetched else []
    lines.append("|".join(columns))
    lines.append(_stats_row("(all)", result.total, timed, fetched))
    for group in result.groups:
        lines.append(_stats_row(_label(group.key), group, timed, fetched))
    if result.buckets:
        bucket_columns = "start|rows|errors|err%" + ("|p50|p95" if timed else "")
        lines.append(f"Buckets of {result.bucket} ({bucket_columns}):")
        lines += [
            table_line(
                [
                    cell.start[:16].replace("T", " "),
                    cell.count,
                    cell.errors,
                    f"{cell.error_rate:.1%}",
                    *((_ms_cell(cell.p50), _ms_cell(cell.p95)) if timed else ()),
                ]
            )
            for cell in result.buckets
            if cell.count
        ]
        empty = sum(1 for cell in result.buckets if not cell.count)
        if empty:
            lines.append(f"({empty} empty bucket(s) not shown)")
    if result.comparison is not None:
        lines.append(f"Compared with the previous window {result.comparison.previous_window}:")
        lines.append(f"- total: {result.comparison.total}")
        lines += [f"- {change}" for change in result.comparison.changes[:10]]
    lines.append("Coverage:")
    lines += coverage_lines(coverages, ())
    lines += result.notes
    return "\n".join(lines)
