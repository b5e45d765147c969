"""Tokens of one analysis answer on the sandbox's 24 h window: ``summarize_errors`` (default ``top``),
``list_sync_runs`` (default ``limit``) and ``trace_sync_run`` of every run of the window (the largest).

What the model reads (the text) in o200k_base tokens, through the SDK's in-memory ``Client``. The
sandbox's rows depend on its "now" (traffic follows the time of day, runs their schedules), and the
server judges windows, running and stuck runs at the real clock: so each figure is measured on
sandboxes with fixed "now"s spread over a day and a half, asking for the 24 h before it
(``start``/``end``: the same window the default gives at that moment), and once more at the real
now with no arguments at all. Target (issue 10): every text at most 1,500 tokens.

Run: ``python -m bench.answer_tokens``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from bench.common import BenchResult, count_tokens, report, table
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

TEXT_BUDGET = 1500
BASE_URL = "http://sandbox.test"
FIRST_NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
NOWS = tuple(FIRST_NOW + timedelta(hours=5 * step) for step in range(8))
"""Fixed "now"s five hours apart (every time of day, two weekdays): the figures do not depend on when it runs."""
GUARD_NOW = NOWS[4]
"""The "now" whose summary was the largest (1,478 tokens, with each group dated and the sandbox's second
environment): the size-guard tests measure at it."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """The text tokens of the three answers at one "now"."""

    now: str
    summary: int
    listing: int
    runs: int
    """Runs the window holds (each traced)."""
    largest_trace: int
    largest_run: str
    """The run whose trace is largest (its id's first 8 characters)."""

    @property
    def largest(self) -> int:
        return max(self.summary, self.listing, self.largest_trace)


def text_tokens(result: CallToolResult) -> int:
    text = "\n".join(block.text for block in result.content if block.type == "text")
    if result.is_error:
        raise RuntimeError(f"the call failed: {text}")
    return count_tokens(text)


def day_before(now: datetime) -> dict[str, Any]:
    """The window the default gives at ``now``: the 24 h before it."""
    return {"start": (now - timedelta(hours=24)).isoformat(), "end": now.isoformat()}


async def measure(sandbox: Sandbox, window: dict[str, Any], label: str) -> Sizes:
    """The three answers' text tokens on ``sandbox`` for ``window`` (``{}``: the defaults)."""
    settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=BASE_URL)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    server = build_server(settings, httpx2.ASGITransport(app=sandbox.app))
    async with Client(server) as client:
        summary = text_tokens(await client.call_tool("summarize_errors", window))
        listing = text_tokens(await client.call_tool("list_sync_runs", window))
        traces = await trace_sizes(client, window)
    largest, run_id = max(traces, default=(0, ""))
    return Sizes(label, summary, listing, len(traces), largest, run_id[:8])


async def trace_sizes(client: Client, window: dict[str, Any]) -> list[tuple[int, str]]:
    """The text tokens of ``trace_sync_run`` of every run that started in ``window``, with the run's id."""
    every = await client.call_tool("list_sync_runs", {**window, "limit": 100})
    assert isinstance(every.structured_content, dict) and every.structured_content["next_cursor"] is None
    run_ids = [run["sync_job_run_id"] for run in every.structured_content["runs"]]
    return [
        (text_tokens(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id})), run_id)
        for run_id in run_ids
    ]


async def measure_all() -> list[Sizes]:
    sizes = []
    for now in NOWS:
        sandbox = Sandbox(SandboxConfig(now=now, rate_limit=None))
        sizes.append(await measure(sandbox, day_before(now), f"{now:%Y-%m-%d %H:%MZ} (`start`/`end`)"))
    # The server judges running and stuck runs at the real clock: the sandbox's "now" is the real one.
    sizes.append(await measure(Sandbox(SandboxConfig(rate_limit=None)), {}, "the real now (no arguments)"))
    return sizes


def run() -> BenchResult:
    started = time.perf_counter()
    sizes = anyio.run(measure_all)
    elapsed = time.perf_counter() - started
    rows = [
        [
            size.now,
            f"{size.summary:,}",
            f"{size.listing:,}",
            str(size.runs),
            f"{size.largest_trace:,} (`{size.largest_run}`)",
        ]
        for size in sizes
    ]
    rows.append(
        [
            "**largest**",
            f"**{max(size.summary for size in sizes):,}**",
            f"**{max(size.listing for size in sizes):,}**",
            "",
            f"**{max(size.largest_trace for size in sizes):,}**",
        ]
    )
    header = [
        "sandbox now (window: the 24 h before)",
        "`summarize_errors`",
        "`list_sync_runs`",
        "runs",
        "largest trace",
    ]
    return BenchResult(
        title="Analysis answers (text tokens, the sandbox's default 24 h window)",
        target=f"text at most {TEXT_BUDGET:,} o200k tokens: `summarize_errors` (default `top`), `list_sync_runs` "
        "(default `limit`), `trace_sync_run` of every run in the window",
        met=all(size.largest <= TEXT_BUDGET for size in sizes),
        table=table(header, rows),
        summary=[
            "Tokens: o200k_base, of the text the model reads. Sandbox seed 7; each row one sandbox and one server. "
            f"Traces: every run that started in the window (`list_sync_runs` with `limit` 100). "
            f"Measured in {elapsed:.1f} s."
        ],
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
