"""The facts of one run read from its rows: order, events, outcome, records, deliveries and cron triggers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from truto_log_mcp.analysis.causes import (
    Cause,
    as_int,
    classify,
    is_error,
    is_false,
    is_true,
    log_lines,
    undelivered_records,
)
from truto_log_mcp.analysis.runs.results import (
    CronTrigger,
    RunOutcome,
    WebhookDeliveries,
)
from truto_log_mcp.analysis.templates import error_text
from truto_log_mcp.render.table import clean_text
from truto_log_mcp.rows import Row, parse_row_time
from truto_log_mcp.rules import LogType

TIMELINE_CAP: Final = 40
EVIDENCE_ROWS: Final = 3
"""Rows attached to one evidence item at most."""
NOTE_CAP: Final = 160

_EPOCH = datetime.min.replace(tzinfo=UTC)
EVENT_ORDER: Final = {
    "created": 0,
    "started": 1,
    "record": 2,
    "record_error": 2,
    "rate_limited": 2,
    "updated": 3,
    "completed": 4,
    "failed": 4,
    "deleted": 5,
}
_PROGRESS_EVENTS: Final = frozenset({"started", "record", "record_error", "rate_limited", "updated"})
SOURCE_ORDER: Final = {LogType.SYNC_JOB_CRON_TRIGGER: 0, LogType.RAPID_BRIDGE: 1, LogType.WEBHOOK: 2}

NO_CAUSE_STEPS: Final[dict[str, str]] = {
    "completed": "Nothing to fix: the run completed and delivered its records.",
    "running": "The run is making progress: check again later.",
    "created": "The run was created moments ago and has not started yet: check again in a few minutes.",
    "stopped": "The run was stopped before it finished; nothing failed. Trigger the job again if its data is needed.",
    "not_found": (
        "No rapid_bridge rows for this run in the window: widen the time window or check the sync_job_run_id."
    ),
}


# ---- helpers over rows -----------------------------------------------------------------------


def time_of(row: Row) -> datetime:
    return parse_row_time(row.get("timestamp")) or _EPOCH


def stamp_of(row: Row) -> str | None:
    value = row.get("timestamp")
    return value if isinstance(value, str) else None


def event_of(row: Row) -> str | None:
    value = row.get("sync_job_run_event")
    return value if isinstance(value, str) else None


def text_field(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None or value == "" else str(value)


OrderKey = tuple[datetime, int]


def order_key(row: Row) -> OrderKey:
    """A run's rows in order: by time, then by lifecycle (created before started before records ...)."""
    return time_of(row), EVENT_ORDER.get(event_of(row) or "", 3)


def chronological(rows: Sequence[Row]) -> list[Row]:
    return sorted(rows, key=order_key)


def cap_note(text: str, limit: int = NOTE_CAP) -> str:
    """A row's text quoted in a note or evidence: whitespace collapsed, cleaned and capped (``clean_text``)."""
    return clean_text(" ".join(text.split()), limit)


def first_field(rows: Sequence[Row], name: str) -> str | None:
    for row in rows:
        value = text_field(row, name)
        if value is not None:
            return value
    return None


def minutes_text(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes >= 1 else f"{span.total_seconds():.0f} s"


def retry_after_s(row: Row) -> float:
    """The row's retry_after in seconds (0 when absent or unreadable)."""
    value = row.get("retry_after")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 0.0


def aware_utc(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _full_text(row: Row) -> str:
    """All the text of a row (logs and message), for classifying when the error line alone names no cause."""
    message = row.get("message")
    return "\n".join([*log_lines(row), message if isinstance(message, str) else ""])


def row_cause(row: Row) -> tuple[Cause, str]:
    text = error_text(LogType.RAPID_BRIDGE, row)
    cause = classify(LogType.RAPID_BRIDGE, row, text)
    if cause is Cause.UNKNOWN:
        cause = classify(LogType.RAPID_BRIDGE, row, _full_text(row))
    return cause, text


# ---- the facts of one run --------------------------------------------------------------------

DELIVERY_FLAGS: Final = (("webhook_successful", "webhook"), ("datastore_successful", "datastore"))
"""The rapid_bridge flags that report a delivery, and the target each names."""


def failed_targets(row: Row) -> frozenset[str]:
    """The delivery targets a row reports failed (its flags false, on a row that carries records)."""
    if not undelivered_records(row):
        return frozenset()
    return frozenset(target for flag, target in DELIVERY_FLAGS if is_false(row.get(flag)))


@dataclass(frozen=True, slots=True)
class Batches:
    """A run's ``record`` events (one a batch): how many, their records, and those reported undelivered."""

    count: int = 0
    records: int = 0
    undelivered: int = 0
    undelivered_records: int = 0

    def plus(self, row: Row) -> Batches:
        """These batches and ``row`` (a ``record`` event)."""
        records = as_int(row.get("num_records")) or 0
        failed = bool(failed_targets(row))
        return Batches(
            self.count + 1,
            self.records + records,
            self.undelivered + failed,
            self.undelivered_records + (records if failed else 0),
        )


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A run whose rows report records not delivered (DOMAIN.md: ``num_records > 0`` with a flag false)."""

    targets: tuple[str, ...]
    """``webhook`` and/or ``datastore``: the flags that were false."""
    batches: int
    """``record`` events flagged undelivered (0 when only the run's end event is)."""
    records: int | None
    """Records of those batches; None when no batch is flagged: the end event then says that delivery
    failed but not for which records, and its ``num_records`` (the run's total) must not be added in."""


class RunView(Protocol):
    """What the outcome, record, delivery and time rules read of one run.

    Two things provide it: ``RunRows`` (every row of the run: ``trace_sync_run``) and
    ``catalog.RunTally`` (a fixed-size tally folded from the rows: ``list_sync_runs``). The rules
    below take either, which is what makes the two tools agree on every run. Rows are chronological
    (time, then lifecycle order). ``terminal``: the last completed/failed event (or row with status
    failed); ``start``: the first started event, else the first created one, else the first row;
    ``idle``: the time since the newest row (None without a readable timestamp); ``failed_targets``:
    the delivery targets any row reports failed; ``last_resource``: where the run stopped (or is)."""

    @property
    def stuck_after(self) -> timedelta: ...
    @property
    def events(self) -> set[str]: ...
    @property
    def statuses(self) -> set[str]: ...
    @property
    def last(self) -> Row | None: ...
    @property
    def terminal(self) -> Row | None: ...
    @property
    def start(self) -> Row | None: ...
    @property
    def idle(self) -> timedelta | None: ...
    @property
    def batches(self) -> Batches: ...
    @property
    def failed_targets(self) -> frozenset[str]: ...
    @property
    def record_errors(self) -> int: ...
    @property
    def rate_limited_events(self) -> int: ...
    @property
    def last_resource(self) -> str | None: ...


def is_terminal(row: Row) -> bool:
    return event_of(row) in ("completed", "failed") or row.get("status") == "failed"


@dataclass(frozen=True, slots=True)
class RunRows:
    rows: list[Row]
    webhook_rows: list[Row]
    cron_rows: list[Row]
    now: datetime
    stuck_after: timedelta

    def with_event(self, *events: str) -> list[Row]:
        return [row for row in self.rows if event_of(row) in events]

    @property
    def events(self) -> set[str]:
        return {event for row in self.rows if (event := event_of(row)) is not None}

    @property
    def statuses(self) -> set[str]:
        return {str(row["status"]) for row in self.rows if row.get("status") is not None}

    @property
    def terminal(self) -> Row | None:
        ends = [row for row in self.rows if is_terminal(row)]
        return ends[-1] if ends else None

    @property
    def last(self) -> Row | None:
        return self.rows[-1] if self.rows else None

    @property
    def start(self) -> Row | None:
        for event in ("started", "created"):
            rows = self.with_event(event)
            if rows:
                return rows[0]
        return self.rows[0] if self.rows else None

    @property
    def idle(self) -> timedelta | None:
        last = self.last
        moment = parse_row_time(last.get("timestamp")) if last is not None else None
        return None if moment is None else self.now - moment

    @property
    def batches(self) -> Batches:
        batches = Batches()
        for row in self.with_event("record"):
            batches = batches.plus(row)
        return batches

    @property
    def failed_targets(self) -> frozenset[str]:
        return frozenset(target for row in self.rows for target in failed_targets(row))

    @property
    def record_errors(self) -> int:
        return len(self.with_event("record_error"))

    @property
    def rate_limited_events(self) -> int:
        return len(self.with_event("rate_limited"))

    @property
    def last_resource(self) -> str | None:
        return last_resource_of(self.rows)


def outcome_of(run: RunView) -> RunOutcome:
    events, statuses = run.events, run.statuses
    if "failed" in events or "failed" in statuses:
        return "failed"
    if "completed" in events or "completed" in statuses:
        return "completed"
    if "stopped" in statuses:
        return "stopped"
    idle = run.idle
    if not events & _PROGRESS_EVENTS:
        if "created" not in events:
            return "unknown"
        return "never_started" if idle is not None and idle > run.stuck_after else "created"
    last = run.last
    if last is not None and (event_of(last) == "rate_limited" or last.get("status") == "rate_limited"):
        wait = timedelta(seconds=retry_after_s(last))
        return "stuck" if idle is not None and idle > run.stuck_after + wait else "rate_limited"
    return "stuck" if idle is not None and idle > run.stuck_after else "running"


def records_of(run: RunView) -> int:
    """The sum of the ``record`` events' ``num_records`` (each reports one batch); without any, the
    ``num_records`` of the end event (which reports the run's total: never added to the batches)."""
    batches = run.batches
    if batches.count:
        return batches.records
    terminal = run.terminal
    return (as_int(terminal.get("num_records")) or 0) if terminal is not None else 0


def undelivered_of(run: RunView) -> Undelivered | None:
    """Whether the run's rows report records not delivered, to which targets, and how many records."""
    targets = run.failed_targets
    if not targets:
        return None
    batches = run.batches
    records = batches.undelivered_records if batches.undelivered else None
    return Undelivered(tuple(sorted(targets)), batches.undelivered, records)


def run_facts(run: RunView) -> dict[str, Any]:
    """The ``RunFacts`` fields read from a run's rows (the ids excepted), one rule for both tools."""
    started, terminal, last = run.start, run.terminal, run.last
    return {
        "outcome": outcome_of(run),
        "started_at": stamp_of(started) if started is not None else None,
        "ended_at": stamp_of(terminal) if terminal is not None else None,
        "last_event_at": stamp_of(last) if last is not None else None,
        "duration_seconds": duration_between(started, terminal or last),
        "records": records_of(run),
        "record_errors": run.record_errors,
        "rate_limited_events": run.rate_limited_events,
        "last_event": event_of(last) if last is not None else None,
        "last_resource": run.last_resource,
    }


def duration_between(start: Row | None, end: Row | None) -> float | None:
    if start is None or end is None:
        return None
    begin, finish = parse_row_time(start.get("timestamp")), parse_row_time(end.get("timestamp"))
    if begin is None or finish is None:
        return None
    return (finish - begin).total_seconds()


def last_resource_of(rows: Sequence[Row]) -> str | None:
    for row in reversed(rows):
        resource = text_field(row, "resource")
        if resource is not None:
            return resource
    return None


# ---- webhooks and cron -----------------------------------------------------------------------


def webhook_summary(rows: Sequence[Row]) -> WebhookDeliveries:
    accepted, unanswered = 0, 0
    rejected: Counter[int] = Counter()
    for row in rows:
        code = as_int(row.get("webhook_endpoint_status"))
        if code is None:
            unanswered += row.get("status") == "failed"
        elif 200 <= code < 300:
            accepted += 1
        else:
            rejected[code] += 1
    return WebhookDeliveries(len(rows), accepted, tuple(rejected.most_common()), unanswered)


def cron_summary(rows: Sequence[Row]) -> CronTrigger:
    return CronTrigger(
        found=bool(rows),
        count=len(rows),
        first_at=stamp_of(rows[0]) if rows else None,
        needs_reauth=any(is_true(row.get("integrated_account_needs_reauth")) for row in rows),
        errors=sum(is_error(LogType.SYNC_JOB_CRON_TRIGGER, row) for row in rows),
    )
