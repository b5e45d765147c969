"""Planted sync runs whose every number is known: the truth the run tools' answers are compared with.

Each story is written out event by event (seconds before ``now``), and its truth is stated as
literals next to it, not derived by the code under test. The ``undelivered`` story is issue 10's:
four batches of 50 records, each flagged ``webhook_successful`` false, and the completed event
flagged too with the run's total of 200 (which a double count made "400").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from truto_log_mcp.rules import LogType

JOB = "9d0c3e7a-1b2f-4c5d-8e6f-7a8b9c0d1e2f"
ACCOUNT = "2e4a6c8b-0d1f-4a3b-9c5d-6e7f8a9b0c1d"
OTHER_JOB = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
OTHER_ACCOUNT = "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f"


@dataclass(frozen=True)
class Truth:
    """What the rows say of one run, as a person counting them would."""

    outcome: str
    state: str
    records: int
    record_errors: int
    rate_limited_events: int
    duration_seconds: float
    last_event: str
    last_resource: str | None
    ended: bool
    undelivered_records: int | None = None
    deliveries: dict[str, int] = field(default_factory=dict)
    """trace_sync_run's webhook_deliveries: count, accepted, unanswered, rejected_<status>."""
    timeline_records: tuple[int, ...] = ()
    """The num_records of the timeline's entries that carry one, in order."""


@dataclass(frozen=True)
class Story:
    run_id: str
    job: str
    account: str
    integration: str
    events: tuple[tuple[float, str, dict[str, Any]], ...]
    """(seconds before now, sync_job_run_event, extra fields)."""
    deliveries: tuple[tuple[float, str, int | None], ...]
    """(seconds before now, webhook event, endpoint status or None for no answer)."""
    truth: Truth


STORIES: dict[str, Story] = {
    "undelivered": Story(
        "a1000000-0000-4000-8000-000000000001",
        JOB,
        ACCOUNT,
        "pipedrive",
        (
            (3600, "created", {}),
            (3599, "started", {}),
            *((3590 - 10 * i, "record", {"num_records": 50, "webhook_successful": False}) for i in range(4)),
            (3550, "completed", {"num_records": 200, "webhook_successful": False}),
        ),
        (*((3589 - 10 * i, "sync_job_run:record", 413) for i in range(4)), (3549, "sync_job_run:completed", 200)),
        Truth(
            "completed",
            "completed",
            records=200,
            record_errors=0,
            rate_limited_events=0,
            duration_seconds=49.0,
            last_event="completed",
            last_resource="crm/contacts",
            ended=True,
            undelivered_records=200,
            deliveries={"count": 5, "accepted": 1, "unanswered": 0, "rejected_413": 4},
            timeline_records=(50, 50, 50, 50, 200),
        ),
    ),
    "failed": Story(
        "a1000000-0000-4000-8000-000000000002",
        JOB,
        ACCOUNT,
        "pipedrive",
        (
            (1800, "created", {}),
            (1799, "started", {}),
            (1790, "record", {"num_records": 100}),
            (1785, "record_error", {"logs": ["Mapping error: cannot read property 'fields' of undefined"]}),
            (1780, "failed", {"logs": ["Provider error: Pipedrive responded 503 Service Unavailable"]}),
        ),
        ((1779, "sync_job_run:failed", None),),
        Truth(
            "failed",
            "failed",
            records=100,
            record_errors=1,
            rate_limited_events=0,
            duration_seconds=19.0,
            last_event="failed",
            last_resource="crm/contacts",
            ended=True,
            deliveries={"count": 1, "accepted": 0, "unanswered": 1},
            timeline_records=(100,),
        ),
    ),
    "stuck": Story(
        "a1000000-0000-4000-8000-000000000003",
        OTHER_JOB,
        OTHER_ACCOUNT,
        "hubspot",
        (
            (2400, "created", {}),
            (2399, "started", {}),
            (2000, "record", {"num_records": 100}),
            (1800, "record", {"num_records": 100, "resource": "crm/deals"}),
        ),
        (),
        Truth(
            "stuck",
            "stuck",
            records=200,
            record_errors=0,
            rate_limited_events=0,
            duration_seconds=599.0,
            last_event="record",
            last_resource="crm/deals",
            ended=False,
            deliveries={"count": 0, "accepted": 0, "unanswered": 0},
            timeline_records=(100, 100),
        ),
    ),
    "rate_limited": Story(
        "a1000000-0000-4000-8000-000000000004",
        OTHER_JOB,
        OTHER_ACCOUNT,
        "hubspot",
        (
            (600, "created", {}),
            (599, "started", {}),
            (590, "rate_limited", {"retry_after": 30}),
            (555, "record", {"num_records": 80}),
            (550, "completed", {"num_records": 80, "webhook_successful": True}),
        ),
        ((549, "sync_job_run:completed", 200),),
        Truth(
            "completed",
            "completed",
            records=80,
            record_errors=0,
            rate_limited_events=1,
            duration_seconds=49.0,
            last_event="completed",
            last_resource="crm/contacts",
            ended=True,
            deliveries={"count": 1, "accepted": 1, "unanswered": 0},
            timeline_records=(80, 80),
        ),
    ),
    "running": Story(
        "a1000000-0000-4000-8000-000000000005",
        JOB,
        ACCOUNT,
        "pipedrive",
        ((120, "created", {}), (119, "started", {}), (60, "record", {"num_records": 60})),
        (),
        Truth(
            "running",
            "running",
            records=60,
            record_errors=0,
            rate_limited_events=0,
            duration_seconds=59.0,
            last_event="record",
            last_resource="crm/contacts",
            ended=False,
            deliveries={"count": 0, "accepted": 0, "unanswered": 0},
            timeline_records=(60,),
        ),
    ),
}
NEWEST_FIRST = ("running", "rate_limited", "failed", "stuck", "undelivered")
"""The listed stories by start, newest first."""
BEGAN_BEFORE = "a1000000-0000-4000-8000-000000000006"
"""A run created before the 24 h window and completed inside it: not listed, counted apart."""
_DAY = 24 * 3600


def _stamp(now: datetime, seconds_ago: float) -> str:
    return (now - timedelta(seconds=seconds_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run_row(now: datetime, story: Story, ago: float, event: str, extra: dict[str, Any]) -> dict[str, Any]:
    status = {"created": "created", "completed": "completed", "failed": "failed"}.get(event, "running")
    if event == "rate_limited":
        status = "rate_limited"
    row: dict[str, Any] = {
        "timestamp": _stamp(now, ago),
        "sync_job_run_id": story.run_id,
        "sync_job_id": story.job,
        "integrated_account_id": story.account,
        "integration": story.integration,
        "sync_job_run_event": event,
        "status": status,
        "message": f"{_stamp(now, ago)} INFO sync_job_run {story.run_id} {event}",
    }
    if event in ("record", "record_error", "rate_limited"):
        row["resource"] = "crm/contacts"
    return {**row, **extra}


def _delivery(now: datetime, story: Story, ago: float, event: str, status: int | None) -> dict[str, Any]:
    ok = status is not None and 200 <= status < 300
    answer = "timeout after 30000ms" if status is None else str(status)
    return {
        "timestamp": _stamp(now, ago),
        "event": event,
        "webhook_id": "wh-runs",
        "webhook_endpoint_status": status,
        "status": "delivered" if ok else "failed",
        "message": f"{_stamp(now, ago)} INFO webhook {event} sync_job_run_id={story.run_id} -> https://x {answer}",
    }


def planted_runs(now: datetime) -> dict[LogType, list[dict[str, Any]]]:
    """The stories' rows (and one run that began before the 24 h window) as the sandbox's extra rows."""
    runs, webhooks, crons = [], [], []
    for story in STORIES.values():
        runs += [_run_row(now, story, ago, event, extra) for ago, event, extra in story.events]
        webhooks += [_delivery(now, story, ago, event, status) for ago, event, status in story.deliveries]
        first = story.events[0][0]
        crons.append({"timestamp": _stamp(now, first + 1), "entity_id": story.job, "integration": story.integration})
    before = Story(BEGAN_BEFORE, JOB, ACCOUNT, "pipedrive", (), (), STORIES["running"].truth)
    runs += [
        _run_row(now, before, _DAY + 60, "created", {}),
        _run_row(now, before, _DAY + 59, "started", {}),
        _run_row(now, before, _DAY - 30, "completed", {"num_records": 0}),
    ]
    return {LogType.RAPID_BRIDGE: runs, LogType.WEBHOOK: webhooks, LogType.SYNC_JOB_CRON_TRIGGER: crons}


def rapid_bridge_rows_in_last_day() -> int:
    """Rows a 24 h scan reads: every story event, and the one event of the early run inside the window."""
    return sum(len(story.events) for story in STORIES.values()) + 1
