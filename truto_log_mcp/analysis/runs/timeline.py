"""A run's timeline across rapid_bridge, webhook and cron rows, capped by priority (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from truto_log_mcp.analysis.causes import (
    as_int,
    is_error,
    is_true,
)
from truto_log_mcp.analysis.runs.facts import (
    EVENT_ORDER,
    SOURCE_ORDER,
    TIMELINE_CAP,
    cap_note,
    event_of,
    retry_after_s,
    stamp_of,
    text_field,
    time_of,
)
from truto_log_mcp.analysis.runs.results import (
    TimelineEntry,
)
from truto_log_mcp.analysis.templates import error_text
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

# ---- timeline --------------------------------------------------------------------------------


def _run_entry(row: Row) -> TimelineEntry:
    failed = is_error(LogType.RAPID_BRIDGE, row)
    note: str | None = None
    if failed:
        note = cap_note(error_text(LogType.RAPID_BRIDGE, row))
    elif event_of(row) == "rate_limited":
        note = f"retry after {retry_after_s(row):g}s"
    return TimelineEntry(
        time=stamp_of(row),
        source=LogType.RAPID_BRIDGE,
        event=event_of(row),
        status=text_field(row, "status"),
        resource=text_field(row, "resource"),
        num_records=as_int(row.get("num_records")),
        note=note,
        is_error=failed,
        row=row,
    )


def _webhook_entry(row: Row) -> TimelineEntry:
    failed = is_error(LogType.WEBHOOK, row)
    code = as_int(row.get("webhook_endpoint_status"))
    note = None
    if failed:
        note = f"endpoint answered {code}" if code is not None else "endpoint did not answer"
    return TimelineEntry(
        time=stamp_of(row),
        source=LogType.WEBHOOK,
        event=text_field(row, "event"),
        status=str(code) if code is not None else text_field(row, "status"),
        resource=text_field(row, "resource"),
        num_records=None,
        note=note,
        is_error=failed,
        row=row,
    )


def _cron_entry(row: Row) -> TimelineEntry:
    failed = is_error(LogType.SYNC_JOB_CRON_TRIGGER, row)
    note = None
    if is_true(row.get("integrated_account_needs_reauth")):
        note = "integrated account needs reauth"
    elif failed:
        note = cap_note(error_text(LogType.SYNC_JOB_CRON_TRIGGER, row))
    return TimelineEntry(
        stamp_of(row), LogType.SYNC_JOB_CRON_TRIGGER, "cron_trigger", None, None, None, note, failed, row
    )


def _entry_order(entry: TimelineEntry) -> tuple[datetime, int, int]:
    return (time_of(entry.row), SOURCE_ORDER[entry.source], EVENT_ORDER.get(entry.event or "", 3))


def _tier(entry: TimelineEntry) -> int:
    """Keeping priority when the timeline is capped: 0 errors, 1 lifecycle and cron, 2 records, 3 deliveries."""
    if entry.is_error:
        return 0
    if entry.source is LogType.WEBHOOK:
        return 3
    return 2 if entry.event == "record" else 1


def _spread(indexes: list[int], room: int) -> list[int]:
    """``room`` of ``indexes`` evenly spaced, the first and the last included."""
    if room <= 0:
        return []
    if room == 1:
        return [indexes[-1]]
    step = (len(indexes) - 1) / (room - 1)
    return [indexes[round(position * step)] for position in range(room)]


def cap_timeline(entries: Sequence[TimelineEntry], cap: int = TIMELINE_CAP) -> tuple[list[TimelineEntry], int]:
    """At most ``cap`` of the (chronological) ``entries`` and how many were left out (see the module docstring)."""
    if len(entries) <= cap:
        return list(entries), 0
    chosen = {0, len(entries) - 1}
    for tier in range(4):
        room = cap - len(chosen)
        if room <= 0:
            break
        candidates = [i for i, entry in enumerate(entries) if _tier(entry) == tier and i not in chosen]
        chosen.update(candidates if len(candidates) <= room else _spread(candidates, room))
    return [entries[i] for i in sorted(chosen)], len(entries) - len(chosen)


def build_timeline(
    run_rows: Sequence[Row], webhook_rows: Sequence[Row], cron_rows: Sequence[Row]
) -> list[TimelineEntry]:
    entries = [
        *(_run_entry(row) for row in run_rows),
        *(_webhook_entry(row) for row in webhook_rows),
        *(_cron_entry(row) for row in cron_rows),
    ]
    return sorted(entries, key=_entry_order)
