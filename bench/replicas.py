"""Load with replicas: two server processes behind one Redis vs one, many clients at once.

One sandbox process (``truto-log-mcp sandbox``) per row is the upstream of its servers, so the
replicas read the same rows (and no row inherits the sandbox's rate window of the one before);
a ``redis-server`` on a free loopback port (nothing saved) is their state store
when the row says so. ``--clients`` sessionless clients (protocol 2026-07-28, as a load balancer
sees them: any call may reach any replica) are spread over the replicas in turn, connect, then,
released together, each calls ``search_logs`` and ``summarize_errors`` once (``bench/load.py``'s
calls and client). Rows: one replica on ``memory://``; one on Redis; two on Redis.

Every server: rate budget 500 per 10 s (Truto's limit per token: with Redis, shared by the
replicas), the sessionless analyses' cap raised to the number of clients (one principal for all of
them). Target: no errors in any row. On a 2-core machine two replicas cannot run twice as fast as
one (the sandbox, Redis and the clients share the cores): the row says what the shared store costs
and that nothing breaks, not how a deployment on several machines scales.
Run: ``python -m bench.replicas`` (``--clients N``; needs ``redis-server``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import anyio
import httpx2
import psutil

from bench.common import BenchResult, Peak, percentile, report, table
from bench.load import CALLS, FAST_BUDGET, SCAN_CAP, START_TIMEOUT_S, Outcome, cpu_s, ms, one_client, server_process
from tests.redis_server import RedisServer, free_port
from truto_log_mcp.sandbox import SANDBOX_TOKEN

CLIENTS = 40
SCENARIOS: list[tuple[str, int, bool]] = [("memory", 1, False), ("redis", 1, True), ("redis", 2, True)]
"""(label, replicas, shared store)."""


@contextmanager
def sandbox_process() -> Iterator[str]:
    """``truto-log-mcp sandbox`` on a free loopback port; yields its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "truto_log_mcp", "sandbox", "--port", str(port)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


async def load(urls: list[str], clients: int, servers: list[psutil.Process]) -> Outcome:
    outcome = Outcome("modern", clients, FAST_BUDGET["TRUTO_RATE_BUDGET"], str(clients))
    outcome.idle_rss = sum(int(server.memory_info().rss) for server in servers)
    connected = [0]
    go = anyio.Event()
    with Peak(lambda: sum(int(server.memory_info().rss) for server in servers)) as rss:
        async with anyio.create_task_group() as group:
            for index in range(clients):
                group.start_soon(one_client, urls[index % len(urls)], "modern", outcome, connected, go)
            with anyio.fail_after(START_TIMEOUT_S):
                while connected[0] < clients:
                    await anyio.sleep(0.01)
            released = time.perf_counter()
            server_cpu = sum(cpu_s(server) for server in servers)
            go.set()
        outcome.wall_s = time.perf_counter() - released
        outcome.server_cpu_s = sum(cpu_s(server) for server in servers) - server_cpu
    outcome.peak_rss = rss.peak
    return outcome


def run_scenario(redis: RedisServer, replicas: int, shared: bool, clients: int) -> Outcome:
    """One row, on a sandbox and a Redis of its own: no row inherits another's rate window or cache."""
    redis.flush()
    with sandbox_process() as base_url:
        return _run_replicas(base_url, redis, replicas, shared, clients)


def _run_replicas(base_url: str, redis: RedisServer, replicas: int, shared: bool, clients: int) -> Outcome:
    env = {
        **FAST_BUDGET,
        SCAN_CAP: str(clients),
        "TRUTO_BASE_URL": base_url,
        "TRUTO_API_TOKEN": SANDBOX_TOKEN,
        "TRUTO_STATE_URL": redis.url() if shared else "memory://",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    with ExitStack() as stack:
        started = [stack.enter_context(server_process(env, upstream=())) for _ in range(replicas)]
        return anyio.run(load, [url for url, _ in started], clients, [server for _, server in started])


def run(clients: int = CLIENTS) -> BenchResult:
    executable = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(executable).exists():
        raise SystemExit("bench.replicas needs redis-server (apt-get install redis-server)")
    redis = RedisServer(executable)
    redis.start()
    try:
        outcomes = [
            (label, replicas, run_scenario(redis, replicas, shared, clients)) for label, replicas, shared in SCENARIOS
        ]
    finally:
        redis.stop()
    rows = []
    for label, replicas, outcome in outcomes:
        done = [value for values in outcome.latencies.values() for value in values]
        rows.append(
            [
                f"{replicas} × `{label}`",
                str(outcome.calls),
                str(outcome.pages),
                f"{outcome.wall_s:.2f}",
                f"{outcome.calls / outcome.wall_s:.1f}" if outcome.wall_s else "-",
                *(
                    f"{ms(percentile(values, 0.5))} / {ms(percentile(values, 0.99))}" if values else "-"
                    for values in (outcome.latencies[name] for name, _ in CALLS)
                ),
                f"{ms(percentile(done, 0.5))} / {ms(percentile(done, 0.99))}" if done else "-",
                str(outcome.busy),
                str(len(outcome.errors)),
                f"{outcome.server_cpu_s:.1f}",
            ]
        )
    header = [
        "replicas × store",
        "calls",
        "upstream pages",
        "wall s",
        "calls/s",
        *(f"`{name}` p50 / p99 ms" for name, _ in CALLS),
        "all p50 / p99 ms",
        "`[busy]`",
        "errors",
        "CPU s servers",
    ]
    errors = [f"{replicas} × {label}: {error}" for label, replicas, outcome in outcomes for error in outcome.errors]
    return BenchResult(
        title=f"Load with replicas ({clients} concurrent sessionless clients, two replicas behind Redis vs one)",
        target="no errors and every call answered in every row",
        met=all(not outcome.errors and outcome.calls == clients * len(CALLS) for _, _, outcome in outcomes),
        table=table(header, rows, align="l" + "r" * (len(header) - 1)),
        summary=[
            f"{clients} clients (protocol 2026-07-28, no sessions), spread over the replicas in turn, released "
            "together; each calls " + ", ".join(f"`{name}`" for name, _ in CALLS) + " once. One sandbox process "
            "per row, upstream of its replicas; scan cache on (the default: in memory, or in Redis); Redis on "
            "loopback; rate budget 500 per 10 s (shared by the replicas on "
            f"Redis). Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, shared with the sandbox, Redis "
            "and the clients: two replicas cannot run twice as fast here.",
            *(errors[:5]),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"concurrent clients (default {CLIENTS})")
    args = parser.parse_args(argv)
    return report(run(args.clients))


if __name__ == "__main__":
    raise SystemExit(main())
