"""Scan cache: a follow-up analysis over the same 24 h, against the first, in the same run.

The upstream is the scan-speed benchmark's (``bench.upstream``): 20,000 ``unified_proxy_api`` rows
over the 24 h before ``NOW``, 250 ms a request, Truto's 500 requests per 10 s, in a process of its
own. In conversation an assistant asks several questions about one window; here, on one server
(default settings, the cache on), after a warm-up call:

1. first: ``summarize_errors`` over the last 24 h, asked at ``NOW``;
2. follow-up: ``log_stats`` (a different analysis) over the last 24 h, asked 2 minutes later: the
   window moved by 2 minutes, the newest minutes are not settled;
3. reference: the same ``log_stats`` on a server with ``TRUTO_SCAN_CACHE=off``: its answer must be
   the follow-up's, number for number (upstream pages and the cache's age aside).

The server's clock is today's, days after the sandbox's ``NOW``: its settle margin is set to
(today - ``NOW``) + 5 minutes, so that exactly what a call at ``NOW`` would not cache (the last
5 minutes before it) is read again, as in a live conversation.

Targets: the follow-up sends at most 10 % of the first's upstream requests and answers at least
5 x faster. Three rounds, each on fresh servers (an empty cache); medians, and each round's ratios.

Run: ``python -m bench.scan_cache``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from bench.common import BenchResult, report, table
from bench.upstream import LATENCY_S, LOG_TYPE, NOW, ROWS, SANDBOX_RATE_LIMIT, START, SandboxProcess, iso_ms
from truto_log_mcp.sandbox import SANDBOX_TOKEN
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

TARGET_REQUESTS = 0.10
TARGET_SPEEDUP = 5.0
ROUNDS = 3
LATER = timedelta(minutes=2)
SETTLE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Timed:
    seconds: float
    requests: int
    answer: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Round:
    first: Timed
    follow_up: Timed
    reference: Timed
    same_numbers: bool


def settings_for(url: str, cache: str) -> Settings:
    settle = datetime.now(UTC) - NOW + SETTLE
    return Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=url).model_copy(
        update={"scan_cache": cache, "scan_cache_settle_s": settle.total_seconds()}
    )


def checked(result: CallToolResult) -> dict[str, Any]:
    answer = result.structured_content
    if result.is_error or not isinstance(answer, dict):
        raise RuntimeError(" ".join(block.text for block in result.content if block.type == "text"))
    return answer


async def timed(client: Client, sandbox: SandboxProcess, tool: str, arguments: dict[str, Any]) -> Timed:
    sandbox.stats()  # forget the requests before this call
    started = time.perf_counter()
    answer = checked(await client.call_tool(tool, arguments))
    seconds = time.perf_counter() - started
    return Timed(seconds, sandbox.stats().count, answer)


def window(shift: timedelta = timedelta(0)) -> dict[str, Any]:
    return {"log_type": LOG_TYPE.value, "start": iso_ms(START + shift), "end": iso_ms(NOW + shift), "max_rows": 200_000}


async def warm(client: Client) -> None:
    """The server's one-time costs (lazy imports, the first connection): one call over the last minute."""
    await client.list_tools()
    checked(await client.call_tool("summarize_errors", {**window(), "start": iso_ms(NOW - timedelta(minutes=1))}))


def numbers(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer without what reading from the cache changes (upstream pages, the cache's age and parts)."""
    coverage = [
        {key: value for key, value in scan.items() if key not in ("pages", "cached", "cache_age_s")}
        for scan in answer["coverage"]
    ]
    return {**answer, "coverage": coverage}


async def one_round(sandbox: SandboxProcess) -> Round:
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    async with Client(build_server(settings_for(sandbox.url, "on"))) as client:
        await warm(client)
        first = await timed(client, sandbox, "summarize_errors", window())
        follow_up = await timed(client, sandbox, "log_stats", window(LATER))
    async with Client(build_server(settings_for(sandbox.url, "off"))) as client:
        await warm(client)
        reference = await timed(client, sandbox, "log_stats", window(LATER))
    same = numbers(follow_up.answer) == numbers(reference.answer)
    return Round(first, follow_up, reference, same)


async def measure(sandbox: SandboxProcess) -> list[Round]:
    return [await one_round(sandbox) for _ in range(ROUNDS)]


def run() -> BenchResult:
    started = time.perf_counter()
    with SandboxProcess(ROWS, LATENCY_S, SANDBOX_RATE_LIMIT[0]) as sandbox:
        rounds = anyio.run(measure, sandbox)
    elapsed = time.perf_counter() - started
    request_ratios = [r.follow_up.requests / r.first.requests for r in rounds]
    speedups = [r.first.seconds / r.follow_up.seconds for r in rounds]
    versus_uncached = [r.reference.seconds / r.follow_up.seconds for r in rounds]
    complete = all(
        scan["complete"] for r in rounds for scan in (*r.first.answer["coverage"], *r.follow_up.answer["coverage"])
    )
    complete = complete and all(r.first.answer["rows_scanned"] == ROWS for r in rounds)
    met = (
        median(request_ratios) <= TARGET_REQUESTS
        and median(speedups) >= TARGET_SPEEDUP
        and all(r.same_numbers for r in rounds)
        and complete
    )

    def line(name: str, measures: list[Timed], ratio: str) -> list[str]:
        return [
            name,
            f"{median(m.seconds for m in measures):.2f}",
            f"{median(m.requests for m in measures):.0f}",
            ratio,
        ]

    header = ["call", "seconds (median)", "upstream requests (median)", "vs the first"]
    rows = [
        line("first: `summarize_errors`, last 24 h", [r.first for r in rounds], "1"),
        line(
            "follow-up 2 min later: `log_stats`, last 24 h, cache on",
            [r.follow_up for r in rounds],
            f"**{median(speedups):.1f} x faster, {median(request_ratios):.1%} of the requests**",
        ),
        line(
            "the same `log_stats`, `TRUTO_SCAN_CACHE=off`",
            [r.reference for r in rounds],
            f"{median(r.first.seconds / r.reference.seconds for r in rounds):.1f} x faster",
        ),
    ]
    cached = rounds[-1].follow_up.answer["coverage"][0]
    summary = [
        f"{ROWS:,} `{LOG_TYPE.value}` rows over the 24 h before {NOW:%Y-%m-%d %H:%MZ}, {LATENCY_S * 1000:.0f} ms a "
        f"request (the scan-speed upstream, a process of its own, over HTTP on 127.0.0.1). One server with the default "
        f"settings; a warm-up call first. The follow-up's window is the last 24 h two minutes later: the cache answers "
        f"{cached['cached'][0] if cached['cached'] else 'nothing'} (read {cached['cache_age_s']} s before), the rest "
        f"(the {SETTLE.seconds // 60} minutes not settled at the first call, and the 2 since) is read upstream.",
        f"Per round (fresh servers, an empty cache): requests {', '.join(f'{x:.1%}' for x in request_ratios)}; "
        f"speed-up {', '.join(f'{x:.1f}' for x in speedups)} x; against the same `log_stats` uncached "
        f"{', '.join(f'{x:.1f}' for x in versus_uncached)} x. The follow-up's numbers equal the uncached "
        f"`log_stats`' in {sum(r.same_numbers for r in rounds)} of {len(rounds)} rounds (every number but upstream "
        f"pages); every scan complete: {'yes' if complete else 'NO'}. Measured in {elapsed:.0f} s.",
    ]
    return BenchResult(
        title="Scan cache: a follow-up analysis over the same 24 h",
        target=(
            f"the second of two different analyses over the same 24 h sends at most {TARGET_REQUESTS:.0%} of the "
            f"first's upstream requests and answers at least {TARGET_SPEEDUP:.0f} x faster"
        ),
        met=met,
        table=table(header, rows),
        summary=summary,
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
