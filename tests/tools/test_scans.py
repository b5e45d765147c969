"""The analyses' scans through the scan cache: a follow-up answers every number as an uncached call
does, reads only what the cache does not hold, and its coverage says what came from the cache."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.helpers import numbers_of, server_on, structured, text_of
from tests.redis_server import RedisServer, free_port
from truto_log_mcp.query.timeparse import iso
from truto_log_mcp.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"start": iso(now - timedelta(hours=24)), "end": iso(now)}


@pytest.fixture
async def cached(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with Client(server_on(sandbox)) as client:
        yield client


@pytest.fixture
async def uncached(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with Client(server_on(sandbox, scan_cache="off")) as client:
        yield client


def answered_numbers(answer: dict[str, Any]) -> dict[str, list[float]]:
    """Every number of an answer but what reading from the cache changes: upstream pages, the cache's age.
    Lists are put in one order: log types are listed as their scans answer (concurrently), and groups of
    equal counts as their first rows arrive."""
    answer = {
        **answer,
        **{
            key: sorted(answer[key], key=lambda item: item["log_type"])
            for key in ("per_type", "coverage")
            if key in answer
        },
    }
    if "groups" in answer:
        answer["groups"] = sorted(answer["groups"], key=canonical)
    return {
        path: numbers for path, numbers in numbers_of(answer).items() if not path.endswith((".pages", ".cache_age_s"))
    }


async def a_run_id(client: Client, span: dict[str, str]) -> str:
    runs = structured(await client.call_tool("list_sync_runs", {**span, "outcome": "failed"}))["runs"]
    return str(runs[0]["sync_job_run_id"])


FOLLOW_UPS: dict[str, dict[str, Any]] = {
    "summarize_errors": {"group_by": ["integration"]},
    "log_stats": {"log_type": "unified_proxy_api", "group_by": ["integration"], "compare_previous": False},
    "log_stats with match": {"log_type": "unified_proxy_api", "match": {"status": "5xx"}},
    "list_sync_runs": {},
}


@pytest.mark.parametrize("follow_up", list(FOLLOW_UPS))
async def test_a_follow_up_answers_every_number_as_an_uncached_call(
    cached: Client, uncached: Client, sandbox: Sandbox, follow_up: str
) -> None:
    span = window()
    tool, arguments = follow_up.split()[0], {**FOLLOW_UPS[follow_up], **span}
    structured(await cached.call_tool("summarize_errors", span))  # reads every log type: the cache now holds them
    truth = structured(await uncached.call_tool(tool, arguments))
    sandbox.requests.clear()
    answer = structured(await cached.call_tool(tool, arguments))
    assert answered_numbers(answer) == answered_numbers(truth)
    assert all(coverage["cached"] for coverage in answer["coverage"])
    assert len(sandbox.requests) <= len(answer["coverage"]) * 2  # the unsettled minutes of each log type


async def test_a_traced_run_traced_again_is_the_same_trace(cached: Client, uncached: Client, sandbox: Sandbox) -> None:
    span = window()
    arguments = {"sync_job_run_id": await a_run_id(uncached, span), **span}
    truth = structured(await uncached.call_tool("trace_sync_run", arguments))
    first = structured(await cached.call_tool("trace_sync_run", arguments))
    again = structured(await cached.call_tool("trace_sync_run", arguments))
    assert numbers_of(first) == numbers_of(again) == numbers_of(truth)
    assert not any("from cache" in line for line in first["searched"])
    assert all("; from cache: " in line for line in again["searched"])  # the run's rows, its deliveries, crons
    assert without_refs(first["diagnosis"]) == without_refs(again["diagnosis"]) == without_refs(truth["diagnosis"])


def canonical(value: Any) -> str:
    return json.dumps(without_refs(value), sort_keys=True)


def without_refs(value: Any) -> Any:
    """Refs are new handles in every answer: all else must be equal."""
    if isinstance(value, dict):
        return {key: without_refs(item) for key, item in value.items() if key not in ("refs", "example_refs")}
    if isinstance(value, list):
        return [without_refs(item) for item in value]
    return value


async def test_the_coverage_says_which_part_came_from_the_cache_and_how_old_it_is(
    cached: Client, sandbox: Sandbox
) -> None:
    span = {"log_type": "webhook", **window()}
    sandbox.requests.clear()
    first = await cached.call_tool("summarize_errors", span)
    assert "from cache" not in text_of(first)
    first_requests = len(sandbox.requests)
    sandbox.requests.clear()
    second = await cached.call_tool("log_stats", span)
    coverage = structured(second)["coverage"][0]
    assert len(sandbox.requests) == 1 < first_requests
    assert coverage["cached"] == [f"{span['start']}/{coverage['cached'][0].split('/')[1]}"]
    assert 0 <= coverage["cache_age_s"] < 60
    line = next(line for line in text_of(second).splitlines() if line.startswith("- webhook:"))
    assert re.search(r"; from cache: \d\d-\d\d \d\d:\d\d to \d\d-\d\d \d\d:\d\d, read \d+ s ago$", line), line


async def test_with_the_cache_off_every_call_reads_its_whole_window(uncached: Client, sandbox: Sandbox) -> None:
    span = {"log_type": "webhook", **window()}
    counts = []
    for _ in range(2):
        sandbox.requests.clear()
        answer = await uncached.call_tool("log_stats", span)
        counts.append(len(sandbox.requests))
        assert "from cache" not in text_of(answer) and not structured(answer)["coverage"][0]["cached"]
    assert counts[0] == counts[1] > 1


async def test_summarize_errors_says_on_its_read_lines_what_came_from_the_cache(cached: Client) -> None:
    span = window()
    await cached.call_tool("summarize_errors", span)
    lines = text_of(await cached.call_tool("summarize_errors", span)).splitlines()
    read = next(line for line in lines if line.startswith("Read every row of the window"))
    look_back = next(line for line in lines if line.startswith("Look-back"))
    assert re.search(r"pages; from cache: \d\d-\d\d \d\d:\d\d to \d\d-\d\d \d\d:\d\d, read \d+ s ago\)\.$", read), read
    assert "; from cache: " in look_back and look_back.endswith(" s ago."), look_back


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_a_second_replica_answers_from_what_the_first_read_through_a_shared_store(
    backend: str, sandbox: Sandbox, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        state_url = f"sqlite://{tmp_path / 'state.sqlite3'}"
    else:
        redis: RedisServer = request.getfixturevalue("redis_server")
        state_url = redis.url()
    span = {"log_type": "webhook", **window()}
    counts = []
    for _ in range(2):  # two servers, each with its own store client: replicas (or successive `call`s)
        sandbox.requests.clear()
        async with Client(server_on(sandbox, state_url=state_url)) as replica:
            coverage = structured(await replica.call_tool("log_stats", span))["coverage"][0]
        counts.append(len(sandbox.requests))
    assert counts[1] == 1 < counts[0]  # the second read only the unsettled minutes
    assert coverage["cached"]


async def test_with_the_shared_store_down_an_analysis_reads_upstream_and_answers(sandbox: Sandbox) -> None:
    span = {"log_type": "webhook", **window()}
    async with Client(server_on(sandbox, state_url=f"redis://127.0.0.1:{free_port()}/0")) as replica:
        answers = [await replica.call_tool("log_stats", span) for _ in range(2)]
    assert not any(answer.is_error for answer in answers)
    assert not any(structured(answer)["coverage"][0]["cached"] for answer in answers)


async def both_at_once(client: Client, tool: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Two calls of ``tool`` sent together on one server."""
    answers: list[dict[str, Any]] = []

    async def one() -> None:
        answers.append(structured(await client.call_tool(tool, arguments)))

    async with anyio.create_task_group() as group:
        group.start_soon(one)
        group.start_soon(one)
    return answers


async def test_two_analyses_at_once_read_the_window_once(sandbox: Sandbox) -> None:
    span = {"log_type": "webhook", **window()}
    async with Client(server_on(sandbox)) as alone:
        truth = structured(await alone.call_tool("summarize_errors", span))
    pages_alone = len(sandbox.requests)
    sandbox.requests.clear()
    async with Client(server_on(sandbox)) as client:
        answers = await both_at_once(client, "summarize_errors", span)
    assert [answered_numbers(answer) for answer in answers] == [answered_numbers(truth)] * 2
    assert pages_alone > 4 and len(sandbox.requests) <= pages_alone + 2  # the second: the unsettled minutes
    assert sum(bool(answer["coverage"][0]["cached"]) for answer in answers) == 1


async def test_with_the_cache_off_two_analyses_at_once_each_read_the_window(uncached: Client, sandbox: Sandbox) -> None:
    span = {"log_type": "webhook", **window()}
    structured(await uncached.call_tool("summarize_errors", span))
    pages_alone = len(sandbox.requests)
    sandbox.requests.clear()
    await both_at_once(uncached, "summarize_errors", span)
    assert len(sandbox.requests) == 2 * pages_alone
