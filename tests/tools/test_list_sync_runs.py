"""list_sync_runs: every number against planted truth, agreement with trace_sync_run on the sandbox's
runs, filters sent upstream, outcome selection, and a cursor that continues without reading again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client

from bench.common import count_tokens
from tests.helpers import error_of, numbers_of, server_on, structured, text_of
from tests.tools.run_stories import BEGAN_BEFORE, NEWEST_FIRST, STORIES, planted_runs, rapid_bridge_rows_in_last_day
from tests.tools.scenario import in_environments
from truto_log_mcp.analysis.runs.results import RunFacts
from truto_log_mcp.sandbox import STORIES as SANDBOX_STORIES
from truto_log_mcp.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.anyio

TEXT_BUDGET = 1500
"""o200k tokens of one default page on the sandbox's default day (issue 10)."""


@pytest.fixture
async def one_client(sandbox: Sandbox) -> AsyncIterator[Client]:
    """One client mode is enough here: these tests are about the listing, not the transport."""
    async with Client(server_on(sandbox)) as client:
        yield client


async def every_run(client: Client, **arguments: Any) -> list[dict[str, Any]]:
    page = structured(await client.call_tool("list_sync_runs", {**arguments, "limit": 100}))
    runs = list(page["runs"])
    while page["next_cursor"]:
        page = structured(await client.call_tool("list_sync_runs", {"cursor": page["next_cursor"]}))
        runs += page["runs"]
    return runs


# ---- planted truth --------------------------------------------------------------------------------------------


async def test_every_number_of_a_listing_is_the_planted_truth(runs_client: Client) -> None:
    listing = structured(await runs_client.call_tool("list_sync_runs", {}))
    truths = [STORIES[name].truth for name in NEWEST_FIRST]
    assert numbers_of(listing) == {
        "totals.completed": [2],
        "totals.failed": [1],
        "totals.running": [1],
        "totals.stuck": [1],
        "totals.undelivered": [1],
        "matched": [5],
        "offset": [0],
        "runs.*.duration_seconds": [truth.duration_seconds for truth in truths],
        "runs.*.records": [truth.records for truth in truths],
        "runs.*.record_errors": [truth.record_errors for truth in truths],
        "runs.*.rate_limited_events": [truth.rate_limited_events for truth in truths],
        "runs.*.undelivered_records": [200],
        "coverage.*.rows_scanned": [rapid_bridge_rows_in_last_day()],
        "coverage.*.pages": [8],  # a page for each of the 8 workers' sub-windows, all in one round
    }


async def test_each_listed_run_states_its_planted_outcome_and_ids(runs_client: Client) -> None:
    listing = structured(await runs_client.call_tool("list_sync_runs", {}))
    assert [run["sync_job_run_id"] for run in listing["runs"]] == [STORIES[name].run_id for name in NEWEST_FIRST]
    for run, name in zip(listing["runs"], NEWEST_FIRST, strict=True):
        story = STORIES[name]
        assert (run["outcome"], run["state"], run["last_event"], run["last_resource"]) == (
            story.truth.outcome,
            story.truth.state,
            story.truth.last_event,
            story.truth.last_resource,
        )
        assert (run["sync_job_id"], run["integrated_account_id"], run["integration"]) == (
            story.job,
            story.account,
            story.integration,
        )
        assert (run["ended_at"] is not None) == story.truth.ended


async def test_a_run_that_began_before_the_window_is_not_listed_and_is_said(runs_client: Client) -> None:
    result = await runs_client.call_tool("list_sync_runs", {})
    assert BEGAN_BEFORE not in {run["sync_job_run_id"] for run in structured(result)["runs"]}
    assert "1 run(s) that began before the window" in text_of(result)


async def test_the_text_prints_full_run_job_and_account_ids(runs_client: Client) -> None:
    text = text_of(await runs_client.call_tool("list_sync_runs", {}))
    for story in STORIES.values():
        assert story.run_id in text and story.job in text and story.account in text


async def test_undelivered_selects_completed_runs_whose_records_were_not_delivered(runs_client: Client) -> None:
    listing = structured(await runs_client.call_tool("list_sync_runs", {"outcome": "undelivered"}))
    assert [run["sync_job_run_id"] for run in listing["runs"]] == [STORIES["undelivered"].run_id]
    assert listing["runs"][0]["undelivered_to"] == ["webhook"]


@pytest.mark.parametrize("outcome", ["completed", "failed", "running", "stuck"])
async def test_an_outcome_selects_its_runs(runs_client: Client, outcome: str) -> None:
    listing = structured(await runs_client.call_tool("list_sync_runs", {"outcome": outcome}))
    expected = [STORIES[name].run_id for name in NEWEST_FIRST if STORIES[name].truth.outcome == outcome]
    assert [run["sync_job_run_id"] for run in listing["runs"]] == expected


# ---- the same rules as trace_sync_run -------------------------------------------------------------------------


async def test_trace_sync_run_agrees_with_the_listing_on_every_run_of_the_sandbox(one_client: Client) -> None:
    runs = await every_run(one_client)
    assert len(runs) > 20
    for run in runs:
        trace = structured(await one_client.call_tool("trace_sync_run", {"sync_job_run_id": run["sync_job_run_id"]}))
        same = {name: trace[name] for name in RunFacts.model_fields if name != "outcome"}
        assert {name: run[name] for name in same} == same
        assert run["state"] == trace["outcome"]
        delivery = trace["outcome"] == "completed" and trace["diagnosis"]["cause"] == "delivery"
        assert bool(run["undelivered_to"]) == delivery, run["sync_job_run_id"]


async def test_the_sandbox_delivery_story_is_listed_with_its_undelivered_batch(one_client: Client) -> None:
    runs = await every_run(one_client, outcome="undelivered")
    assert [run["sync_job_run_id"] for run in runs] == [SANDBOX_STORIES["delivery_failure"].ids["sync_job_run_id"]]
    assert runs[0]["undelivered_records"] == 100


# ---- upstream filters, cursors, size --------------------------------------------------------------------------


async def test_filters_go_upstream_as_rapid_bridge_log_type_filters(one_client: Client, sandbox: Sandbox) -> None:
    story = SANDBOX_STORIES["stuck_run"]
    arguments = {"sync_job_id": story.ids["sync_job_id"], "integrated_account_id": story.ids["integrated_account_id"]}
    runs = await every_run(one_client, integration="hubspot", **arguments)
    sent = [dict(request.params) for request in sandbox.requests]
    assert sent and all(params["log_type"] == "rapid_bridge" for params in sent)
    assert all(params["log_type_filter[integration]"] == "hubspot" for params in sent)
    assert all(params["log_type_filter[sync_job_id]"] == story.ids["sync_job_id"] for params in sent)
    assert runs and {run["sync_job_id"] for run in runs} == {story.ids["sync_job_id"]}


async def test_a_cursor_continues_the_listing_without_reading_again(one_client: Client, sandbox: Sandbox) -> None:
    first = structured(await one_client.call_tool("list_sync_runs", {"limit": 5}))
    requests = len(sandbox.requests)
    second = structured(await one_client.call_tool("list_sync_runs", {"cursor": first["next_cursor"]}))
    assert len(sandbox.requests) == requests
    assert (second["offset"], len(second["runs"]), second["totals"]) == (5, 5, first["totals"])
    assert not {run["sync_job_run_id"] for run in first["runs"]} & {run["sync_job_run_id"] for run in second["runs"]}


async def test_a_cursor_with_a_changed_argument_is_refused(one_client: Client) -> None:
    first = structured(await one_client.call_tool("list_sync_runs", {"limit": 5}))
    result = await one_client.call_tool("list_sync_runs", {"cursor": first["next_cursor"], "outcome": "failed"})
    assert "`outcome` differ" in error_of(result, "invalid_argument")


async def test_search_logs_refuses_a_listing_cursor(one_client: Client) -> None:
    first = structured(await one_client.call_tool("list_sync_runs", {"limit": 5}))
    result = await one_client.call_tool("search_logs", {"cursor": first["next_cursor"]})
    assert "another tool's answer" in error_of(result, "invalid_argument")


async def test_one_default_page_of_the_default_day_stays_within_its_token_budget(one_client: Client) -> None:
    result = await one_client.call_tool("list_sync_runs", {})
    assert structured(result)["next_cursor"] is not None
    assert count_tokens(text_of(result)) <= TEXT_BUDGET


async def test_runs_read_in_two_environments_are_counted_per_environment() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    rows = planted_runs(now)
    stuck = STORIES["stuck"]
    in_environments(rows, "env-prod", "env-staging", stuck.run_id)
    sandbox = Sandbox(SandboxConfig(now=now, generate=False, extra_rows=rows, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("list_sync_runs", {})
    [coverage] = structured(result)["coverage"]
    staging = len(stuck.events)
    assert coverage["environments"] == {"env-prod": rapid_bridge_rows_in_last_day() - staging, "env-staging": staging}
    assert f"env-staging ({staging} rows)" in text_of(result)
