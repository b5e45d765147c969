"""Load: many MCP clients at once over streamable HTTP against one server process.

The server is ``truto-log-mcp serve --transport http --demo`` started as a subprocess on
127.0.0.1 with a bearer token (what a team deploys; the embedded sandbox is its upstream, in
process). ``--clients`` SDK clients (``mcp.Client`` over streamable HTTP, each its own connection)
first all connect, then, released together, each calls ``search_logs`` and ``summarize_errors``
once. Two protocol modes, as clients speak them:

- ``legacy``: the handshake-era protocol with an MCP session per client (``initialize``,
  ``Mcp-Session-Id``): what the TypeScript SDK speaks, so Claude Code, Cursor, Claude Desktop's
  ``mcp-remote`` bridge and the Inspector;
- ``modern``: ``Client(url)``'s default, protocol 2026-07-28: one self-contained POST per call,
  no session.

Reported per mode: calls, wall time, throughput (calls/s), p50/p99 latency per tool, ``[busy]``
answers, errors, and the server process's peak RSS (psutil, sampled every 10 ms) against its RSS
when idle.

``[busy]`` is the analysis cap at work, counted apart from errors. A legacy client has its own MCP
session, whose cap (``TRUTO_MAX_SCANS_PER_SESSION``, 2) its one analysis never reaches: no ``[busy]``.
Modern clients have no session, so their analyses count against their principal, and every client of a
single-token server is the same principal (``TRUTO_MAX_SCANS_PER_PRINCIPAL``): the row that measures
the server raises that cap to the number of clients; the row with the default (8) shows the cap holding,
every ``summarize_errors`` beyond the 8 running answering ``[busy]`` at once.

Target: no errors in any mode (a transport failure or a tool error counts), no ``[busy]`` but in the
row with the default cap on sessionless analyses, and some there (the cap holds), with at least 50
concurrent clients.

Run: ``python -m bench.load`` (``--clients N``, ``--mode legacy|modern|both``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
import psutil
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.common import BenchResult, Peak, percentile, report, table

CLIENTS = 50
MODES = ("legacy", "modern")
FAST_BUDGET = {"TRUTO_RATE_BUDGET": "500"}
"""Truto's own limit per token (the default budget, 250 per 10 s, keeps half of it for other clients)."""
SCAN_CAP = "TRUTO_MAX_SCANS_PER_PRINCIPAL"
BEARER = "bench-load-bearer-token-0123456789abcdef"
READY = re.compile(r"serving MCP over streamable HTTP at (http://\S+/mcp)")
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_logs", {"log_type": "unified_proxy_api", "since": "24h", "match": {"status": ">=400"}, "limit": 20}),
    ("summarize_errors", {"log_type": "webhook", "since": "24h"}),
]
CALL_TIMEOUT_S = 60.0
START_TIMEOUT_S = 30.0


@dataclass(slots=True)
class Outcome:
    mode: str
    clients: int
    budget: str
    scan_cap: str
    """The cap on analyses without an MCP session (all modern clients share one principal)."""
    latencies: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name, _ in CALLS})
    errors: list[str] = field(default_factory=list)
    busy: int = 0
    """``[busy]`` answers: the analysis cap at work, not an error."""
    wall_s: float = 0.0
    connect_s: list[float] = field(default_factory=list)
    idle_rss: int = 0
    peak_rss: int = 0
    pages: int = 0
    server_cpu_s: float = 0.0
    clients_cpu_s: float = 0.0
    """Upstream pages the calls read (their coverage): what the rate budget counts."""

    @property
    def calls(self) -> int:
        return sum(len(values) for values in self.latencies.values()) + len(self.errors) + self.busy

    @property
    def expects_busy(self) -> bool:
        return self.mode == "modern" and int(self.scan_cap.split()[0]) < self.clients


@contextmanager
def server_process(
    env: dict[str, str], upstream: tuple[str, ...] = ("--demo",)
) -> Iterator[tuple[str, psutil.Process]]:
    """``serve --transport http --demo`` (or another ``upstream``: ``()`` reads ``TRUTO_BASE_URL``) on a free
    127.0.0.1 port; yields its URL and process."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "truto_log_mcp", "serve", "--transport", "http", *upstream, "--port", "0"],
            env={"PATH": os.environ.get("PATH", ""), "TRUTO_MCP_BEARER_TOKEN": BEARER, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                log.seek(0)
                text = log.read().decode(errors="replace")
                if found := READY.search(text):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{text}")
                time.sleep(0.05)
            yield found.group(1), psutil.Process(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def one_client(url: str, mode: str, outcome: Outcome, connected: list[int], go: anyio.Event) -> None:
    headers = {"Authorization": f"Bearer {BEARER}"}
    timeout = httpx2.Timeout(CALL_TIMEOUT_S, read=CALL_TIMEOUT_S)
    started = time.perf_counter()
    try:
        async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, mode="legacy" if mode == "legacy" else "auto") as client:
                outcome.connect_s.append(time.perf_counter() - started)
                connected[0] += 1
                await go.wait()
                for name, arguments in CALLS:
                    called = time.perf_counter()
                    with anyio.fail_after(CALL_TIMEOUT_S):
                        result = await client.call_tool(name, arguments)
                    text = " ".join(block.text for block in result.content if block.type == "text")
                    if result.is_error and text.startswith("[busy]"):
                        outcome.busy += 1
                    elif result.is_error:
                        outcome.errors.append(f"{name}: {text[:80]}")
                    else:
                        outcome.latencies[name].append(time.perf_counter() - called)
                        outcome.pages += pages_of(result.structured_content)
    except Exception as error:  # a transport failure is an error of the run, not of the benchmark
        outcome.errors.append(f"{type(error).__name__}: {str(error)[:80]}")
        connected[0] += 1


def cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def pages_of(structured: dict[str, Any] | None) -> int:
    coverage = (structured or {}).get("coverage")
    scans = coverage if isinstance(coverage, list) else [coverage] if isinstance(coverage, dict) else []
    return sum(int(scan.get("pages", 0)) for scan in scans)


async def load(url: str, mode: str, clients: int, server: psutil.Process, budget: str, scan_cap: str) -> Outcome:
    outcome = Outcome(mode, clients, budget, scan_cap)
    outcome.idle_rss = int(server.memory_info().rss)
    connected = [0]
    go = anyio.Event()
    me = psutil.Process()
    with Peak(lambda: server.memory_info().rss) as rss:
        async with anyio.create_task_group() as group:
            for _ in range(clients):
                group.start_soon(one_client, url, mode, outcome, connected, go)
            with anyio.fail_after(START_TIMEOUT_S):
                while connected[0] < clients:
                    await anyio.sleep(0.01)
            released = time.perf_counter()
            server_cpu, clients_cpu = cpu_s(server), cpu_s(me)
            go.set()
        outcome.wall_s = time.perf_counter() - released
        outcome.server_cpu_s = cpu_s(server) - server_cpu
        outcome.clients_cpu_s = cpu_s(me) - clients_cpu
    outcome.peak_rss = rss.peak
    return outcome


def run_mode(mode: str, clients: int, env: dict[str, str]) -> Outcome:
    budget = env.get("TRUTO_RATE_BUDGET", "250 (default)")
    scan_cap = env.get(SCAN_CAP, "8 (default)")
    with server_process(env) as (url, server):
        return anyio.run(load, url, mode, clients, server, budget, scan_cap)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def run(clients: int = CLIENTS, modes: tuple[str, ...] = MODES) -> BenchResult:
    # The modern row that measures the server lets every client's analysis run (one principal for all of them).
    scenarios = [(mode, FAST_BUDGET if mode == "legacy" else {**FAST_BUDGET, SCAN_CAP: str(clients)}) for mode in modes]
    if "legacy" in modes:
        scenarios.append(("legacy", {}))
    if "modern" in modes:
        scenarios.append(("modern", FAST_BUDGET))
    outcomes = [run_mode(mode, clients, env) for mode, env in scenarios]
    rows = []
    for outcome in outcomes:
        done = [value for values in outcome.latencies.values() for value in values]
        cells = [
            f"{outcome.mode}",
            outcome.budget,
            outcome.scan_cap if outcome.mode == "modern" else "-",
            str(outcome.clients),
            str(outcome.calls),
            str(outcome.pages),
            f"{outcome.wall_s:.2f}",
            f"{outcome.calls / outcome.wall_s:.0f}" if outcome.wall_s else "-",
        ]
        for name, _ in CALLS:
            values = outcome.latencies[name]
            cells.append(f"{ms(percentile(values, 0.5))} / {ms(percentile(values, 0.99))}" if values else "-")
        cells += [
            f"{ms(percentile(done, 0.5))} / {ms(percentile(done, 0.99))}" if done else "-",
            str(outcome.busy),
            str(len(outcome.errors)),
            f"{mib(outcome.idle_rss)} → {mib(outcome.peak_rss)}",
            f"{outcome.server_cpu_s:.1f} / {outcome.clients_cpu_s:.1f}",
        ]
        rows.append(cells)
    header = [
        "mode",
        "rate budget / 10 s",
        "sessionless analyses",
        "clients",
        "calls",
        "upstream pages",
        "wall s",
        "calls/s",
        *(f"`{name}` p50 / p99 ms" for name, _ in CALLS),
        "all p50 / p99 ms",
        "`[busy]`",
        "errors",
        "server RSS MiB (idle → peak)",
        "CPU s server / clients",
    ]
    met = all(
        not outcome.errors
        and outcome.calls == outcome.clients * len(CALLS)
        and (outcome.busy > 0 if outcome.expects_busy else outcome.busy == 0)
        for outcome in outcomes
    )
    summary = [
        f"{clients} SDK clients at once, each its own HTTP connection, released together after connecting; "
        f"each calls {', '.join(f'`{name}` {compact(arguments)}' for name, arguments in CALLS)} once. "
        f"One server process per row (`serve --transport http --demo`, bearer token, default settings but the "
        f"rate budget), Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; the demo sandbox runs in the "
        "server's process, so its time is the server's. Latency is per call, from the client; calls/s is all "
        "calls over the wall time from release to the last answer.",
        "All clients of a single-user server share its Truto token, so they share one rate budget (upstream "
        "requests per 10 s, `TRUTO_RATE_BUDGET`): with the default 250 the calls beyond it wait for the budget "
        "(the legacy row with the default) instead of failing; the other rows set it to Truto's own limit, 500, "
        "to measure the server.",
        "`[busy]` is the analysis cap at work, not an error. A legacy client has its own MCP session, whose cap "
        "(2 analyses at once) its one analysis never reaches. Modern clients have no session: their analyses "
        "count against their principal, and all clients of a single-token server are one principal, allowed "
        "`TRUTO_MAX_SCANS_PER_PRINCIPAL` analyses at once (8 by default; the row measuring the server raises it "
        "to the number of clients).",
    ]
    for outcome in outcomes:
        if outcome.expects_busy:
            cap, ran = outcome.scan_cap.split()[0], outcome.clients - outcome.busy
            summary.append(
                f"{outcome.mode} (sessionless analyses {outcome.scan_cap}): {outcome.busy} of {outcome.clients} "
                f"`summarize_errors` answered `[busy]` at once, {ran} ran. That is the cap holding: at most {cap} "
                f"of the principal's analyses run at once, so a call that finds {cap} running is refused; {ran} "
                f"ran in all, not {cap}, because the calls come spread over the `search_logs` before them and "
                f"analyses that finish free their slots for later ones."
            )
    for outcome in outcomes:
        if outcome.errors:
            kinds = sorted({re.sub(r"\d+", "N", error)[:70] for error in outcome.errors})
            summary.append(
                f"{outcome.mode} (budget {outcome.budget}) errors ({len(outcome.errors)}): " + "; ".join(kinds[:5])
            )
        if outcome.connect_s:
            summary.append(
                f"{outcome.mode} (budget {outcome.budget}): connecting p50 "
                f"{ms(percentile(outcome.connect_s, 0.5))} ms, p99 {ms(percentile(outcome.connect_s, 0.99))} ms."
            )
    return BenchResult(
        title=f"Load ({clients} concurrent MCP clients over streamable HTTP)",
        target=f"no errors with {clients} concurrent clients in every mode; `[busy]` only in the row with the "
        "default cap on sessionless analyses (8 at once per principal), and some there (the cap holds)",
        met=met,
        table=table(header, rows, align="lll" + "r" * (len(header) - 3)),
        summary=summary,
    )


def compact(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"concurrent clients (default {CLIENTS})")
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both", help="protocol mode (default both)")
    args = parser.parse_args(argv)
    modes = MODES if args.mode == "both" else (args.mode,)
    return report(run(args.clients, modes))


if __name__ == "__main__":
    raise SystemExit(main())
