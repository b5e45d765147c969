"""The diagnosis per outcome: the cause class, its next step, a one-line summary and the evidence rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from truto_log_mcp.analysis.causes import (
    NEXT_STEP,
    Cause,
    as_int,
    is_error,
    is_true,
    log_lines,
)
from truto_log_mcp.analysis.runs.facts import (
    EVIDENCE_ROWS,
    NO_CAUSE_STEPS,
    RunRows,
    aware_utc,
    cap_note,
    chronological,
    cron_summary,
    event_of,
    failed_targets,
    first_field,
    is_terminal,
    last_resource_of,
    minutes_text,
    outcome_of,
    records_of,
    retry_after_s,
    row_cause,
    run_facts,
    stamp_of,
    text_field,
    undelivered_of,
    webhook_summary,
)
from truto_log_mcp.analysis.runs.results import (
    Diagnosis,
    Evidence,
    RunDiagnosis,
    RunOutcome,
)
from truto_log_mcp.analysis.runs.timeline import build_timeline, cap_timeline
from truto_log_mcp.analysis.templates import looks_like_error
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType


def _rejected_webhooks(run: RunRows) -> list[Row]:
    return [row for row in run.webhook_rows if is_error(LogType.WEBHOOK, row)]


def _webhook_evidence(run: RunRows) -> list[Evidence]:
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


def _cron_evidence(run: RunRows, sync_job_id: str | None) -> list[Evidence]:
    job = sync_job_id or "the job"
    if not run.cron_rows:
        text = (
            f"no sync_job_cron_trigger row whose entity_id is {job} near the run: the schedule did not fire "
            "(or the run was triggered another way)"
        )
        return [Evidence(text, ())]
    first = run.cron_rows[0]
    return [Evidence(f"a cron trigger fired for {job} at {stamp_of(first)}", (first,)), *_cron_reauth_evidence(run)]


def _cron_reauth_evidence(run: RunRows) -> list[Evidence]:
    flagged = [row for row in run.cron_rows if is_true(row.get("integrated_account_needs_reauth"))]
    if not flagged:
        return []
    return [Evidence("the cron trigger reported integrated_account_needs_reauth true", tuple(flagged[:EVIDENCE_ROWS]))]


# ---- diagnoses per outcome -------------------------------------------------------------------


def _rate_limit_evidence(run: RunRows) -> list[Evidence]:
    """Rate limiting resumes by itself: worth stating (it explains a slow run), never worth acting on."""
    limited = run.with_event("rate_limited")
    if not limited:
        return []
    waited = sum(retry_after_s(row) for row in limited)
    text = f"rate limited {len(limited)} times (waited {waited:g} s in all); it resumes by itself, no action"
    return [Evidence(text, tuple(limited[:EVIDENCE_ROWS]))]


def _reauth_evidence(run: RunRows) -> list[Evidence]:
    flagged = [row for row in run.rows if is_true(row.get("integrated_account_needs_reauth"))]
    if not flagged:
        return []
    return [Evidence("the run's rows flag integrated_account_needs_reauth true", tuple(flagged[:EVIDENCE_ROWS]))]


def _record_error_evidence(run: RunRows) -> tuple[Cause | None, list[Evidence]]:
    record_errors = run.with_event("record_error")
    if not record_errors:
        return None, []
    causes = Counter(row_cause(row)[0] for row in record_errors)
    named = [cause for cause, _ in causes.most_common() if cause is not Cause.UNKNOWN]
    first_text = row_cause(record_errors[0])[1]
    where = last_resource_of(record_errors)
    text = f"{len(record_errors)} record_error events{f' on {where}' if where else ''}, e.g.: {cap_note(first_text)}"
    return (named[0] if named else Cause.UNKNOWN), [Evidence(text, tuple(record_errors[:EVIDENCE_ROWS]))]


def _secondary(run: RunRows, primary: Cause | None) -> list[tuple[Cause, Evidence]]:
    """Rejected webhook deliveries and rate limiting, unless one of them is the primary cause."""
    found = [(Cause.WEBHOOK_ENDPOINT, item) for item in _webhook_evidence(run)]
    found += [(Cause.RATE_LIMIT, item) for item in _rate_limit_evidence(run)]
    return [(cause, item) for cause, item in found if cause is not primary]


def _diagnose_failed(run: RunRows, terminal: Row) -> Diagnosis:
    cause, text = row_cause(terminal)
    where = text_field(terminal, "resource") or last_resource_of(run.rows)
    on = f" on {where}" if where else ""
    evidence = [Evidence(f"the run failed at {stamp_of(terminal)}{on}: {cap_note(text)}", (terminal,))]
    record_cause, record_evidence = _record_error_evidence(run)
    evidence += record_evidence
    if cause is Cause.UNKNOWN and record_cause is not None:
        cause = record_cause
    reauth = _reauth_evidence(run) + _cron_reauth_evidence(run)
    if cause is Cause.UNKNOWN and reauth:
        cause = Cause.AUTH
    secondary = _secondary(run, cause)
    evidence += reauth + [item for _, item in secondary]
    summary = f"failed ({cause}){on}: {cap_note(text, 120)}"
    return Diagnosis(cause, NEXT_STEP[cause], summary, tuple(evidence), tuple(c for c, _ in secondary))


def _delivery_evidence(run: RunRows) -> list[Evidence]:
    """Counted as ``records_of`` counts: flagged batches, never the end event's total on top of them."""
    undelivered = undelivered_of(run)
    if undelivered is None:
        return []
    flagged = [row for row in run.rows if failed_targets(row)]
    flags = ", ".join(f"{target}_successful false" for target in undelivered.targets)
    records = records_of(run)
    if undelivered.records is not None:
        text = (
            f"{undelivered.records} of {records} records not delivered "
            f"({undelivered.batches} of {run.batches.count} batches, {flags})"
        )
    else:
        text = f"delivery failed ({flags}) for some of the {records} records fetched; the rows do not say which"
    # Why, when the logs say it (the end event's "413 Payload Too Large"); a batch row's logs only say "Fetched N".
    explained = [row for row in flagged if is_terminal(row)] + flagged
    said = [line for row in explained for line in log_lines(row) if looks_like_error(line)]
    detail = f": {cap_note(said[0])}" if said else ""
    return [Evidence(text + detail, tuple(flagged[:EVIDENCE_ROWS]))]


def _diagnose_completed(run: RunRows) -> Diagnosis:
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
        return Diagnosis(None, NO_CAUSE_STEPS["completed"], "completed cleanly", evidence)
    # The summary is the headline: further findings are the evidence bullets and `other_causes`.
    return Diagnosis(cause, NEXT_STEP[cause], lead, evidence, tuple(c for c, _ in secondary))


def _diagnose_stuck(run: RunRows, last: Row) -> Diagnosis:
    idle = run.idle or timedelta(0)
    where = text_field(last, "resource") or last_resource_of(run.rows)
    text = (
        f"last event {event_of(last)} at {stamp_of(last)}{f' on {where}' if where else ''}, no progress for "
        f"{minutes_text(idle)} (threshold {minutes_text(run.stuck_after)}), no completed or failed event"
    )
    evidence = (Evidence(text, (last,)), *_rate_limit_evidence(run))
    return Diagnosis(Cause.STUCK, NEXT_STEP[Cause.STUCK], "stuck: " + text, evidence)


def _diagnose_never_started(run: RunRows, sync_job_id: str | None) -> Diagnosis:
    created = run.with_event("created")
    if created:
        idle = run.idle or timedelta(0)
        lead = Evidence(
            f"only a created event at {stamp_of(created[0])}, nothing since for {minutes_text(idle)}", (created[0],)
        )
    else:
        lead = Evidence("no rapid_bridge rows for this run in the window", ())
    cron = _cron_evidence(run, sync_job_id)
    evidence = (lead, *cron)
    if _cron_reauth_evidence(run):
        return Diagnosis(Cause.AUTH, NEXT_STEP[Cause.AUTH], "never started: the account needs reauth", evidence)
    summary = "never started: " + ("the cron trigger fired but no run started" if run.cron_rows else cron[0].text)
    return Diagnosis(Cause.NEVER_STARTED, NEXT_STEP[Cause.NEVER_STARTED], summary, evidence)


def _diagnose_in_progress(run: RunRows, outcome: RunOutcome) -> Diagnosis:
    last = run.last
    idle = run.idle
    since = (
        f"last event {event_of(last)} {minutes_text(idle)} ago" if last is not None and idle is not None else "no times"
    )
    if outcome == "rate_limited":
        evidence = tuple(_rate_limit_evidence(run))
        return Diagnosis(Cause.RATE_LIMIT, NEXT_STEP[Cause.RATE_LIMIT], f"rate limited, waiting ({since})", evidence)
    evidence = (Evidence(since, (last,)),) if last is not None else ()
    if outcome == "unknown":
        return Diagnosis(Cause.UNKNOWN, NEXT_STEP[Cause.UNKNOWN], "the run's events do not show its state", evidence)
    return Diagnosis(None, NO_CAUSE_STEPS[outcome], f"{outcome} ({since})", evidence)


def diagnose(run: RunRows, outcome: RunOutcome, sync_job_id: str | None) -> Diagnosis:
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
        return Diagnosis(None, NO_CAUSE_STEPS["not_found"], "no rows for this run", ())
    return _diagnose_in_progress(run, outcome)


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
    context = [*run.rows, *run.cron_rows]
    facts = {**run_facts(run), "outcome": outcome}
    return RunDiagnosis.model_construct(
        sync_job_run_id=first_field(run.rows, "sync_job_run_id") or sync_job_run_id,
        sync_job_id=job_id,
        integration=first_field(context, "integration"),
        integrated_account_id=first_field(context, "integrated_account_id"),
        **facts,
        timeline=tuple(timeline),
        timeline_omitted=omitted,
        webhooks=webhook_summary(run.webhook_rows),
        cron=cron_summary(run.cron_rows),
        diagnosis=diagnose(run, outcome, job_id),
    )
