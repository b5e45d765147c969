"""diagnose_run (trace_sync_run's engine): one planted run per diagnosis class, and the timeline cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from truto_log_mcp.analysis.causes import NEXT_STEP, Cause
from truto_log_mcp.analysis.runs.diagnosis import diagnose_run
from truto_log_mcp.analysis.runs.facts import TIMELINE_CAP
from truto_log_mcp.analysis.runs.results import Evidence
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

RUN = "4f1c2a9e-0d3b-4c5a-8e7f-1a2b3c4d5e6f"
JOB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ACCOUNT = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"
START = datetime(2026, 5, 16, 6, 0, tzinfo=UTC)
LONG_AFTER = START + timedelta(hours=2)


def at(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(name: str, seconds: float, status: str = "running", *logs: str, **fields: Any) -> Row:
    return {
        "timestamp": at(seconds),
        "log_type": "rapid_bridge",
        "sync_job_run_id": RUN,
        "sync_job_id": JOB,
        "integration": "hubspot",
        "integrated_account_id": ACCOUNT,
        "sync_job_run_event": name,
        "status": status,
        "logs": list(logs),
        "message": f"{at(seconds)} INFO sync_job_run {RUN} {name}",
        **fields,
    }


def opening() -> list[Row]:
    return [event("created", 0, "created"), event("started", 1)]


def record(seconds: float, n: int = 100, resource: str = "crm/contacts", **fields: Any) -> Row:
    return event("record", seconds, "running", f"Fetched {n} records", num_records=n, resource=resource, **fields)


def completed(seconds: float, **fields: Any) -> Row:
    return event("completed", seconds, "completed", "Sync completed", **fields)


def delivery(seconds: float, status: int | None, outcome: str = "delivered") -> Row:
    row: Row = {
        "timestamp": at(seconds),
        "event": "sync_job_run:completed",
        "status": outcome,
        "message": f"{at(seconds)} INFO webhook sync_job_run:completed sync_job_run_id={RUN} -> https://hooks.example",
    }
    if status is not None:
        row["webhook_endpoint_status"] = status
    return row


def cron(seconds: float, needs_reauth: bool = False) -> Row:
    return {
        "timestamp": at(seconds),
        "entity_id": JOB,
        "integrated_account_needs_reauth": needs_reauth,
        "integration": "hubspot",
        "message": f"{at(seconds)} INFO sync_job_cron_trigger entity_id={JOB}",
    }


def texts(evidence: tuple[Evidence, ...]) -> str:
    return " | ".join(item.text for item in evidence)


# ---- one run per diagnosis class ---------------------------------------------------------------


def test_failed_run_with_invalid_grant_is_auth_with_the_failure_as_evidence() -> None:
    failed = event(
        "failed",
        2,
        "failed",
        "Access token expired; refreshing",
        "Token refresh failed: invalid_grant",
        "Integrated account marked as needs_reauth",
    )
    result = diagnose_run([*opening(), failed], [], [cron(-1, needs_reauth=True)], LONG_AFTER)
    assert result.outcome == "failed"
    assert result.diagnosis.cause is Cause.AUTH
    assert result.diagnosis.next_step == NEXT_STEP[Cause.AUTH]
    assert "invalid_grant" in result.diagnosis.summary
    assert result.diagnosis.evidence[0].rows == (failed,)
    assert "needs_reauth" in texts(result.diagnosis.evidence)


def test_failed_run_with_upstream_5xx_is_provider_error_where_it_stopped() -> None:
    failed = event(
        "failed",
        30,
        "failed",
        "GET https://x.my.salesforce.com/services/data/v59.0/query 503 (812ms)",
        "Retry 1/3 after 2s: 503 Service Unavailable",
        "Provider error: Salesforce responded 503 Service Unavailable (request id 1a2b3c4d5e6f)",
        resource="crm/contacts",
    )
    result = diagnose_run([*opening(), record(10), failed], [], [], LONG_AFTER)
    assert result.outcome == "failed"
    assert result.diagnosis.cause is Cause.PROVIDER_ERROR
    assert result.last_event == "failed"
    assert result.last_resource == "crm/contacts"
    assert "503 Service Unavailable" in result.diagnosis.evidence[0].text
    assert result.ended_at == at(30)


def test_rate_limited_then_completed_is_completed_with_no_action() -> None:
    limited = [
        event("rate_limited", 5 + i, "rate_limited", "Pipedrive responded 429", retry_after=10, resource="crm/deals")
        for i in range(2)
    ]
    rows = [*opening(), record(3), *limited, record(30), completed(31, num_records=200)]
    result = diagnose_run(rows, [delivery(32, 200)], [], LONG_AFTER)
    assert result.outcome == "completed"
    assert result.diagnosis.cause is Cause.RATE_LIMIT
    assert result.rate_limited_events == 2
    assert "resumes by itself, no action" in result.diagnosis.summary
    assert result.diagnosis.evidence[0].rows == tuple(limited)


def test_mapping_record_errors_in_a_completed_run_are_mapping() -> None:
    errors = [
        event(
            "record_error",
            4 + i,
            "running",
            f"Mapping error: cannot read property 'fields' of undefined at record {i}",
            resource="ticketing/tickets",
        )
        for i in range(3)
    ]
    result = diagnose_run([*opening(), *errors, record(10), completed(11)], [], [], LONG_AFTER)
    assert result.outcome == "completed"
    assert result.diagnosis.cause is Cause.MAPPING
    assert result.record_errors == 3
    assert "3 record_error events on ticketing/tickets" in texts(result.diagnosis.evidence)


def test_failed_run_whose_failure_names_no_cause_takes_the_record_errors_cause() -> None:
    error = event("record_error", 4, "running", "JSONata evaluation error in the ticket mapping")
    failed = event("failed", 5, "failed", "Sync job run stopped")
    result = diagnose_run([*opening(), error, failed], [], [], LONG_AFTER)
    assert result.diagnosis.cause is Cause.MAPPING


def test_completed_run_whose_records_were_not_delivered_is_delivery() -> None:
    done = completed(20, num_records=250, webhook_successful=False, logs=["Webhook delivery failed: 413 from x"])
    rows = [*opening(), record(5, 100), record(10, 150), done]
    result = diagnose_run(rows, [delivery(21, 413, "failed")], [], LONG_AFTER)
    assert result.outcome == "completed"
    assert result.diagnosis.cause is Cause.DELIVERY
    assert "delivery failed (webhook_successful false) for some of the 250 records" in result.diagnosis.summary
    assert Cause.WEBHOOK_ENDPOINT in result.diagnosis.other_causes


def test_undelivered_records_are_counted_once_when_batches_and_the_end_event_are_flagged() -> None:
    # 4 batches of 50 flagged, and the completed event (num_records = the run's 200) flagged too.
    batches = [record(5 + i, 50, webhook_successful=False) for i in range(4)]
    done = completed(20, num_records=200, webhook_successful=False, logs=["Webhook delivery failed: 413 from x"])
    result = diagnose_run([*opening(), *batches, done], [], [], LONG_AFTER)
    assert result.records == 200
    assert "200 of 200 records not delivered (4 of 4 batches, webhook_successful false)" in result.diagnosis.summary


def test_only_the_flagged_batches_count_as_undelivered() -> None:
    rows = [*opening(), record(5, 100), record(6, 100, datastore_successful=False), record(7, 98), completed(9)]
    result = diagnose_run(rows, [], [], LONG_AFTER)
    assert result.diagnosis.cause is Cause.DELIVERY
    assert "100 of 298 records not delivered (1 of 3 batches, datastore_successful false)" in result.diagnosis.summary


def test_running_run_without_progress_for_longer_than_the_threshold_is_stuck() -> None:
    last = record(60, resource="crm/deals")
    result = diagnose_run([*opening(), record(30), last], [], [], START + timedelta(minutes=31))
    assert result.outcome == "stuck"
    assert result.diagnosis.cause is Cause.STUCK
    assert result.diagnosis.evidence[0].rows == (last,)
    assert "no progress for 30 min" in result.diagnosis.summary
    assert result.ended_at is None


def test_running_run_with_recent_progress_is_running_with_no_cause() -> None:
    result = diagnose_run([*opening(), record(30)], [], [], START + timedelta(minutes=2))
    assert result.outcome == "running"
    assert result.diagnosis.cause is None


def test_rate_limited_run_waiting_out_its_retry_after_is_not_stuck() -> None:
    limited = event("rate_limited", 30, "rate_limited", "429", retry_after=600)
    result = diagnose_run([*opening(), limited], [], [], START + timedelta(minutes=8))
    assert result.outcome == "rate_limited"
    assert result.diagnosis.cause is Cause.RATE_LIMIT


def test_run_only_created_long_ago_never_started_and_says_whether_cron_fired() -> None:
    created = event("created", 0, "created")
    without_cron = diagnose_run([created], [], [], LONG_AFTER)
    with_cron = diagnose_run([created], [], [cron(-1)], LONG_AFTER)
    assert without_cron.outcome == with_cron.outcome == "never_started"
    assert without_cron.diagnosis.cause is Cause.NEVER_STARTED
    assert "no sync_job_cron_trigger row" in texts(without_cron.diagnosis.evidence)
    assert "a cron trigger fired" in texts(with_cron.diagnosis.evidence)
    assert not without_cron.cron.found and with_cron.cron.found


def test_run_created_moments_ago_is_created_not_never_started() -> None:
    result = diagnose_run([event("created", 0, "created")], [], [], START + timedelta(minutes=1))
    assert result.outcome == "created"


def test_no_run_rows_with_a_known_job_is_never_started() -> None:
    result = diagnose_run([], [], [], LONG_AFTER, sync_job_run_id=RUN, sync_job_id=JOB)
    assert result.outcome == "never_started"
    assert result.sync_job_id == JOB
    assert result.sync_job_run_id == RUN
    assert "no rapid_bridge rows" in texts(result.diagnosis.evidence)


def test_no_run_rows_and_no_job_is_not_found() -> None:
    result = diagnose_run([], [], [], LONG_AFTER, sync_job_run_id=RUN)
    assert result.outcome == "not_found"
    assert result.diagnosis.cause is None


def test_clean_completed_run_counts_records_and_times() -> None:
    rows = [*opening(), record(5, 100), record(10, 40), completed(12, num_records=140)]
    result = diagnose_run(rows, [delivery(13, 200)], [cron(-1)], LONG_AFTER)
    assert result.outcome == "completed"
    assert result.diagnosis.cause is None
    assert result.records == 140
    assert (result.started_at, result.ended_at, result.duration_seconds) == (at(1), at(12), 11.0)
    assert (result.integration, result.integrated_account_id, result.sync_job_id) == ("hubspot", ACCOUNT, JOB)
    assert result.webhooks.count == result.webhooks.accepted == 1


def test_completed_run_whose_webhook_deliveries_were_refused_is_webhook_endpoint() -> None:
    deliveries = [delivery(13, 503, "failed"), delivery(43, 504, "failed"), delivery(163, None, "failed")]
    result = diagnose_run([*opening(), record(5), completed(12)], deliveries, [], LONG_AFTER)
    assert result.diagnosis.cause is Cause.WEBHOOK_ENDPOINT
    assert result.webhooks.rejected == ((503, 1), (504, 1))
    assert result.webhooks.unanswered == 1


def test_naive_now_is_taken_as_utc() -> None:
    naive_now = (START + timedelta(minutes=31)).replace(tzinfo=None)
    assert diagnose_run([*opening(), record(60)], [], [], naive_now).outcome == "stuck"


# ---- timeline ----------------------------------------------------------------------------------


def test_timeline_is_chronological_across_log_types_whatever_the_input_order() -> None:
    rows = [completed(12), record(5), *opening()]
    result = diagnose_run(rows, [delivery(13, 200)], [cron(-1)], LONG_AFTER)
    assert [entry.event for entry in result.timeline] == [
        "cron_trigger",
        "created",
        "started",
        "record",
        "completed",
        "sync_job_run:completed",
    ]
    assert [entry.source for entry in result.timeline][:2] == [LogType.SYNC_JOB_CRON_TRIGGER, LogType.RAPID_BRIDGE]
    assert result.timeline_omitted == 0


def test_timeline_entries_carry_error_notes_and_their_source_rows() -> None:
    error = event("record_error", 4, "running", "Mapping error: cannot read property 'x' of undefined")
    result = diagnose_run([*opening(), error, completed(5)], [], [], LONG_AFTER)
    entry = next(entry for entry in result.timeline if entry.is_error)
    assert entry.row is error
    assert entry.note == "Mapping error: cannot read property 'x' of undefined"


def test_timeline_is_capped_keeping_first_last_and_every_error() -> None:
    records = [record(10 + i) for i in range(100)]
    errors = [event("record_error", 10.5 + 20 * i, "running", f"Mapping error at record {i}") for i in range(5)]
    rows = [*opening(), *records, *errors, completed(200)]
    result = diagnose_run(rows, [], [], LONG_AFTER)
    assert len(result.timeline) == TIMELINE_CAP
    assert result.timeline_omitted == len(rows) - TIMELINE_CAP
    assert result.timeline[0].event == "created"
    assert result.timeline[-1].event == "completed"
    assert sum(entry.is_error for entry in result.timeline) == 5
    assert [entry.time for entry in result.timeline] == sorted(entry.time or "" for entry in result.timeline)


def test_timeline_with_more_errors_than_the_cap_keeps_the_first_and_last_errors() -> None:
    errors = [event("record_error", 10 + i, "running", f"Mapping error at record {i}") for i in range(200)]
    result = diagnose_run([*opening(), *errors, event("failed", 300, "failed", "too many errors")], [], [], LONG_AFTER)
    kept = [entry.row for entry in result.timeline]
    assert len(kept) == TIMELINE_CAP
    assert kept[0]["sync_job_run_event"] == "created"
    assert errors[0] in kept and errors[-1] in kept
    assert result.timeline_omitted == 203 - TIMELINE_CAP
