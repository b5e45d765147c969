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

from collections.abc import Sequence
from datetime import datetime, timedelta

from truto_log_mcp.analysis.runs.diagnosis import diagnose
from truto_log_mcp.analysis.runs.facts import (
    TIMELINE_CAP,
    RunRows,
    aware_utc,
    chronological,
    cron_summary,
    duration_between,
    event_of,
    first_field,
    last_resource_of,
    outcome_of,
    records_of,
    stamp_of,
    start_row,
    webhook_summary,
)
from truto_log_mcp.analysis.runs.results import (
    CronTrigger,
    Diagnosis,
    Evidence,
    RunDiagnosis,
    RunFacts,
    RunOutcome,
    TimelineEntry,
    WebhookDeliveries,
)
from truto_log_mcp.analysis.runs.timeline import build_timeline, cap_timeline
from truto_log_mcp.rows import Row

__all__ = [
    "TIMELINE_CAP",
    "CronTrigger",
    "Diagnosis",
    "Evidence",
    "RunDiagnosis",
    "RunFacts",
    "RunOutcome",
    "TimelineEntry",
    "WebhookDeliveries",
    "build_timeline",
    "cap_timeline",
    "diagnose_run",
]


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
    run = RunRows(
        chronological(run_rows), chronological(webhook_rows), chronological(cron_rows), aware_utc(now), stuck_after
    )
    job_id = first_field(run.rows, "sync_job_id") or sync_job_id or first_field(run.cron_rows, "entity_id")
    if run.rows:
        outcome = outcome_of(run)
    else:
        outcome = "never_started" if job_id is not None else "not_found"
    timeline, omitted = cap_timeline(build_timeline(run.rows, run.webhook_rows, run.cron_rows))
    started, terminal, last = start_row(run), run.terminal, run.last
    context = [*run.rows, *run.cron_rows]
    return RunDiagnosis.model_construct(
        sync_job_run_id=first_field(run.rows, "sync_job_run_id") or sync_job_run_id,
        sync_job_id=job_id,
        integration=first_field(context, "integration"),
        integrated_account_id=first_field(context, "integrated_account_id"),
        outcome=outcome,
        started_at=stamp_of(started) if started is not None else None,
        ended_at=stamp_of(terminal) if terminal is not None else None,
        last_event_at=stamp_of(last) if last is not None else None,
        duration_seconds=duration_between(started, terminal or last),
        records=records_of(run),
        record_errors=len(run.with_event("record_error")),
        rate_limited_events=len(run.with_event("rate_limited")),
        last_event=event_of(last) if last is not None else None,
        last_resource=last_resource_of(run.rows),
        timeline=tuple(timeline),
        timeline_omitted=omitted,
        webhooks=webhook_summary(run.webhook_rows),
        cron=cron_summary(run.cron_rows),
        diagnosis=diagnose(run, outcome, job_id),
    )
