"""Id arguments through the SDK client: prefixes resolved from earlier answers or a bounded look-up,
ambiguous prefixes and unknown ids refused with what to do, on the sandbox's stories and planted runs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from mcp import Client

from tests.helpers import error_of, server_on, structured
from tests.tools.run_stories import ACCOUNT, BEGAN_BEFORE, JOB, STORIES
from truto_log_mcp.sandbox import STORIES as SANDBOX_STORIES
from truto_log_mcp.sandbox import Sandbox

pytestmark = pytest.mark.anyio

STUCK_RUN = SANDBOX_STORIES["stuck_run"].ids["sync_job_run_id"]
UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000"
PLANTED_RUNS = sorted([*(story.run_id for story in STORIES.values()), BEGAN_BEFORE])
"""The planted runs' ids: all six start with ``a1000000``."""


@pytest.fixture
async def one_client(sandbox: Sandbox) -> AsyncIterator[Client]:
    """One client mode is enough here: these tests are about ids, not the transport."""
    async with Client(server_on(sandbox)) as client:
        yield client


def looked_up(sandbox: Sandbox) -> list[dict[str, str]]:
    """The requests of a look-up: rapid_bridge rows filtered to the ``created`` event."""
    sent = [dict(request.params) for request in sandbox.requests]
    return [params for params in sent if params.get("log_type_filter[sync_job_run_event]") == "created"]


async def test_a_prefix_an_earlier_answer_printed_is_resolved_without_reading_for_it(
    one_client: Client, sandbox: Sandbox
) -> None:
    listed = structured(await one_client.call_tool("list_sync_runs", {}))
    run_id = listed["runs"][0]["sync_job_run_id"]
    sandbox.requests.clear()
    trace = structured(await one_client.call_tool("trace_sync_run", {"sync_job_run_id": run_id[:8]}))
    assert trace["sync_job_run_id"] == run_id
    assert looked_up(sandbox) == []
    sent = {dict(request.params).get("log_type_filter[sync_job_run_id]") for request in sandbox.requests}
    assert run_id[:8] not in sent  # the prefix itself was never asked for


async def test_a_prefix_no_answer_printed_is_found_by_a_look_up_of_the_last_7_days(
    one_client: Client, sandbox: Sandbox
) -> None:
    trace = structured(await one_client.call_tool("trace_sync_run", {"sync_job_run_id": STUCK_RUN[:8]}))
    assert trace["sync_job_run_id"] == STUCK_RUN
    assert trace["outcome"] == "stuck"
    look_up = next(line for line in trace["searched"] if "`created` events" in line)
    interval = re.search(r"events of (\S+)/(\S+) ", look_up)
    assert interval is not None, look_up
    start, end = (datetime.fromisoformat(moment) for moment in interval.groups())
    assert end - start == timedelta(days=7)
    assert looked_up(sandbox)


async def test_a_prefix_found_by_a_partial_look_up_is_not_trusted(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox, scan_max_rows=100)) as client:  # the 7 days hold ~350 runs
        result = await client.call_tool("trace_sync_run", {"sync_job_run_id": STUCK_RUN[:8]})
    text = error_of(result, "invalid_argument")
    assert "PARTIAL" in text and f"`{STUCK_RUN}` if that is the one" in text


async def test_a_full_id_is_used_as_it_is_without_a_look_up(one_client: Client, sandbox: Sandbox) -> None:
    trace = structured(await one_client.call_tool("trace_sync_run", {"sync_job_run_id": STUCK_RUN}))
    assert trace["sync_job_run_id"] == STUCK_RUN
    assert looked_up(sandbox) == []


async def test_a_prefix_of_several_runs_is_refused_naming_them(runs_client: Client) -> None:
    text = error_of(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": "a1000000"}), "invalid_argument")
    assert "is the start of 6 sync run ids (created in " in text
    assert sum(run_id in text for run_id in PLANTED_RUNS) == 5
    assert "+1 more." in text
    assert "Next: Pass one of them in full" in text


async def test_a_prefix_of_several_runs_an_answer_named_is_refused_naming_them(runs_client: Client) -> None:
    listed = structured(await runs_client.call_tool("list_sync_runs", {}))
    text = error_of(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": "a1000000"}), "invalid_argument")
    assert "(named in your recent answers)" in text
    assert all(run["sync_job_run_id"] in text for run in listed["runs"])


async def test_an_unknown_prefix_is_not_found_saying_where_it_looked(runs_client: Client) -> None:
    text = error_of(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": "ffffffff"}), "not_found")
    assert "No sync run id is or starts with `ffffffff`: no rapid_bridge row (all retained logs) has it" in text
    assert "none of your recent answers named one, nor did any of the 6 runs created in" in text


@pytest.mark.parametrize(
    ("run_id", "window", "next_step"),
    [
        ("ffffffff", {}, "Next: Check the id, or pass it in full, or a window (`since`/`start`) reaching"),
        ("ffffffff", {"since": "2h"}, "Next: Check the id, or widen the window (without one, the 7 days"),
        (UNKNOWN_RUN, {}, "Next: Check the id: list_sync_runs lists the recent runs with their full ids."),
        (UNKNOWN_RUN, {"since": "2h"}, "Next: Widen the window, or leave it out to search all retained logs."),
    ],
)
async def test_a_not_found_says_to_widen_the_window_only_when_one_was_given(
    runs_client: Client, run_id: str, window: dict[str, str], next_step: str
) -> None:
    text = error_of(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": run_id, **window}), "not_found")
    assert next_step in text
    assert ("widen" in text.lower()) == bool(window)


async def test_a_prefix_shorter_than_8_characters_is_refused_with_the_rule(runs_client: Client) -> None:
    text = error_of(await runs_client.call_tool("trace_sync_run", {"sync_job_run_id": "a100000"}), "invalid_argument")
    assert "a unique prefix of at least 8 characters" in text


async def test_list_sync_runs_resolves_a_job_and_an_account_prefix_and_filters_by_the_full_ids(
    runs_client: Client,
) -> None:
    arguments = {"sync_job_id": JOB[:8], "integrated_account_id": ACCOUNT[:8]}
    listing = structured(await runs_client.call_tool("list_sync_runs", arguments))
    assert listing["filters"] == {"sync_job_id": JOB, "integrated_account_id": ACCOUNT}
    assert listing["runs"] and {run["sync_job_id"] for run in listing["runs"]} == {JOB}
    assert sum("To resolve `" in note for note in listing["notes"]) == 2


async def test_list_sync_runs_answers_not_found_for_an_unknown_job_prefix(runs_client: Client) -> None:
    text = error_of(await runs_client.call_tool("list_sync_runs", {"sync_job_id": "ffffffff"}), "not_found")
    assert "No sync job id starts with `ffffffff`" in text


async def test_ids_log_stats_grouped_by_are_prefixes_the_next_call_takes(runs_client: Client) -> None:
    arguments = {"log_type": "rapid_bridge", "group_by": ["sync_job_id"]}
    await runs_client.call_tool("log_stats", arguments)
    listing = structured(await runs_client.call_tool("list_sync_runs", {"sync_job_id": JOB[:8]}))
    assert listing["filters"] == {"sync_job_id": JOB}
    assert not [note for note in listing["notes"] if "To resolve" in note]  # no look-up: log_stats named it
