"""What the state store costs: a handle's round trip and a ``search_logs`` call, per backend vs memory.

* Handle round trip: mint a cursor handle for a search state (20 rows kept back) and read it back,
  in process, against each store (``memory://``, ``sqlite:///`` in a temp dir, ``redis://`` on a
  ``redis-server`` started on a free loopback port with nothing saved).
* ``search_logs`` latency: one page of 20 rows (20 refs minted, the next cursor kept) through the SDK's
  in-memory ``Client`` on the sandbox, one server per backend.

Calls are interleaved across backends (one of each in turn), so the machine's noise falls on all alike.
Target (issue 11): Redis adds under 2 ms at p50 to a ``search_logs`` call on loopback.
Run: ``python -m bench.state`` (needs ``redis-server``: apt-get install redis-server).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median

import anyio
import httpx2
from mcp import Client
from pydantic import SecretStr

from bench.common import BenchResult, percentile, report, table
from tests.redis_server import RedisServer
from truto_log_mcp.query.arguments import LogQuery
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.state.open import open_store
from truto_log_mcp.state.store import HandleSpace, StateStore
from truto_log_mcp.upstream.pages import SearchState

ROUND_TRIPS = 400
CALLS = 150
REDIS_BUDGET_MS = 2.0


@contextmanager
def backends() -> Iterator[dict[str, str]]:
    executable = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(executable).exists():
        raise SystemExit("bench.state needs redis-server (apt-get install redis-server)")
    redis = RedisServer(executable)
    redis.start()
    with tempfile.TemporaryDirectory() as directory:
        try:
            yield {"memory": "memory://", "sqlite": f"sqlite://{directory}/state.sqlite3", "redis": redis.url()}
        finally:
            redis.stop()


async def round_trips(urls: dict[str, str], sandbox: Sandbox) -> dict[str, list[float]]:
    rows = tuple(sandbox.rows(LogType.WEBHOOK)[:20])
    state = SearchState(LogQuery(LogType.WEBHOOK, None), upstream_cursor="x" * 40, pending=rows)
    stores: dict[str, StateStore] = {name: open_store(url) for name, url in urls.items()}
    spaces = {
        name: store.handles(HandleSpace("c", 1000, 3600.0, 32 << 20), lambda: SearchState)
        for name, store in stores.items()
    }
    times: dict[str, list[float]] = {name: [] for name in urls}
    try:
        for _ in range(ROUND_TRIPS):
            for name, handles in spaces.items():
                began = time.perf_counter()
                handle = await handles.put(state, "bench")
                assert await handles.get(handle, "bench") is not None
                times[name].append((time.perf_counter() - began) * 1000)
    finally:
        for store in stores.values():
            await store.aclose()
    return times


async def search_calls(urls: dict[str, str], sandbox: Sandbox) -> dict[str, list[float]]:
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    times: dict[str, list[float]] = {name: [] for name in urls}
    clients: dict[str, Client] = {}
    for name, url in urls.items():
        settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url="http://sandbox.test", state_url=url)
        clients[name] = Client(build_server(settings, httpx2.ASGITransport(app=sandbox.app)))
    async with clients["memory"], clients["sqlite"], clients["redis"]:
        for number in range(CALLS + 10):
            for name, client in clients.items():
                began = time.perf_counter()
                result = await client.call_tool("search_logs", {"log_type": "webhook", "since": "7d", "limit": 20})
                elapsed = (time.perf_counter() - began) * 1000
                assert not result.is_error, result
                if number >= 10:  # the first calls warm caches and connections
                    times[name].append(elapsed)
    return times


async def redis_script_us(url: str) -> float:
    """What Redis itself spent per script call (its ``INFO commandstats``), apart from the round trip."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return float(stats.get("cmdstat_evalsha", {}).get("usec_per_call", 0.0))


def run() -> BenchResult:
    sandbox = Sandbox(SandboxConfig(rate_limit=None))
    with backends() as urls:
        handles = anyio.run(round_trips, urls, sandbox)
        calls = anyio.run(search_calls, urls, sandbox)
        script_us = anyio.run(redis_script_us, urls["redis"])
    load = os.getloadavg()[0]
    base_trip, base_call = median(handles["memory"]), median(calls["memory"])
    rows = []
    for name in urls:
        trip, call = median(handles[name]), median(calls[name])
        rows.append(
            [
                f"`{urls[name].split(':')[0]}://`",
                f"{trip:.3f}",
                f"{percentile(handles[name], 0.95):.3f}",
                f"{call:.2f}",
                f"{percentile(calls[name], 0.95):.2f}",
                f"{call - base_call:+.2f}",
                f"{call / base_call:.2f}×",
            ]
        )
    added = median(calls["redis"]) - base_call
    header = [
        "backend",
        "handle round trip p50 ms",
        "p95 ms",
        "search_logs p50 ms",
        "p95 ms",
        "p50 vs memory ms",
        "ratio",
    ]
    return BenchResult(
        title="State store: handle round trip and search_logs latency per backend",
        target=f"Redis adds under {REDIS_BUDGET_MS:g} ms at p50 to a search_logs call on loopback",
        met=added < REDIS_BUDGET_MS,
        table=table(header, rows),
        summary=[
            f"{ROUND_TRIPS} round trips (mint a cursor holding 20 rows, read it back) and {CALLS} `search_logs` "
            "calls of 20 rows (20 refs and a cursor minted) per backend, interleaved; memory's round trip "
            f"{base_trip:.3f} ms. Redis: a local `redis-server`; a `search_logs` call makes two script calls "
            f"(the budget's slot; the page's refs and its cursor, minted together), each {script_us:.0f} µs "
            "inside Redis on average: the "
            f"rest of the difference is round trips and scheduling (load average {load:.1f} on "
            f"{os.cpu_count()} cores during this run)."
        ],
    )


if __name__ == "__main__":
    raise SystemExit(report(run()))
