"""Memory soak: 10,000 tool calls of a realistic mix in one process; memory must stay flat.

One server over the sandbox (the default 14 days of generated activity, no upstream rate limit),
one in-memory ``Client``, one long session, as an assistant would use it: searches and their
cursors, ``get_log`` on refs from the answers, ``describe_log_types``, ``summarize_errors`` and
``log_stats`` on small windows, ``trace_sync_run`` of the planted runs, and invalid calls (bad
log types, unknown arguments, expired cursors, unknown refs). The first 200 calls warm up; RSS is
read (after a full ``gc.collect()``) at the start, every 2,000 calls and at the end, with the
number of cursor handles and row refs the server keeps.

Target: RSS at the end minus RSS at the start under 30 MB, and both handle stores at or under
their caps (``TRUTO_MAX_CURSORS``, ``TRUTO_MAX_REFS``): they are what a long session fills, and
they stop there. Every call must answer as expected (results for valid calls, the right error
code for invalid ones). Upstream requests go through the server's rate budget (set to Truto's
500 per 10 s here), so the mix keeps to about 0.4 requests a call.

Run: ``python -m bench.soak_memory [--calls N]`` (opt-in in ``python -m bench``: it takes minutes).
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
import psutil
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from bench.common import BenchResult, report, table
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, STORIES, Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.tools.context import Services

CALLS = 10_000
WARM_UP = 200
CHECKPOINT = 2_000
TARGET_GROWTH_MB = 30.0
SEED = 7
MB = 1024 * 1024

RUN_IDS = [story.ids["sync_job_run_id"] for story in STORIES.values() if "sync_job_run_id" in story.ids]
LOG_TYPES = [log_type.value for log_type in LogType]


@dataclass(slots=True)
class Checkpoint:
    calls: int
    rss_mb: float
    cursors: int
    refs: int
    seconds: float


@dataclass(slots=True)
class Session:
    """The assistant's side: what it remembers from earlier answers, and what it saw."""

    client: Client
    rng: random.Random
    cursors: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    answered: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any], expect: str = "ok") -> CallToolResult:
        result = await self.client.call_tool(tool, arguments)
        text = "\n".join(block.text for block in result.content if block.type == "text")
        code = text[1 : text.index("]")] if result.is_error and text.startswith("[") else "ok"
        if result.is_error and code == "ok":
            code = "(no code)"
        self.answered[f"{tool} {code}"] += 1
        if code != expect and not (expect == "ok" and code in ("cursor_expired", "ref_not_found")):
            self.unexpected.append(f"{tool} {arguments!r} answered {text[:200]!r}")
        return result

    def remember(self, result: CallToolResult) -> None:
        data = result.structured_content or {}
        if data.get("next_cursor"):
            self.cursors.append(str(data["next_cursor"]))
        self.refs += [str(row[0]) for row in data.get("rows", [])[:5]]
        del self.cursors[:-50], self.refs[:-200]

    # ---- the mix: one step each --------------------------------------------------------------------------

    async def search(self) -> None:
        rng = self.rng
        log_type = rng.choice(LOG_TYPES)
        arguments: dict[str, Any] = {"log_type": log_type, "limit": rng.choice([5, 10, 20, 50])}
        arguments["since"] = rng.choice(["1h", "6h", "24h", "3d", "14d"])
        if rng.random() < 0.3:
            arguments["fields"] = rng.sample(sorted(RULES[LogType(log_type)].field_names), 3)
        self.remember(await self.call("search_logs", arguments))

    async def more(self) -> None:
        if not self.cursors:
            return await self.search()
        cursor = self.cursors.pop(self.rng.randrange(len(self.cursors)))
        self.remember(await self.call("search_logs", {"cursor": cursor, "limit": 20}))

    async def open_ref(self) -> None:
        if not self.refs:
            return await self.search()
        await self.call("get_log", {"ref": self.rng.choice(self.refs)})

    async def describe(self) -> None:
        await self.call("describe_log_types", {})

    async def summarize(self) -> None:
        arguments = {"log_type": self.rng.choice(LOG_TYPES), "since": self.rng.choice(["15m", "30m", "1h"])}
        self.remember(await self.call("summarize_errors", arguments))

    async def stats(self) -> None:
        log_type = self.rng.choice(["unified_proxy_api", "mcp", "webhook"])
        group_by = {"unified_proxy_api": ["integration"], "mcp": ["tool_name"], "webhook": ["event"]}[log_type]
        await self.call("log_stats", {"log_type": log_type, "since": "1h", "group_by": group_by, "bucket": "15m"})

    async def trace(self) -> None:
        await self.call("trace_sync_run", {"sync_job_run_id": self.rng.choice(RUN_IDS)})

    async def invalid(self) -> None:
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("search_logs", {"log_type": "webhooks"}, "invalid_argument"),
            ("search_logs", {"log_type": "mcp", "lmit": 5}, "invalid_argument"),
            ("search_logs", {"log_type": "mcp", "since": "45d"}, "invalid_argument"),
            ("search_logs", {"log_type": "mcp", "filters": {"tool_nme": "x"}}, "invalid_argument"),
            ("log_stats", {"log_type": "webhook", "since": "7d", "bucket": "1m"}, "invalid_argument"),
            ("search_logs", {"cursor": f"cdead{self.rng.randrange(10**6)}"}, "cursor_expired"),
            ("get_log", {"ref": f"rdead{self.rng.randrange(10**6)}"}, "ref_not_found"),
            ("no_such_tool", {}, "invalid_argument"),
        ]
        tool, arguments, code = self.rng.choice(cases)
        await self.call(tool, arguments, expect=code)


def schedule(session: Session) -> list[Callable[[], Any]]:
    """One round of 50 calls; about 20 upstream requests (0.4 a call)."""
    steps: list[tuple[Callable[[], Any], int]] = [
        (session.search, 7),
        (session.more, 5),
        (session.open_ref, 12),
        (session.describe, 5),
        (session.summarize, 3),
        (session.stats, 3),
        (session.invalid, 14),
    ]
    round_ = [step for step, count in steps for _ in range(count)]
    session.rng.shuffle(round_)
    return round_


def server_services() -> Services:
    """The running server's ``Services`` (found on the heap: the lifespan does not expose it)."""
    found = [candidate for candidate in gc.get_objects() if isinstance(candidate, Services)]
    assert len(found) == 1, f"expected one server, found {len(found)}"
    return found[0]


def checkpoint(calls: int, started: float, sandbox: Sandbox, totals: Counter[str]) -> Checkpoint:
    # The sandbox records every request it receives; it is the test double, not the server: empty it.
    totals["upstream requests"] += len(sandbox.requests)
    sandbox.requests.clear()
    gc.collect()
    services = server_services()
    rss = psutil.Process().memory_info().rss / MB
    return Checkpoint(
        calls, rss, services.cursors.held() or 0, services.refs.held() or 0, time.perf_counter() - started
    )


async def soak(
    calls: int, settings: Settings, sandbox: Sandbox, totals: Counter[str]
) -> tuple[list[Checkpoint], Session]:
    server = build_server(settings, httpx2.ASGITransport(app=sandbox.app))
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # MCPServer sets INFO, where httpx2 logs every request
    checkpoints: list[Checkpoint] = []
    async with Client(server) as client:
        session = Session(client, random.Random(SEED))
        done = 0
        started = time.perf_counter()
        while done < calls + WARM_UP:
            for step in schedule(session):
                if done % 100 == 0 and done >= WARM_UP:
                    await session.trace()  # one trace every 100 calls (about 4 requests each)
                    done += 1
                else:
                    await step()
                    done += 1
                if done == WARM_UP or (done > WARM_UP and (done - WARM_UP) % CHECKPOINT == 0):
                    checkpoints.append(checkpoint(done - WARM_UP, started, sandbox, totals))
                if done >= calls + WARM_UP:
                    break
    return checkpoints, session


def run(calls: int = CALLS) -> BenchResult:
    sandbox = Sandbox(SandboxConfig(rate_limit=None))
    settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url="http://sandbox.test", rate_budget=500)
    totals = Counter[str]()
    checkpoints, session = anyio.run(soak, calls, settings, sandbox, totals)
    start, end = checkpoints[0], checkpoints[-1]
    growth = end.rss_mb - start.rss_mb
    within_caps = all(
        point.cursors <= settings.max_cursors and point.refs <= settings.max_refs for point in checkpoints
    )
    met = growth < TARGET_GROWTH_MB and within_caps and not session.unexpected
    rows = [
        [
            "start (after warm-up)" if point is start else f"{point.calls:,}",
            f"{point.rss_mb:.1f}",
            f"{point.rss_mb - start.rss_mb:+.1f}",
            f"{point.cursors:,}",
            f"{point.refs:,}",
            f"{point.seconds:.0f}",
        ]
        for point in checkpoints
    ]
    tools = Counter[str]()
    for key, count in session.answered.items():
        tools[key.split(" ")[0]] += count
    summary = [
        f"{end.calls:,} calls after {WARM_UP} warm-up calls, one in-memory session, "
        f"{totals['upstream requests']:,} upstream requests, {end.seconds:.0f} s; per tool: "
        + ", ".join(f"`{tool}` {n:,}" for tool, n in tools.most_common()),
        f"RSS growth {growth:+.1f} MB (target < {TARGET_GROWTH_MB:g} MB); handle stores at most "
        f"{max(point.cursors for point in checkpoints):,} cursors (cap {settings.max_cursors:,}) and "
        f"{max(point.refs for point in checkpoints):,} refs (cap {settings.max_refs:,}).",
        "Answers: " + ", ".join(f"{key} {count:,}" for key, count in sorted(session.answered.items())) + ".",
        f"Unexpected answers: {len(session.unexpected)}"
        + ("" if not session.unexpected else f" (first: {session.unexpected[0]})"),
    ]
    return BenchResult(
        title="Memory soak (10,000 tool calls in one session)",
        target=f"RSS end - start < {TARGET_GROWTH_MB:g} MB, handle stores within their caps, no unexpected answer",
        met=met,
        table=table(["calls", "RSS MB", "growth MB", "cursors kept", "refs kept", "seconds"], rows),
        summary=summary,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=CALLS, help=f"measured tool calls (default {CALLS:,})")
    args = parser.parse_args(argv)
    return report(run(args.calls))


if __name__ == "__main__":
    raise SystemExit(main())
