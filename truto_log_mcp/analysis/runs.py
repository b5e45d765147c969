"""The engine of ``trace_sync_run``: one sync run's rows in, its story and the reason it failed out.

Why: a failed run's reason is not on its final row but spread over the ``rapid_bridge`` rows of the
run (``record_error``/``failed`` events and their ``logs``), the webhook deliveries it caused and the
cron trigger that started it (DOMAIN.md, "A failed sync run"). ``diagnose_run`` reads all three
and returns what a person would conclude: the outcome, the cause class with its next step, and
evidence that points at the rows it came from (so the tool layer can attach row refs).

Conventions:

* Rows may come in any order; they are sorted by timestamp (then by lifecycle order of events).
* ``records`` is the sum of ``num_records`` over ``record`` events (each reports one batch). When the
  run logged no ``record`` events, the ``num_records`` of its ``completed``/``failed`` row is used.
* With no ``run_rows`` the outcome is ``never_started`` when the job is known (``sync_job_id``
  argument or cron rows) and ``not_found`` otherwise; the caller decides how to word either.
* The timeline keeps at most ``TIMELINE_CAP`` entries: the first and the last, then every error,
  then lifecycle events and cron triggers, then record events, then successful webhook deliveries;
  a tier that does not fit is sampled evenly (its first and last kept). ``timeline_omitted`` says
  how many entries were left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from truto_log_mcp.analysis.causes import (
    NEXT_STEP,
    Cause,
    as_int,
    classify,
    is_error,
    is_false,
    is_true,
    log_lines,
    undelivered_records,
)
from truto_log_mcp.analysis.grouping import error_text
from truto_log_mcp.rows import Row, parse_row_time
from truto_log_mcp.rules import LogType

RunOutcome = Literal[
    "completed",
    "failed",
    "running",
    "rate_limited",
    "stuck",
    "stopped",
    "never_started",
    "created",
    "not_found",
    "unknown",
]

TIMELINE_CAP: Final = 40
EVIDENCE_ROWS: Final = 3
"""Rows attached to one evidence item at most."""
NOTE_CAP: Final = 160

_EPOCH = datetime.min.replace(tzinfo=UTC)
_EVENT_ORDER: Final = {
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
_SOURCE_ORDER: Final = {LogType.SYNC_JOB_CRON_TRIGGER: 0, LogType.RAPID_BRIDGE: 1, LogType.WEBHOOK: 2}

_NO_CAUSE_STEPS: Final[dict[str, str]] = {
    "completed": "Nothing to fix: the run completed and delivered its records.",
    "running": "The run is making progress: check again later.",
    "created": "The run was created moments ago and has not started yet: check again in a few minutes.",
    "stopped": "The run was stopped before it finished; nothing failed. Trigger the job again if its data is needed.",
    "not_found": (
        "No rapid_bridge rows for this run in the window: widen the time window or check the sync_job_run_id."
    ),
}


# ---- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    time: str | None
    source: LogType
    event: str | None
    """rapid_bridge: sync_job_run_event; webhook: the webhook event; cron: "cron_trigger"."""
    status: str | None
    """rapid_bridge: the run state; webhook: the endpoint's HTTP status (or the delivery status)."""
    resource: str | None
    num_records: int | None
    note: str | None
    """Short: the error text, "retry after 30s", "endpoint answered 503", delivery flags."""
    is_error: bool
    row: Row
    """The source row (the tool layer turns it into a ref)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    rows: tuple[Row, ...]
    """The rows the statement comes from (at most ``EVIDENCE_ROWS``)."""


@dataclass(frozen=True, slots=True)
class WebhookDeliveries:
    count: int
    accepted: int
    """Deliveries that the customer's endpoint answered with 2xx."""
    rejected: tuple[tuple[int, int], ...]
    """Non-2xx endpoint status -> deliveries, most common first."""
    unanswered: int
    """Failed deliveries without an endpoint status (timeouts, connection errors)."""


@dataclass(frozen=True, slots=True)
class CronTrigger:
    found: bool
    count: int
    first_at: str | None
    needs_reauth: bool
    errors: int


@dataclass(frozen=True, slots=True)
class Diagnosis:
    cause: Cause | None
    """None when nothing went wrong (a clean completion, a run still progressing, a stopped run)."""
    next_step: str
    summary: str
    """One line: outcome, cause and where, e.g. "failed (auth) on crm/contacts: Token refresh failed: ..."."""
    evidence: tuple[Evidence, ...]
    other_causes: tuple[Cause, ...] = ()
    """Further problems the rows show beside ``cause`` (e.g. rate limiting, rejected webhook deliveries);
    their next steps are ``NEXT_STEP[c]`` and their evidence is in ``evidence``."""


@dataclass(frozen=True, slots=True)
class RunDiagnosis:
    sync_job_run_id: str | None
    sync_job_id: str | None
    integration: str | None
    integrated_account_id: str | None
    outcome: RunOutcome
    started_at: str | None
    ended_at: str | None
    """The completed/failed event's time; None while the run has not ended."""
    last_event_at: str | None
    duration_seconds: float | None
    """From started_at to ended_at (or to the last event while the run has not ended)."""
    records: int
    record_errors: int
    rate_limited_events: int
    last_event: str | None
    last_resource: str | None
    """Where the run stopped (or is): the last event and the last resource it worked on."""
    timeline: tuple[TimelineEntry, ...]
    timeline_omitted: int
    webhooks: WebhookDeliveries
    cron: CronTrigger
    diagnosis: Diagnosis


# ---- helpers over rows -----------------------------------------------------------------------


def _time(row: Row) -> datetime:
    return parse_row_time(row.get("timestamp")) or _EPOCH


def _stamp(row: Row) -> str | None:
    value = row.get("timestamp")
    return value if isinstance(value, str) else None


def _event(row: Row) -> str | None:
    value = row.get("sync_job_run_event")
    return value if isinstance(value, str) else None


def _text_field(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None or value == "" else str(value)


def _chronological(rows: Sequence[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (_time(row), _EVENT_ORDER.get(_event(row) or "", 3)))


def _cap(text: str, limit: int = NOTE_CAP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_field(rows: Sequence[Row], name: str) -> str | None:
    for row in rows:
        value = _text_field(row, name)
        if value is not None:
            return value
    return None


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes >= 1 else f"{span.total_seconds():.0f} s"


def _retry_after(row: Row) -> float:
    """The row's retry_after in seconds (0 when absent or unreadable)."""
    value = row.get("retry_after")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 0.0


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _full_text(row: Row) -> str:
    """All the text of a row (logs and message), for classifying when the error line alone names no cause."""
    message = row.get("message")
    return "\n".join([*log_lines(row), message if isinstance(message, str) else ""])


def _row_cause(row: Row) -> tuple[Cause, str]:
    text = error_text(LogType.RAPID_BRIDGE, row)
    cause = classify(LogType.RAPID_BRIDGE, row, text)
    if cause is Cause.UNKNOWN:
        cause = classify(LogType.RAPID_BRIDGE, row, _full_text(row))
    return cause, text


# ---- the facts of one run --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    rows: list[Row]
    webhook_rows: list[Row]
    cron_rows: list[Row]
    now: datetime
    stuck_after: timedelta

    def with_event(self, *events: str) -> list[Row]:
        return [row for row in self.rows if _event(row) in events]

    @property
    def events(self) -> set[str]:
        return {event for row in self.rows if (event := _event(row)) is not None}

    @property
    def statuses(self) -> set[str]:
        return {str(row["status"]) for row in self.rows if row.get("status") is not None}

    @property
    def terminal(self) -> Row | None:
        ends = [row for row in self.rows if _event(row) in ("completed", "failed") or row.get("status") == "failed"]
        return ends[-1] if ends else None

    @property
    def last(self) -> Row | None:
        return self.rows[-1] if self.rows else None

    @property
    def idle(self) -> timedelta | None:
        """Time since the newest run row (None when it has no readable timestamp)."""
        last = self.last
        moment = parse_row_time(last.get("timestamp")) if last is not None else None
        return None if moment is None else self.now - moment


def _outcome(run: _Run) -> RunOutcome:
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
    if last is not None and (_event(last) == "rate_limited" or last.get("status") == "rate_limited"):
        wait = timedelta(seconds=_retry_after(last))
        return "stuck" if idle is not None and idle > run.stuck_after + wait else "rate_limited"
    return "stuck" if idle is not None and idle > run.stuck_after else "running"


def _records(run: _Run) -> int:
    batches = run.with_event("record")
    if batches:
        return sum(as_int(row.get("num_records")) or 0 for row in batches)
    terminal = run.terminal
    return (as_int(terminal.get("num_records")) or 0) if terminal is not None else 0


def _started_at(run: _Run) -> Row | None:
    for event in ("started", "created"):
        rows = run.with_event(event)
        if rows:
            return rows[0]
    return run.rows[0] if run.rows else None


def _duration(start: Row | None, end: Row | None) -> float | None:
    if start is None or end is None:
        return None
    begin, finish = parse_row_time(start.get("timestamp")), parse_row_time(end.get("timestamp"))
    if begin is None or finish is None:
        return None
    return (finish - begin).total_seconds()


def _last_resource(rows: Sequence[Row]) -> str | None:
    for row in reversed(rows):
        resource = _text_field(row, "resource")
        if resource is not None:
            return resource
    return None


# ---- webhooks and cron -----------------------------------------------------------------------


def _webhook_summary(rows: Sequence[Row]) -> WebhookDeliveries:
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


def _cron_summary(rows: Sequence[Row]) -> CronTrigger:
    return CronTrigger(
        found=bool(rows),
        count=len(rows),
        first_at=_stamp(rows[0]) if rows else None,
        needs_reauth=any(is_true(row.get("integrated_account_needs_reauth")) for row in rows),
        errors=sum(is_error(LogType.SYNC_JOB_CRON_TRIGGER, row) for row in rows),
    )


def _rejected_webhooks(run: _Run) -> list[Row]:
    return [row for row in run.webhook_rows if is_error(LogType.WEBHOOK, row)]


def _webhook_evidence(run: _Run) -> list[Evidence]:
    failed = _rejected_webhooks(run)
    if not failed:
        return []
    answers = Counter(
        str(code) if (code := as_int(row.get("webhook_endpoint_status"))) is not None else "no answer" for row in failed
    )
    spread = ", ".join(f"{answer} x{count}" for answer, count in answers.most_common())
    text = (
        f"the customer's webhook endpoint refused or did not answer {len(failed)} of {len(run.webhook_rows)} "
        f"delivery attempts for this run ({spread}); Truto did attempt delivery"
    )
    return [Evidence(text, tuple(failed[:EVIDENCE_ROWS]))]


def _cron_evidence(run: _Run, sync_job_id: str | None) -> list[Evidence]:
    job = sync_job_id or "the job"
    if not run.cron_rows:
        text = (
            f"no sync_job_cron_trigger row whose entity_id is {job} near the run: the schedule did not fire "
            "(or the run was triggered another way)"
        )
        return [Evidence(text, ())]
    first = run.cron_rows[0]
    return [Evidence(f"a cron trigger fired for {job} at {_stamp(first)}", (first,)), *_cron_reauth_evidence(run)]


def _cron_reauth_evidence(run: _Run) -> list[Evidence]:
    flagged = [row for row in run.cron_rows if is_true(row.get("integrated_account_needs_reauth"))]
    if not flagged:
        return []
    return [Evidence("the cron trigger reported integrated_account_needs_reauth true", tuple(flagged[:EVIDENCE_ROWS]))]


# ---- diagnoses per outcome -------------------------------------------------------------------


def _rate_limit_evidence(run: _Run) -> list[Evidence]:
    """Rate limiting resumes by itself: worth stating (it explains a slow run), never worth acting on."""
    limited = run.with_event("rate_limited")
    if not limited:
        return []
    waited = sum(_retry_after(row) for row in limited)
    text = f"rate limited {len(limited)} times (waited {waited:g} s in all); it resumes by itself, no action"
    return [Evidence(text, tuple(limited[:EVIDENCE_ROWS]))]


def _reauth_evidence(run: _Run) -> list[Evidence]:
    flagged = [row for row in run.rows if is_true(row.get("integrated_account_needs_reauth"))]
    if not flagged:
        return []
    return [Evidence("the run's rows flag integrated_account_needs_reauth true", tuple(flagged[:EVIDENCE_ROWS]))]


def _record_error_evidence(run: _Run) -> tuple[Cause | None, list[Evidence]]:
    record_errors = run.with_event("record_error")
    if not record_errors:
        return None, []
    causes = Counter(_row_cause(row)[0] for row in record_errors)
    named = [cause for cause, _ in causes.most_common() if cause is not Cause.UNKNOWN]
    first_text = _row_cause(record_errors[0])[1]
    where = _last_resource(record_errors)
    text = f"{len(record_errors)} record_error events{f' on {where}' if where else ''}, e.g.: {_cap(first_text)}"
    return (named[0] if named else Cause.UNKNOWN), [Evidence(text, tuple(record_errors[:EVIDENCE_ROWS]))]


def _secondary(run: _Run, primary: Cause | None) -> list[tuple[Cause, Evidence]]:
    """Rejected webhook deliveries and rate limiting, unless one of them is the primary cause."""
    found = [(Cause.WEBHOOK_ENDPOINT, item) for item in _webhook_evidence(run)]
    found += [(Cause.RATE_LIMIT, item) for item in _rate_limit_evidence(run)]
    return [(cause, item) for cause, item in found if cause is not primary]


def _also(findings: Sequence[tuple[Cause, Evidence]]) -> str:
    return "".join(f"; also {item.text}" for _, item in findings)


def _diagnose_failed(run: _Run, terminal: Row) -> Diagnosis:
    cause, text = _row_cause(terminal)
    where = _text_field(terminal, "resource") or _last_resource(run.rows)
    on = f" on {where}" if where else ""
    evidence = [Evidence(f"the run failed at {_stamp(terminal)}{on}: {_cap(text)}", (terminal,))]
    record_cause, record_evidence = _record_error_evidence(run)
    evidence += record_evidence
    if cause is Cause.UNKNOWN and record_cause is not None:
        cause = record_cause
    reauth = _reauth_evidence(run) + _cron_reauth_evidence(run)
    if cause is Cause.UNKNOWN and reauth:
        cause = Cause.AUTH
    secondary = _secondary(run, cause)
    evidence += reauth + [item for _, item in secondary]
    summary = f"failed ({cause}){on}: {_cap(text, 120)}"
    return Diagnosis(cause, NEXT_STEP[cause], summary, tuple(evidence), tuple(c for c, _ in secondary))


def _delivery_evidence(run: _Run) -> list[Evidence]:
    undelivered = [row for row in run.rows if undelivered_records(row)]
    if not undelivered:
        return []
    flags = sorted(
        {
            flag
            for row in undelivered
            for flag in ("webhook_successful", "datastore_successful")
            if is_false(row.get(flag))
        }
    )
    records = sum(as_int(row.get("num_records")) or 0 for row in undelivered)
    texts = {_cap(error_text(LogType.RAPID_BRIDGE, row)) for row in undelivered}
    detail = f": {sorted(texts)[0]}" if texts else ""
    text = f"{records} records fetched but not delivered ({', '.join(f'{flag} false' for flag in flags)}){detail}"
    return [Evidence(text, tuple(undelivered[:EVIDENCE_ROWS]))]


def _diagnose_completed(run: _Run) -> Diagnosis:
    """Actionable findings first: undelivered records, record errors, rejected webhooks; then rate limiting."""
    delivery = _delivery_evidence(run)
    record_cause, record_evidence = _record_error_evidence(run)
    if delivery:
        cause, lead = Cause.DELIVERY, "completed, but " + delivery[0].text
    elif record_cause is not None:
        cause, lead = record_cause, f"completed with record errors ({record_cause}): {record_evidence[0].text}"
    else:
        cause, lead = None, "completed"
    secondary = _secondary(run, cause)
    evidence = tuple(delivery + record_evidence + [item for _, item in secondary])
    if cause is None and secondary:
        (cause, first), secondary = secondary[0], secondary[1:]
        lead = "completed, but " + first.text
    if cause is None:
        return Diagnosis(None, _NO_CAUSE_STEPS["completed"], "completed cleanly", evidence)
    return Diagnosis(cause, NEXT_STEP[cause], lead + _also(secondary), evidence, tuple(c for c, _ in secondary))


def _diagnose_stuck(run: _Run, last: Row) -> Diagnosis:
    idle = run.idle or timedelta(0)
    where = _text_field(last, "resource") or _last_resource(run.rows)
    text = (
        f"last event {_event(last)} at {_stamp(last)}{f' on {where}' if where else ''}, no progress for "
        f"{_minutes(idle)} (threshold {_minutes(run.stuck_after)}), no completed or failed event"
    )
    evidence = (Evidence(text, (last,)), *_rate_limit_evidence(run))
    return Diagnosis(Cause.STUCK, NEXT_STEP[Cause.STUCK], "stuck: " + text, evidence)


def _diagnose_never_started(run: _Run, sync_job_id: str | None) -> Diagnosis:
    created = run.with_event("created")
    if created:
        idle = run.idle or timedelta(0)
        lead = Evidence(
            f"only a created event at {_stamp(created[0])}, nothing since for {_minutes(idle)}", (created[0],)
        )
    else:
        lead = Evidence("no rapid_bridge rows for this run in the window", ())
    cron = _cron_evidence(run, sync_job_id)
    evidence = (lead, *cron)
    if _cron_reauth_evidence(run):
        return Diagnosis(Cause.AUTH, NEXT_STEP[Cause.AUTH], "never started: the account needs reauth", evidence)
    summary = "never started: " + ("the cron trigger fired but no run started" if run.cron_rows else cron[0].text)
    return Diagnosis(Cause.NEVER_STARTED, NEXT_STEP[Cause.NEVER_STARTED], summary, evidence)


def _diagnose_in_progress(run: _Run, outcome: RunOutcome) -> Diagnosis:
    last = run.last
    idle = run.idle
    since = f"last event {_event(last)} {_minutes(idle)} ago" if last is not None and idle is not None else "no times"
    if outcome == "rate_limited":
        evidence = tuple(_rate_limit_evidence(run))
        return Diagnosis(Cause.RATE_LIMIT, NEXT_STEP[Cause.RATE_LIMIT], f"rate limited, waiting ({since})", evidence)
    evidence = (Evidence(since, (last,)),) if last is not None else ()
    if outcome == "unknown":
        return Diagnosis(Cause.UNKNOWN, NEXT_STEP[Cause.UNKNOWN], "the run's events do not show its state", evidence)
    return Diagnosis(None, _NO_CAUSE_STEPS[outcome], f"{outcome} ({since})", evidence)


def _diagnose(run: _Run, outcome: RunOutcome, sync_job_id: str | None) -> Diagnosis:
    terminal, last = run.terminal, run.last
    if outcome == "failed" and terminal is not None:
        return _diagnose_failed(run, terminal)
    if outcome == "completed":
        return _diagnose_completed(run)
    if outcome == "stuck" and last is not None:
        return _diagnose_stuck(run, last)
    if outcome == "never_started":
        return _diagnose_never_started(run, sync_job_id)
    if outcome == "not_found":
        return Diagnosis(None, _NO_CAUSE_STEPS["not_found"], "no rows for this run", ())
    return _diagnose_in_progress(run, outcome)


# ---- timeline --------------------------------------------------------------------------------


def _run_entry(row: Row) -> TimelineEntry:
    failed = is_error(LogType.RAPID_BRIDGE, row)
    note: str | None = None
    if failed:
        note = _cap(error_text(LogType.RAPID_BRIDGE, row))
    elif _event(row) == "rate_limited":
        note = f"retry after {_retry_after(row):g}s"
    return TimelineEntry(
        time=_stamp(row),
        source=LogType.RAPID_BRIDGE,
        event=_event(row),
        status=_text_field(row, "status"),
        resource=_text_field(row, "resource"),
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
        time=_stamp(row),
        source=LogType.WEBHOOK,
        event=_text_field(row, "event"),
        status=str(code) if code is not None else _text_field(row, "status"),
        resource=_text_field(row, "resource"),
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
        note = _cap(error_text(LogType.SYNC_JOB_CRON_TRIGGER, row))
    return TimelineEntry(
        _stamp(row), LogType.SYNC_JOB_CRON_TRIGGER, "cron_trigger", None, None, None, note, failed, row
    )


def _entry_order(entry: TimelineEntry) -> tuple[datetime, int, int]:
    return (_time(entry.row), _SOURCE_ORDER[entry.source], _EVENT_ORDER.get(entry.event or "", 3))


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


# ---- diagnose_run ----------------------------------------------------------------------------


def diagnose_run(
    run_rows: Sequence[Row],
    webhook_rows: Sequence[Row],
    cron_rows: Sequence[Row],
    now: datetime,
    stuck_after: timedelta = timedelta(minutes=5),
    *,
    sync_job_run_id: str | None = None,
    sync_job_id: str | None = None,
) -> RunDiagnosis:
    """The outcome, timeline and diagnosis of one sync run (see the module docstring for conventions).

    ``run_rows``: the run's rapid_bridge rows; ``webhook_rows``: deliveries whose message names the run;
    ``cron_rows``: sync_job_cron_trigger rows whose entity_id is the run's job, near its start; ``now``:
    the moment "stuck" and "never started" are judged from (naive means UTC). ``sync_job_run_id`` and
    ``sync_job_id`` name the run and job when the rows do not (e.g. no run rows at all).
    """
    run = _Run(
        _chronological(run_rows), _chronological(webhook_rows), _chronological(cron_rows), _aware(now), stuck_after
    )
    job_id = _first_field(run.rows, "sync_job_id") or sync_job_id or _first_field(run.cron_rows, "entity_id")
    if run.rows:
        outcome = _outcome(run)
    else:
        outcome = "never_started" if job_id is not None else "not_found"
    timeline, omitted = cap_timeline(build_timeline(run.rows, run.webhook_rows, run.cron_rows))
    started, terminal, last = _started_at(run), run.terminal, run.last
    context = [*run.rows, *run.cron_rows]
    return RunDiagnosis(
        sync_job_run_id=_first_field(run.rows, "sync_job_run_id") or sync_job_run_id,
        sync_job_id=job_id,
        integration=_first_field(context, "integration"),
        integrated_account_id=_first_field(context, "integrated_account_id"),
        outcome=outcome,
        started_at=_stamp(started) if started is not None else None,
        ended_at=_stamp(terminal) if terminal is not None else None,
        last_event_at=_stamp(last) if last is not None else None,
        duration_seconds=_duration(started, terminal or last),
        records=_records(run),
        record_errors=len(run.with_event("record_error")),
        rate_limited_events=len(run.with_event("rate_limited")),
        last_event=_event(last) if last is not None else None,
        last_resource=_last_resource(run.rows),
        timeline=tuple(timeline),
        timeline_omitted=omitted,
        webhooks=_webhook_summary(run.webhook_rows),
        cron=_cron_summary(run.cron_rows),
        diagnosis=_diagnose(run, outcome, job_id),
    )
