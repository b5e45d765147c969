"""Replicas sharing one Redis (TRUTO_STATE_URL=redis://...): two server processes over HTTP, a client
alternating between them, Redis stopped and restarted mid-test. (Two memory-backed replicas refusing
each other's handles: ``test_replicas.py``.)"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from tests.helpers import structured, text_of
from tests.http.deployment import Served, Truto, connect, serve_in_thread, start, stop, wait_ready
from tests.redis_server import RedisServer
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig
from truto_log_mcp.sandbox.app import most_in_any_window

pytestmark = pytest.mark.anyio


def replica_env(upstream: str, state_url: str, **extra: str) -> dict[str, str]:
    return {
        "TRUTO_BASE_URL": upstream,
        "TRUTO_API_TOKEN": SANDBOX_TOKEN,
        "TRUTO_STATE_URL": state_url,
        "TRUTO_MAX_ATTEMPTS": "1",
        **extra,
    }


@pytest.fixture
def replicas(truto: Truto, redis_server: RedisServer, tmp_path: Path) -> Iterator[list[Served]]:
    """Two stateless replicas reading the package's upstream, sharing the test's Redis."""
    env = replica_env(truto.url, redis_server.url())
    started = [start(["--stateless"], env, tmp_path) for _ in range(2)]
    try:
        yield [wait_ready(served) for served in started]
    finally:
        for served in started:
            stop(served)


def window_of(truto: Truto) -> tuple[str, str, Counter[str]]:
    """48 h of the sandbox's webhook rows (ends at odd microseconds: no row on a boundary), and their ids
    (a delivery's retries share its id: each id counted as often as it has rows)."""
    end = truto.sandbox.now - timedelta(microseconds=123_457)
    start_at = end - timedelta(hours=48)
    ids = Counter(
        row["id"]
        for row in truto.sandbox.rows(LogType.WEBHOOK)
        if start_at <= datetime.fromisoformat(row["timestamp"]) < end
    )
    return start_at.isoformat(), end.isoformat(), ids


async def test_a_client_alternating_between_replicas_pages_48_hours_without_a_lost_or_repeated_row(
    truto: Truto, replicas: list[Served]
) -> None:
    start_at, end, expected = window_of(truto)
    seen: list[str] = []
    refs: list[tuple[int, str, str]] = []
    arguments: dict[str, Any] = {"log_type": "webhook", "start": start_at, "end": end, "fields": ["id"], "limit": 100}
    async with connect(replicas[0].url, {}) as first, connect(replicas[1].url, {}) as second:
        clients = [first, second]
        page = 0
        while True:
            answer = structured(await clients[page % 2].call_tool("search_logs", arguments))
            seen.extend(row[1] for row in answer["rows"])
            refs.append((page % 2, answer["rows"][0][0], answer["rows"][0][1]))
            if answer["next_cursor"] is None:
                break
            arguments = {"cursor": answer["next_cursor"]}
            page += 1
        for issuer, ref, row_id in refs[:4]:
            opened = structured(await clients[1 - issuer].call_tool("get_log", {"ref": ref}))
            assert opened["row"]["id"] == row_id
    assert page >= 5  # several pages, each on the other replica
    assert Counter(seen) == expected


async def test_with_redis_stopped_handles_answer_state_unavailable_at_once_and_work_after_its_restart(
    replicas: list[Served], redis_server: RedisServer
) -> None:
    search = {"log_type": "webhook", "since": "24h", "limit": 3}
    async with connect(replicas[0].url, {}) as first, connect(replicas[1].url, {}) as second:
        cursor = structured(await first.call_tool("search_logs", search))["next_cursor"]
        redis_server.stop()
        for client, arguments in ((second, {"cursor": cursor}), (first, search)):
            began = time.monotonic()
            result = await client.call_tool("search_logs", arguments)
            assert result.is_error and text_of(result).startswith("[state_unavailable]")
            assert time.monotonic() - began < 3
        summary = await second.call_tool("summarize_errors", {"log_type": "webhook", "since": "6h"})
        assert not summary.is_error
        assert "shared rate budget (Redis) was unreachable" in text_of(summary)
        for served in replicas:
            assert httpx2.get(f"{served.base}/healthz", timeout=5).status_code == 200
        redis_server.start()
        again = structured(await second.call_tool("search_logs", search))
        continued = structured(await first.call_tool("search_logs", {"cursor": again["next_cursor"]}))
    assert continued["rows"] and {row[0] for row in continued["rows"]}.isdisjoint(row[0] for row in again["rows"])


async def test_replicas_share_one_rate_budget_and_one_alone_can_use_all_of_it(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Budget 100 per 10 s, the upstream's own limit too (a 429 past it). One replica analyses until it
    has sent 100 requests (about 100 a week of logs, the second cut by its 3 s time budget), then both
    analyse at once while the window frees up, until they have sent 80 more."""
    upstream = Truto(Sandbox(SandboxConfig(rate_limit=(100, 10.0))))
    summarize = {"since": "7d"}

    def sent_since(moment: float) -> int:
        return sum(request.at >= moment for request in list(upstream.sandbox.requests))

    async def analyse_until(client: Client, moment: float, count: int, answers: list[str]) -> None:
        while sent_since(moment) < count:
            assert time.monotonic() - moment < 30, "the replicas stopped sending requests"
            answers.append(text_of(await client.call_tool("summarize_errors", summarize)))

    answers: list[str] = []
    with serve_in_thread(upstream) as url:
        env = replica_env(
            url, redis_server.url(), TRUTO_RATE_BUDGET="100", TRUTO_SCAN_MAX_SECONDS="3", TRUTO_SCAN_CACHE="off"
        )
        started = [start(["--stateless"], env, tmp_path) for _ in range(2)]
        try:
            first, second = (wait_ready(served) for served in started)
            async with connect(first.url, {}) as on_first, connect(second.url, {}) as on_second:
                await analyse_until(on_first, alone_from := time.monotonic(), 100, answers)
                together_from = time.monotonic()
                async with anyio.create_task_group() as group:
                    group.start_soon(analyse_until, on_first, together_from, 80, answers)
                    group.start_soon(analyse_until, on_second, together_from, 80, answers)
        finally:
            for served in started:
                stop(served)
    arrivals = sorted(request.at for request in upstream.sandbox.requests)
    assert upstream.sandbox.max_requests_in_any_window(10.0) <= 100  # so none was refused with a 429
    assert not any("rate_limited" in answer for answer in answers)
    assert most_in_any_window([at for at in arrivals if alone_from <= at < together_from]) == 100
    assert most_in_any_window([at for at in arrivals if at >= together_from]) >= 80
