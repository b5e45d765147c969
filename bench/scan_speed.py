"""Scan speed: ``summarize_errors`` against a sequential page-by-page loop, same sandbox, same run.

One sandbox holds 20,000 ``unified_proxy_api`` rows over the last 24 h (built from the sandbox's own
generated rows, re-stamped along a day's activity curve, about 6 % errors), answers every request
after 250 ms and limits each token to Truto's 500 requests per 10 s. It is served over real HTTP
on 127.0.0.1. Then, in this order:

- sequential: what the official SDKs do, one ``httpx2.AsyncClient``: ``GET /log`` with
  ``log_type``, ``created_at[gt]``, ``created_at[lt]`` and ``limit=100``, then every filter resent
  with ``next_cursor`` until it is null;
- ours: the ``summarize_errors`` tool through the SDK's in-memory ``Client``, on a server built with
  the default settings (concurrency 8, rate budget 250 per 10 s) over real HTTP to the sandbox;
- ours with a rate budget below the demand (``TRUTO_RATE_BUDGET=100``), to show the budget holds.

Both read the same window, and ours must read all of it (coverage complete, every row scanned).
The sandbox records when each request arrived: the most requests in any 10 s must stay within the
server's budget, and no request may be answered 429.

Target: ours at least 7 x faster than the sequential loop (the ceiling is concurrency / latency
against one page per latency: 8 x), within the rate budget.

Run: ``python -m bench.scan_speed``.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import cos, pi
from typing import Any

import anyio
import httpx2
from mcp import Client
from pydantic import SecretStr

from bench.common import BenchResult, report, table
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig, serving
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
"""The sandbox's fixed "now": the same rows on every run."""
WINDOW = timedelta(hours=24)
START = NOW - WINDOW
ROWS = 20_000
LATENCY_S = 0.25
SANDBOX_RATE_LIMIT = (500, 10.0)
"""Truto's own limit per token, enforced by the sandbox (429 beyond)."""
PAGE = 100
LOG_TYPE = LogType.UNIFIED_PROXY_API
TARGET_SPEEDUP = 7.0
LOW_BUDGET = 100
"""The rate budget of the second measurement: below the demand of 8 workers at 250 ms (320 per 10 s)."""
SEED = 11

Row = dict[str, Any]


# ---- the rows ---------------------------------------------------------------------------------


def template_rows() -> list[Row]:
    """The sandbox's generated ``unified_proxy_api`` rows (14 days, about 6 % errors): the shapes to copy."""
    return Sandbox(SandboxConfig(now=NOW, rate_limit=None)).rows(LOG_TYPE)


def activity_millis(count: int, seed: int = SEED) -> list[int]:
    """``count`` distinct millisecond offsets in (0, 24 h), newest first, along a day's activity curve.

    Busiest at 14:00 UTC (1.5 x the mean), quietest at 02:00 (0.5 x): the scanner's sub-windows
    are equal in time, so they are unequal in rows, as in real logs.
    """
    rng = random.Random(seed)
    minutes = int(WINDOW / timedelta(minutes=1))
    weights = [1 + 0.5 * cos(2 * pi * ((START + timedelta(minutes=m)).hour + m % 60 / 60 - 14) / 24) for m in range(minutes)]
    taken: set[int] = set()
    while len(taken) < count:
        for minute in rng.choices(range(minutes), weights, k=count - len(taken)):
            offset = minute * 60_000 + rng.randrange(60_000)
            if offset > 0:
                taken.add(offset)
    return sorted(taken, reverse=True)


def stamp(offset_ms: int) -> str:
    moment = START + timedelta(milliseconds=offset_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{offset_ms % 1000:03d}Z"


def unified_rows(count: int, templates: list[Row] | None = None, seed: int = SEED) -> list[Row]:
    """``count`` realistic rows in the last 24 h before ``NOW``, newest first.

    Each is a generated row (picked at random) re-stamped: its ``timestamp``, the timestamp that
    starts its ``message`` and a unique ``http_request_id``. Nested values are shared, not copied.
    """
    pool = templates if templates is not None else template_rows()
    rng = random.Random(seed)
    rows = []
    for index, offset in enumerate(activity_millis(count, seed)):
        source = pool[rng.randrange(len(pool))]
        row = dict(source)
        when = stamp(offset)
        request_id = f"{index:016x}"
        row["timestamp"] = when
        row["http_request_id"] = request_id
        message = source.get("message")
        if isinstance(message, str):
            message = message.replace(source["timestamp"], when, 1)
            if isinstance(source.get("http_request_id"), str):
                message = message.replace(source["http_request_id"], request_id, 1)
            row["message"] = message
        rows.append(row)
    return rows


def is_error(row: Row) -> bool:
    status = row.get("http_status_code")
    return (isinstance(status, int) and status >= 400) or row.get("integrated_account_needs_reauth") is True


# ---- the two clients --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    seconds: float
    rows: int
    pages: int
    requests: int
    """Requests the sandbox received during the measurement."""
    max_per_10s: int
    """The most requests that arrived within any 10 s."""
    rejected_429: int
    budget: int | None = None
    complete: bool = True


def iso_ms(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


async def sequential(url: str) -> tuple[float, int, int]:
    """The official SDKs' loop: one page at a time, every filter resent with ``next_cursor``."""
    params = [
        ("log_type", LOG_TYPE.value),
        ("created_at[gt]", iso_ms(START)),
        ("created_at[lt]", iso_ms(NOW)),
        ("limit", str(PAGE)),
    ]
    async with httpx2.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}) as http:
        rows = pages = 0
        cursor: str | None = None
        started = time.perf_counter()
        while True:
            response = await http.get("/log", params=params + ([("next_cursor", cursor)] if cursor else []))
            response.raise_for_status()
            body = response.json()
            rows += len(body["result"])
            pages += 1
            cursor = body.get("next_cursor")
            if not cursor:
                return time.perf_counter() - started, rows, pages


async def ours(url: str, settings: Settings) -> tuple[float, dict[str, Any]]:
    """``summarize_errors`` through the in-memory client; (seconds of the call, its structured answer)."""
    server = build_server(settings)
    arguments = {"log_type": LOG_TYPE.value, "start": iso_ms(START), "end": iso_ms(NOW), "max_rows": 200_000}
    async with Client(server) as client:
        started = time.perf_counter()
        result = await client.call_tool("summarize_errors", arguments)
        elapsed = time.perf_counter() - started
    if result.is_error or result.structured_content is None:
        texts = " ".join(block.text for block in result.content if block.type == "text")
        raise RuntimeError(f"summarize_errors failed: {texts}")
    return elapsed, result.structured_content


def settings_for(url: str, rate_budget: int | None = None) -> Settings:
    extra = {} if rate_budget is None else {"rate_budget": rate_budget}
    return Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=url, **extra)


async def measure(sandbox: Sandbox) -> list[Measure]:
    # MCPServer configures logging at INFO, where httpx2 logs every request: keep stderr quiet.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    measures = []

    def recorded(name: str, seconds: float, rows: int, pages: int, **more: Any) -> Measure:
        return Measure(
            name=name,
            seconds=seconds,
            rows=rows,
            pages=pages,
            requests=len(sandbox.requests),
            max_per_10s=sandbox.max_requests_in_any_window(10.0),
            rejected_429=sum(1 for request in sandbox.requests if request.status == 429),
            **more,
        )

    async with serving(sandbox) as url:
        sandbox.requests.clear()
        seconds, rows, pages = await sequential(url)
        measures.append(recorded("sequential loop (official SDKs)", seconds, rows, pages))
        await anyio.sleep(SANDBOX_RATE_LIMIT[1])  # let the sandbox's 10 s window empty between runs
        for budget in (None, LOW_BUDGET):
            settings = settings_for(url, budget)
            sandbox.requests.clear()
            seconds, answer = await ours(url, settings)
            coverage = answer["coverage"][0]
            name = f"`summarize_errors`, concurrency {settings.scan_concurrency}"
            measures.append(
                recorded(
                    name,
                    seconds,
                    answer["rows_scanned"],
                    coverage["pages"],
                    budget=settings.rate_budget,
                    complete=coverage["complete"] and coverage["rows_scanned"] == answer["rows_scanned"],
                )
            )
    return measures


def run() -> BenchResult:
    started = time.perf_counter()
    templates = template_rows()
    rows = unified_rows(ROWS, templates)
    errors = sum(1 for row in rows if is_error(row))
    config = SandboxConfig(
        now=NOW,
        generate=False,
        extra_rows={LOG_TYPE: rows},
        latency_s=LATENCY_S,
        rate_limit=SANDBOX_RATE_LIMIT,
    )
    sandbox = Sandbox(config)
    built = time.perf_counter() - started
    baseline, default, limited = anyio.run(measure, sandbox)
    elapsed = time.perf_counter() - started

    speedup = baseline.seconds / default.seconds
    within = [m.budget is None or (m.max_per_10s <= m.budget and m.rejected_429 == 0) for m in (default, limited)]
    all_read = all(m.complete and m.rows == ROWS for m in (baseline, default, limited))
    met = speedup >= TARGET_SPEEDUP and all(within) and all_read and baseline.rejected_429 == 0

    def line(m: Measure, ratio: str, ok: bool) -> list[str]:
        budget = "none" if m.budget is None else f"{m.budget} / 10 s"
        return [
            m.name,
            budget,
            f"{m.seconds:.2f}",
            f"{m.rows:,}" + ("" if m.complete else " (PARTIAL)"),
            str(m.pages),
            str(m.requests),
            str(m.max_per_10s),
            str(m.rejected_429),
            ratio,
            "" if m.budget is None else ("within" if ok else "OVER"),
        ]

    header = [
        "client",
        "rate budget",
        "seconds",
        "rows read",
        "pages",
        "requests",
        "max requests in any 10 s",
        "429s",
        "speed-up",
        "budget",
    ]
    table_rows = [
        line(baseline, "1.0", True),
        line(default, f"**{speedup:.1f}**", within[0]),
        line(limited, f"{baseline.seconds / limited.seconds:.1f}", within[1]),
    ]
    ceiling = min(
        default_concurrency() / LATENCY_S, default_budget() / SANDBOX_RATE_LIMIT[1]
    ) / (1 / LATENCY_S)
    summary = [
        f"{ROWS:,} `{LOG_TYPE.value}` rows ({errors:,} errors) over the 24 h before {NOW:%Y-%m-%d %H:%MZ}, "
        f"busiest at 14:00 UTC; sandbox latency {LATENCY_S * 1000:.0f} ms a request and Truto's limit of "
        f"{SANDBOX_RATE_LIMIT[0]} per {SANDBOX_RATE_LIMIT[1]:g} s, served over HTTP on 127.0.0.1 in this process. "
        f"Seconds: the sequential loop, and the `tools/call` of `summarize_errors` (scan and analysis). "
        f"Ceiling of the speed-up: min(concurrency / latency, budget / 10 s) / (1 / latency) = {ceiling:g} x.",
        f"With the default budget ({default_budget()} per 10 s) the budget does not bind here: "
        f"{default.requests} requests fit in one 10 s window. The second run sets `TRUTO_RATE_BUDGET={LOW_BUDGET}`, "
        f"below the demand of {default_concurrency()} workers at {LATENCY_S * 1000:.0f} ms "
        f"({default_concurrency() / LATENCY_S * 10:.0f} per 10 s): it waits for the budget and stays within it.",
        f"Sandbox built in {built:.1f} s; whole benchmark {elapsed:.1f} s.",
    ]
    return BenchResult(
        title=f"Scan speed (`summarize_errors` over {ROWS:,} rows, {LATENCY_S * 1000:.0f} ms latency)",
        target=f"at least {TARGET_SPEEDUP:g} x faster than the sequential loop, every row read, "
        "never over the rate budget in any 10 s, no 429",
        met=met,
        table=table(header, table_rows),
        summary=summary,
    )


def default_concurrency() -> int:
    return int(Settings.model_fields["scan_concurrency"].default)


def default_budget() -> int:
    return int(Settings.model_fields["rate_budget"].default)


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
