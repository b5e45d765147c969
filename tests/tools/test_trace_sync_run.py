"""trace_sync_run through the SDK client, on the sandbox's planted sync-run stories."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client

from bench.answer_tokens import GUARD_NOW, TEXT_BUDGET, day_before, trace_sizes
from tests.helpers import error_of, numbers_of, server_on, structured, text_of
from tests.tools.run_stories import STORIES as RUN_STORIES
from tests.tools.run_stories import planted_runs
from tests.tools.scenario import NOW, in_environments, stamp
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import STORIES, Sandbox, SandboxConfig

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("story", "outcome", "cause"),
    [
        ("expired_auth", "failed", "auth"),
        ("stuck_run", "stuck", "stuck"),
        ("delivery_failure", "completed", "delivery"),
    ],
)
async def test_trace_sync_run_diagnoses_the_planted_runs(client: Client, story: str, outcome: str, cause: str) -> None:
    run_id = STORIES[story].ids["sync_job_run_id"]
    trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    assert trace["outcome"] == outcome
    assert trace["diagnosis"]["cause"] == cause
    assert trace["diagnosis"]["evidence"]
    assert trace["timeline"]


async def test_trace_sync_run_attaches_refs_that_open_the_evidence(client: Client) -> None:
    run_id = STORIES["expired_auth"].ids["sync_job_run_id"]
    trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    ref = trace["diagnosis"]["evidence"][0]["refs"][0]
    row = structured(await client.call_tool("get_log", {"ref": ref}))
    assert row["row"].get("sync_job_run_id") == run_id or row["log_type"] == "sync_job_cron_trigger"


async def test_trace_sync_run_finds_the_cron_trigger_and_deliveries(client: Client) -> None:
    run_id = STORIES["delivery_failure"].ids["sync_job_run_id"]
    trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    assert trace["cron_trigger"]["found"] is True
    assert trace["webhook_deliveries"]["count"] > 0
    assert trace["webhook_deliveries"]["rejected_413"] == 1


async def test_an_unknown_run_is_not_found_saying_where_it_looked(client: Client) -> None:
    result = await client.call_tool("trace_sync_run", {"sync_job_run_id": "00000000-0000-4000-8000-000000000000"})
    text = error_of(result, "not_found")
    assert "looked in rapid_bridge sync_job_run_id=00000000-0000-4000-8000-000000000000: all retained logs" in text


async def test_trace_sync_run_within_a_window(client: Client) -> None:
    run_id = STORIES["stuck_run"].ids["sync_job_run_id"]
    trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id, "since": "2h"}))
    assert trace["outcome"] == "stuck"
    assert "rapid_bridge" in trace["searched"][0]


async def test_a_rows_own_log_type_field_does_not_decide_where_its_ref_points() -> None:
    # The run rows say they are of a log type that does not exist: they are rapid_bridge rows, read as such.
    run: dict[str, Any] = {
        "sync_job_run_id": "run-with-a-strange-log-type",
        "sync_job_id": "job-1",
        "log_type": "not a log type",
    }
    rows = [
        {**run, "timestamp": stamp(9), "sync_job_run_event": "started", "status": "running"},
        {**run, "timestamp": stamp(8), "sync_job_run_event": "failed", "status": "failed", "logs": ["boom failed"]},
    ]
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows={LogType.RAPID_BRIDGE: rows}, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": run["sync_job_run_id"]}))
        ref = trace["diagnosis"]["evidence"][0]["refs"][0]
        row = structured(await client.call_tool("get_log", {"ref": ref}))
    assert trace["outcome"] == "failed"
    assert row["log_type"] == "rapid_bridge"


# ---- every number against the planted truth -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RUN_STORIES))
async def test_every_number_of_a_trace_is_the_planted_truth(runs_client: Client, name: str) -> None:
    story = RUN_STORIES[name]
    truth = story.truth
    trace = structured(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": story.run_id}))
    deliveries = {f"webhook_deliveries.{key}": [value] for key, value in truth.deliveries.items()}
    assert numbers_of(trace) == {
        "duration_seconds": [truth.duration_seconds],
        "records": [truth.records],
        "record_errors": [truth.record_errors],
        "rate_limited_events": [truth.rate_limited_events],
        "timeline.*.*": list(truth.timeline_records),
        "timeline_omitted": [0],
        **deliveries,
        "cron_trigger.count": [1],
        "cron_trigger.errors": [0],
    }
    assert (trace["outcome"], trace["last_event"], trace["last_resource"]) == (
        truth.state,
        truth.last_event,
        truth.last_resource,
    )


async def test_the_diagnosis_counts_undelivered_records_once(runs_client: Client) -> None:
    story = RUN_STORIES["undelivered"]
    result = await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": story.run_id})
    trace = structured(result)
    assert trace["records"] == 200
    assert trace["diagnosis"]["cause"] == "delivery"
    assert "200 of 200 records not delivered (4 of 4 batches" in trace["diagnosis"]["summary"]
    assert not re.search(r"\b400 records", text_of(result))


async def test_a_diagnosis_headline_is_whole_and_its_bullets_do_not_repeat_it(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        listing = structured(await client.call_tool("list_sync_runs", {"outcome": "undelivered"}))
        run_id = listing["runs"][0]["sync_job_run_id"]
        result = await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id})
    summary = structured(result)["diagnosis"]["summary"]
    text = text_of(result)
    assert not summary.endswith("…") and "; also " not in summary
    assert text.count(summary) == 1  # the headline once; its evidence bullet gives the rows, not the words again
    assert "stopped at ?" not in text


async def test_a_trace_whose_rows_carry_two_environments_says_so() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    rows = planted_runs(now)
    story = RUN_STORIES["undelivered"]
    in_environments(rows, "env-staging", "env-prod", story.run_id)
    for delivery in rows[LogType.WEBHOOK]:
        delivery["environment_id"] = "env-staging"  # delivered by the other environment: the split to see
    sandbox = Sandbox(SandboxConfig(now=now, generate=False, extra_rows=rows, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        trace = structured(await client.call_tool("trace_sync_run", {"sync_job_run_id": story.run_id}))
    runs, others = len(story.events), len(story.deliveries) + 1  # its deliveries and its cron trigger
    assert f"environments: env-prod ({runs} rows), env-staging ({others} rows)" in trace["searched"][-1]


async def test_the_trace_of_every_run_of_the_sandboxs_day_stays_within_its_token_budget() -> None:
    sandbox = Sandbox(SandboxConfig(now=GUARD_NOW, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        sizes = await trace_sizes(client, day_before(GUARD_NOW))
    assert len(sizes) > 40  # the day's runs, the longest among them
    assert max(sizes)[0] <= TEXT_BUDGET
