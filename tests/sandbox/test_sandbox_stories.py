"""Every planted failure story is in the generated data, where ``STORIES`` says, as the analysis tools will see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import STORIES, Sandbox, SandboxConfig

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)
Row = dict[str, Any]


@pytest.fixture(scope="module")
def world() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW))


@pytest.fixture(scope="module")
def tiny() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, scale=0.05))


def at(row: Row) -> datetime:
    return datetime.fromisoformat(row["timestamp"])


def text(row: Row) -> str:
    return " ".join([row.get("message", ""), *row.get("logs", [])])


def run_rows(world: Sandbox, run_id: str) -> list[Row]:
    """A run's rapid_bridge rows, oldest first."""
    return [row for row in reversed(world.rows(LogType.RAPID_BRIDGE)) if row["sync_job_run_id"] == run_id]


@pytest.mark.parametrize("name", sorted(STORIES))
def test_every_story_id_and_clue_is_in_its_log_types(world: Sandbox, name: str) -> None:
    story = STORIES[name]
    rows = [row for log_type in story.log_types for row in world.rows(log_type)]
    for field, value in story.ids.items():
        assert any(row.get(field) == value for row in rows), (field, value)
    assert any(story.clue in text(row) for row in rows)


@pytest.mark.parametrize("name", sorted(STORIES))
def test_every_story_is_present_even_at_a_tiny_scale(tiny: Sandbox, name: str) -> None:
    story = STORIES[name]
    rows = [row for log_type in story.log_types for row in tiny.rows(log_type)]
    assert any(story.clue in text(row) for row in rows)


def test_expired_auth_account_answers_401_needing_reauth_since_3_days(world: Sandbox) -> None:
    story = STORIES["expired_auth"]
    account = story.ids["integrated_account_id"]
    calls = [row for row in world.rows(LogType.UNIFIED_PROXY_API) if row["integrated_account_id"] == account]
    after = [row for row in calls if at(row) >= NOW - story.since]
    before = [row for row in calls if at(row) < NOW - story.since]
    assert len(after) > 20 and before
    assert {(row["http_status_code"], row["integrated_account_needs_reauth"]) for row in after} == {(401, True)}
    assert all(story.clue in row["logs"] for row in after)
    assert 401 not in {row["http_status_code"] for row in before}


def test_expired_auth_sync_runs_fail_and_cron_rows_need_reauth(world: Sandbox) -> None:
    story = STORIES["expired_auth"]
    job = story.ids["sync_job_id"]
    events = [row["sync_job_run_event"] for row in run_rows(world, story.ids["sync_job_run_id"])]
    assert events == ["created", "started", "failed"]
    runs_after = {
        row["sync_job_run_id"]
        for row in world.rows(LogType.RAPID_BRIDGE)
        if row["sync_job_id"] == job and at(row) > NOW - story.since + timedelta(minutes=1)
    }
    for run in runs_after:
        assert run_rows(world, run)[-1]["sync_job_run_event"] == "failed"
    crons = [row for row in world.rows(LogType.SYNC_JOB_CRON_TRIGGER) if row["entity_id"] == job]
    assert all(row["integrated_account_needs_reauth"] == (at(row) >= NOW - story.since) for row in crons)
    assert any(row["integrated_account_needs_reauth"] for row in crons)


def test_salesforce_5xx_come_in_bursts_within_the_last_2_days_with_varying_request_ids(world: Sandbox) -> None:
    story = STORIES["salesforce_5xx"]
    failures = [
        row
        for row in world.rows(LogType.UNIFIED_PROXY_API)
        if row["integration"] == "salesforce" and row["http_status_code"] >= 500
    ]
    recent = [row for row in failures if at(row) >= NOW - story.since]
    assert len(recent) >= 40
    assert {row["http_status_code"] for row in recent} <= {500, 502, 503}
    assert len(recent) >= 0.9 * len(failures)
    assert len({row["message"].split(" - ", 1)[1] for row in recent}) > 20
    assert run_rows(world, story.ids["sync_job_run_id"])[-1]["sync_job_run_event"] == "failed"


def test_pipedrive_answers_429_and_rate_limited_runs_resume_and_complete(world: Sandbox) -> None:
    story = STORIES["pipedrive_rate_limit"]
    limited = [
        row
        for row in world.rows(LogType.UNIFIED_PROXY_API)
        if row["integration"] == "pipedrive" and row["http_status_code"] == 429
    ]
    assert len(limited) > 20
    assert all(row["response_headers"]["retry-after"] for row in limited)
    events = [row["sync_job_run_event"] for row in run_rows(world, story.ids["sync_job_run_id"])]
    first_limit = events.index("rate_limited")
    assert "record" in events[first_limit:]
    assert events[-1] == "completed"
    limit_row = next(row for row in run_rows(world, story.ids["sync_job_run_id"]) if row["status"] == "rate_limited")
    assert limit_row["retry_after"] > 0 and limit_row["retry_count"] >= 1


def test_webhook_endpoint_down_fails_every_delivery_for_36_hours(world: Sandbox) -> None:
    story = STORIES["webhook_endpoint_down"]
    deliveries = [row for row in world.rows(LogType.WEBHOOK) if row["webhook_id"] == story.ids["webhook_id"]]
    recent = [row for row in deliveries if at(row) >= NOW - story.since]
    older = [row for row in deliveries if at(row) < NOW - story.since]
    assert len(recent) > 30
    assert {row.get("webhook_endpoint_status") for row in recent} == {503, 504, None}
    assert {row["status"] for row in recent} == {"failed"}
    assert sum(row.get("webhook_endpoint_status") == 200 for row in older) > 0.95 * len(older)


def test_slow_zendesk_takes_seconds_mostly_fetching_while_others_stay_under_600_ms(world: Sandbox) -> None:
    calls = world.rows(LogType.UNIFIED_PROXY_API)
    zendesk = [row for row in calls if row["integration"] == "zendesk"]
    others = [row for row in calls if row["integration"] != "zendesk"]
    assert all(3_000 <= row["duration"] <= 8_100 and row["fetch_duration"] > 0.9 * row["duration"] for row in zendesk)
    assert all(row["duration"] <= 600 for row in others)


def test_stuck_run_started_40_minutes_ago_and_stopped_progressing_30_minutes_ago(world: Sandbox) -> None:
    story = STORIES["stuck_run"]
    rows = run_rows(world, story.ids["sync_job_run_id"])
    events = [row["sync_job_run_event"] for row in rows]
    started = next(row for row in rows if row["sync_job_run_event"] == "started")
    assert events[:2] == ["created", "started"] and set(events[2:]) == {"record"}
    assert NOW - at(started) == pytest.approx(timedelta(minutes=40), abs=timedelta(minutes=1))
    assert NOW - at(rows[-1]) == timedelta(minutes=30)
    assert rows[-1]["status"] == "running"
    later = [row for row in world.rows(LogType.RAPID_BRIDGE) if row["sync_job_id"] == story.ids["sync_job_id"]]
    assert at(later[0]) == at(rows[-1])
    crons = [row for row in world.rows(LogType.SYNC_JOB_CRON_TRIGGER) if story.ids["sync_job_run_id"] in row["message"]]
    assert [row["entity_id"] for row in crons] == [story.ids["sync_job_id"]]


def test_jira_runs_log_mapping_record_errors(world: Sandbox) -> None:
    story = STORIES["mapping_error"]
    errors = [
        row
        for row in world.rows(LogType.RAPID_BRIDGE)
        if row["sync_job_run_event"] == "record_error" and row["sync_job_id"] == story.ids["sync_job_id"]
    ]
    assert len({row["sync_job_run_id"] for row in errors}) > 10
    assert all(story.clue in row["logs"][0] for row in errors)
    assert all(at(row) >= NOW - story.since for row in errors)
    events = [row["sync_job_run_event"] for row in run_rows(world, story.ids["sync_job_run_id"])]
    assert "record_error" in events and events[-1] == "failed"


def test_delivery_failure_run_completed_with_records_but_webhook_unsuccessful(world: Sandbox) -> None:
    story = STORIES["delivery_failure"]
    run = story.ids["sync_job_run_id"]
    completed = run_rows(world, run)[-1]
    assert completed["sync_job_run_event"] == "completed"
    assert completed["num_records"] > 0 and completed["webhook_successful"] is False
    rejected = [
        row
        for row in world.rows(LogType.WEBHOOK)
        if f"sync_job_run_id={run}" in row["message"] and row.get("webhook_endpoint_status") == 413
    ]
    assert [row["webhook_id"] for row in rejected] == [story.ids["webhook_id"]]


def test_only_the_delivery_failure_run_has_webhook_unsuccessful(world: Sandbox) -> None:
    unsuccessful = {
        row["sync_job_run_id"] for row in world.rows(LogType.RAPID_BRIDGE) if row.get("webhook_successful") is False
    }
    assert unsuccessful == {STORIES["delivery_failure"].ids["sync_job_run_id"]}


def test_one_mcp_tool_answers_500_since_a_day_while_the_servers_other_tools_work(world: Sandbox) -> None:
    story = STORIES["mcp_tool_errors"]
    server, tool = story.ids["mcp_server_id"], story.ids["tool_name"]
    calls = [
        row for row in world.rows(LogType.MCP) if row["mcp_server_id"] == server and row["mcp_method"] == "tools/call"
    ]
    broken = [row for row in calls if row["tool_name"] == tool and at(row) >= NOW - story.since]
    earlier = [row for row in calls if row["tool_name"] == tool and at(row) < NOW - story.since]
    others = [row for row in calls if row["tool_name"] != tool]
    assert len(broken) >= 14 and {row["http_status_code"] for row in broken} == {500}
    assert earlier and 500 not in {row["http_status_code"] for row in earlier}
    assert 500 not in {row["http_status_code"] for row in others}


def test_webhook_messages_name_the_run_they_deliver_for(world: Sandbox) -> None:
    completed = [row for row in world.rows(LogType.WEBHOOK) if row["event"] == "sync_job_run:completed"]
    runs = {row["sync_job_run_id"] for row in world.rows(LogType.RAPID_BRIDGE)}
    named = {row["message"].split("sync_job_run_id=", 1)[1].split(" ", 1)[0] for row in completed}
    assert completed and named <= runs
