"""The error timeline that views draw, kept beside an analysis for a client that shows views.

``summarize_errors`` and ``log_stats`` fold their error rows into an ``ErrorTimeline`` too when the
call's client shows views (``Call.views``); the result, with refs for each cell's rows, is kept in
``Services.views`` and its handle goes to the view in the result's ``_meta`` (``VIEW_META``), not to
the model. The view fetches it with the app-only tool ``error_timeline`` (``error_timeline`` below).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Final

from pydantic import BaseModel, Field

from truto_log_mcp.analysis.causes import Cause
from truto_log_mcp.analysis.timeline import ErrorTimeline, Timeline, bucket_size_for
from truto_log_mcp.errors import CursorExpired, StateUnavailable
from truto_log_mcp.query.timeparse import Window, iso
from truto_log_mcp.render.table import LABEL_CAP, KeyText, clean_text
from truto_log_mcp.rows import Row, RowSink
from truto_log_mcp.rules import LogType
from truto_log_mcp.tools.context import Answer, Call
from truto_log_mcp.upstream.windows import ScanRequest

logger = logging.getLogger(__name__)

VIEW_META: Final = "truto-log-mcp/view"
"""The ``_meta`` key of a result whose view has more to read: ``{"timeline": handle}``."""
MAX_VIEW_BUCKETS: Final = 120


class TimelineCellModel(BaseModel):
    label: KeyText
    count: int
    refs: list[str] = Field(description="Refs of the cell's first rows, for get_log.")


class TimelineBucketModel(BaseModel):
    start: str
    errors: int
    groups: list[TimelineCellModel]


class ErrorTimelineResult(BaseModel):
    window: str
    bucket_seconds: int
    group_by: str = Field(description="What a bar's stack is grouped by: cause, or log_stats' group_by.")
    labels: list[KeyText]
    buckets: list[TimelineBucketModel]
    untimed: int = Field(description="Errors without a time inside the window (in no bar).")
    previous_window: str | None = None
    previous: list[int] | None = Field(default=None, description="Errors per bucket of the previous window.")


def view_size(window: Window, asked: timedelta | None) -> timedelta:
    """The result's own bucket when it cuts the window into few enough bars, else a nice one that does."""
    if asked is not None and window.span / asked <= MAX_VIEW_BUCKETS - 1:
        return asked
    return bucket_size_for(window.span, MAX_VIEW_BUCKETS)


def new_timeline(window: Window, size: timedelta) -> ErrorTimeline:
    return ErrorTimeline(window.start, window.end, size)


def group_label(row: Row, group_by: Sequence[str]) -> str:
    """A row's ``log_stats`` group as one label, e.g. ``integration=hubspot``; "errors" without ``group_by``."""
    if not group_by:
        return "errors"
    return ",".join(f"{name}={clean_text(str(row.get(name)), LABEL_CAP)}" for name in group_by)


def error_label(group_by: Sequence[str]) -> tuple[str, Callable[[LogType, Row, Cause], str]]:
    """What ``summarize_errors``' timeline stacks by, and a row's label: its ``group_by`` when that is the
    status or row fields (e.g. integration), else the cause (a template makes too many groups for a stack)."""
    from truto_log_mcp.analysis.causes import status_code

    if tuple(group_by) == ("status",):
        return "status", lambda log_type, row, cause: str(status_code(log_type, row) or "(none)")
    if group_by and not {"template", "cause", "status"} & set(group_by):
        return ",".join(group_by), lambda log_type, row, cause: group_label(row, group_by)
    return "cause", lambda log_type, row, cause: cause.value


async def keep_timeline(
    call: Call,
    window: Window,
    timeline: Timeline,
    group_by: str,
    previous: tuple[Window, Timeline] | None = None,
) -> dict[str, str] | None:
    """Keep the timeline (refs made for its rows, in one batch) for the caller; the ``_meta`` that points
    the view at it, or None when the state store cannot keep it (the answer goes without its view)."""
    rows = [(LogType(source), row) for bucket in timeline.buckets for cell in bucket.cells for source, row in cell.rows]
    minted = await call.keep_if_possible(rows)  # None: the store is down; the bars go without refs
    refs = iter(minted or [])
    buckets = [
        TimelineBucketModel(
            start=iso(bucket.start),
            errors=bucket.errors,
            groups=[
                TimelineCellModel(
                    label=cell.label,
                    count=cell.count,
                    refs=[next(refs) for _ in cell.rows] if minted is not None else [],
                )
                for cell in bucket.cells
            ],
        )
        for bucket in timeline.buckets
    ]
    result = ErrorTimelineResult(
        window=window.describe(),
        bucket_seconds=int(timeline.size.total_seconds()),
        group_by=group_by,
        labels=list(timeline.labels),
        buckets=buckets,
        untimed=timeline.untimed,
    )
    if previous is not None:
        result.previous_window = previous[0].describe()
        result.previous = [bucket.errors for bucket in previous[1].buckets]
    try:
        [handle] = await call.services.views.put_many([result.model_dump()], call.owner)
    except StateUnavailable:
        logger.warning("The state store is unavailable: an answer goes without its view's timeline.")
        return None
    return {"timeline": handle}


class ViewTimelines:
    """``log_stats``' error timelines for its view: the window's and, with ``compare_previous``, the previous one's."""

    def __init__(self, request: ScanRequest, group_by: Sequence[str], bucket: timedelta | None) -> None:
        self.log_type = request.log_type
        self.window = request.window
        self.group_by = tuple(group_by)
        self.size = view_size(request.window, bucket)
        self.current = new_timeline(request.window, self.size)
        self.previous: ErrorTimeline | None = None
        self.previous_window: Window | None = None

    def tee(self, target: RowSink, previous: bool = False) -> RowSink:
        """``target``, and each error row into the (previous) window's timeline."""
        timeline = self.current
        if previous:
            start = self.window.start
            self.previous_window = Window(start - self.window.span, start)
            timeline = self.previous = new_timeline(self.previous_window, self.size)
        from truto_log_mcp.analysis.causes import is_error  # the engines load on a tool's first call

        log_type, group_by = self.log_type, self.group_by

        def sink(row: Row) -> None:
            target(row)
            if is_error(log_type, row):
                timeline.add(group_label(row, group_by), row, log_type.value)

        return sink

    async def keep(self, call: Call) -> dict[str, str] | None:
        previous = None
        if self.previous is not None and self.previous_window is not None:
            previous = (self.previous_window, self.previous.result())
        group_by = ",".join(self.group_by) or "errors"
        return await keep_timeline(call, self.window, self.current.result(), group_by, previous)


async def error_timeline(call: Call, timeline: str) -> Answer:
    """The app-only tool: a kept timeline, by the handle a result's ``_meta`` gave its view."""
    dumped = await call.services.views.get(timeline, call.owner)
    kept = None if dumped is None else ErrorTimelineResult.model_validate(dumped)
    if kept is None:
        raise CursorExpired(
            "This timeline is no longer kept (they expire like cursors).",
            "Call the tool again to draw its view.",
        )
    return Answer(f"Error timeline {kept.window}: {len(kept.buckets)} buckets.", kept)
