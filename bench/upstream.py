"""The benchmarks' upstream: a day of generated ``unified_proxy_api`` rows (busiest in the afternoon),
served by the sandbox in a process of its own, with latency and Truto's rate limit.

``python -m bench.upstream ROWS [--latency S] [--rate-limit N]`` is that process (started by
``SandboxProcess``); the scan-speed and memory benchmarks read from it.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import cos, pi
from typing import Any

import anyio
import httpx2

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import RecordedRequest, Sandbox, SandboxConfig, serving
from truto_log_mcp.sandbox.dataset import gc_paused

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
SEED = 11

Row = dict[str, Any]


# ---- the rows ---------------------------------------------------------------------------------


def template_rows() -> list[Row]:
    """The sandbox's generated ``unified_proxy_api`` rows (14 days, about 6 % errors): the shapes to copy."""
    return Sandbox(SandboxConfig(now=NOW, rate_limit=None)).rows(LOG_TYPE)


PROFILES: dict[str, Callable[[datetime], float]] = {
    "afternoon": lambda moment: (1 + 0.5 * cos(2 * pi * (moment.hour + moment.minute / 60 - 14) / 24)) / 1.5,
    "office_hours": lambda moment: 1.0 if 9 <= moment.hour < 17 else 0.1,
}
"""How busy each minute of a day is, relative to the busiest (0 to 1). ``afternoon``: busiest at 14:00 UTC
(1.5 x the mean), quietest at 02:00 (0.5 x); ``office_hours``: 9:00 to 17:00 UTC ten times the night."""

BUSY_HOUR = "busy_hour"
"""A profile of its own: a tenth of the rows spread evenly over the span, the rest in one hour of it
(the hour starting 3 days 5 hours before ``NOW``)."""


def activity_millis(count: int, seed: int = SEED, span: timedelta = WINDOW, profile: str = "afternoon") -> list[int]:
    """``count`` distinct millisecond offsets in (0, ``span``) after ``NOW - span``, newest first.

    Spread along ``profile``: the scanner's sub-windows are equal in time, so they are unequal in
    rows, as in real logs.
    """
    rng = random.Random(seed)
    minutes = int(span / timedelta(minutes=1))
    start = NOW - span
    if profile == BUSY_HOUR:
        busy = int((NOW - timedelta(days=3, hours=5) - start) / timedelta(minutes=1))
        weights = [9.0 * minutes / 60 if busy <= m < busy + 60 else 1.0 for m in range(minutes)]
    else:
        weights = [PROFILES[profile](start + timedelta(minutes=m)) for m in range(minutes)]
    taken: set[int] = set()
    while len(taken) < count:
        for minute in rng.choices(range(minutes), weights, k=count - len(taken)):
            offset = minute * 60_000 + rng.randrange(60_000)
            if offset > 0:
                taken.add(offset)
    return sorted(taken, reverse=True)


def stamp(offset_ms: int, start: datetime = START) -> str:
    """The ISO 8601 timestamp (milliseconds, ``Z``) ``offset_ms`` after ``start``."""
    return (start + timedelta(milliseconds=offset_ms)).isoformat(timespec="milliseconds")[:23] + "Z"


def unified_rows(
    count: int,
    templates: list[Row] | None = None,
    seed: int = SEED,
    span: timedelta = WINDOW,
    profile: str = "afternoon",
) -> list[Row]:
    """``count`` realistic rows in the ``span`` (24 h by default) before ``NOW``, newest first.

    Each is a generated row (picked at random) re-stamped: its ``timestamp``, the timestamp that
    starts its ``message`` and a unique ``http_request_id``. Nested values are shared, not copied.
    """
    pool = templates if templates is not None else template_rows()
    rng = random.Random(seed)
    rows = []
    for index, offset in enumerate(activity_millis(count, seed, span, profile)):
        source = pool[rng.randrange(len(pool))]
        row = dict(source)
        when = stamp(offset, NOW - span)
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


# ---- the sandbox, in a process of its own -----------------------------------------------------


def serve_main(
    rows: int, latency_s: float, rate_limit: int | None, span: timedelta = WINDOW, profile: str = "afternoon"
) -> int:
    """The sandbox process: build the rows, serve them on 127.0.0.1, answer commands on stdin.

    Prints one JSON line (``url``, ``rows``, ``errors``, ``built_s``), then for each ``requests`` line
    on stdin one JSON line on the requests received since the last one (and forgets them). Stops
    when stdin closes.
    """
    started = time.perf_counter()
    with gc_paused():
        planted = unified_rows(rows, span=span, profile=profile)
    errors = sum(1 for row in planted if is_error(row))
    config = SandboxConfig(
        now=NOW,
        generate=False,
        extra_rows={LOG_TYPE: planted},
        latency_s=latency_s,
        rate_limit=None if rate_limit is None else (rate_limit, SANDBOX_RATE_LIMIT[1]),
    )
    sandbox = Sandbox(config)
    config.extra_rows = None  # the table holds its own copies: let the originals go
    del planted
    gc.collect()
    gc.freeze()  # the rows live until the end: keep the collector from walking them again and again
    built = time.perf_counter() - started

    async def serve() -> None:
        async with serving(sandbox) as url:
            print(json.dumps({"url": url, "rows": rows, "errors": errors, "built_s": built}), flush=True)
            while line := await anyio.to_thread.run_sync(sys.stdin.readline):
                if line.strip() == "requests":
                    stats = {
                        "requests": len(sandbox.requests),
                        "max_per_10s": sandbox.max_requests_in_any_window(10.0),
                        "rejected_429": sum(1 for request in sandbox.requests if request.status == 429),
                        "pages_per_window": list(pages_per_window(sandbox.requests).values()),
                        "peak_in_flight": peak_in_flight(sandbox.requests, latency_s),
                    }
                    sandbox.requests.clear()
                    print(json.dumps(stats), flush=True)

    anyio.run(serve)
    return 0


@dataclass(frozen=True, slots=True)
class Requests:
    """What the sandbox received during one measurement."""

    count: int
    max_per_10s: int
    """The most requests that arrived within any 10 s."""
    rejected_429: int
    pages_per_window: list[int]
    """Requests per ``created_at`` window, in the order each window was first asked for."""
    peak_in_flight: int = 0
    """The most requests that arrived within one latency of each other: the most on the way at once."""


def pages_per_window(requests: list[RecordedRequest]) -> dict[tuple[str, str], int]:
    """Requests per (``created_at[gt]``, ``created_at[lt]``), in the order each window first arrived."""
    windows: dict[tuple[str, str], int] = {}
    for request in sorted(requests, key=lambda request: request.at):
        params = dict(request.params)
        key = (params.get("created_at[gt]", ""), params.get("created_at[lt]", ""))
        windows[key] = windows.get(key, 0) + 1
    return windows


def peak_in_flight(requests: list[RecordedRequest], latency_s: float) -> int:
    """The most requests that arrived within ``latency_s`` of each other (each is answered ``latency_s``
    after it arrives, so they were all on the way at once)."""
    arrivals = sorted(request.at for request in requests)
    peak = first = 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - latency_s:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


class SandboxProcess:
    """``python -m bench.upstream ROWS``: the sandbox in a process of its own.

    Why: the upstream's CPU (encoding pages) is not the MCP server's in production; in one process
    it would compete with the server's event loop and slow the concurrent scan, not the
    sequential loop. Its ``requests`` record is read back through ``stats()``.
    """

    def __init__(
        self,
        rows: int,
        latency_s: float = 0.0,
        rate_limit: int | None = None,
        span: timedelta = WINDOW,
        profile: str = "afternoon",
    ) -> None:
        command = [sys.executable, "-m", "bench.upstream", str(rows), "--latency", str(latency_s)]
        command += ["--hours", f"{span / timedelta(hours=1):g}", "--profile", profile]
        if rate_limit is not None:
            command += ["--rate-limit", str(rate_limit)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._stdout = self.process.stdout
        self.ready: dict[str, Any] = self._line()
        self.url = str(self.ready["url"])

    def _line(self) -> dict[str, Any]:
        line = self._stdout.readline()
        if not line:
            raise RuntimeError(f"the sandbox process ended (exit code {self.process.poll()})")
        answer = json.loads(line)
        assert isinstance(answer, dict)
        return answer

    def stats(self) -> Requests:
        """The requests received since the last call (then forgotten)."""
        self._stdin.write("requests\n")
        self._stdin.flush()
        answer = self._line()
        return Requests(
            int(answer["requests"]),
            int(answer["max_per_10s"]),
            int(answer["rejected_429"]),
            [int(pages) for pages in answer["pages_per_window"]],
            int(answer["peak_in_flight"]),
        )

    def close(self) -> None:
        self._stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def window_params(start: datetime) -> list[tuple[str, str | int | float | bool | None]]:
    """The first page's query for the window from ``start`` to ``NOW``, 100 rows a page."""
    return [
        ("log_type", LOG_TYPE.value),
        ("created_at[gt]", iso_ms(start)),
        ("created_at[lt]", iso_ms(NOW)),
        ("limit", str(PAGE)),
    ]


async def request_latency(url: str, start: datetime, token: str, at_once: int = 1, rounds: int = 5) -> float:
    """The median time of a request for a full page (``start`` to ``NOW``), sent ``at_once`` at a time in
    ``rounds`` rounds: the latency a client sees here, the sandbox's delay plus both processes' HTTP and
    JSON work on this machine (which grows with the requests on their way at once)."""
    seconds: list[float] = []

    async def one(http: httpx2.AsyncClient) -> None:
        started = time.perf_counter()
        response = await http.get("/log", params=window_params(start))
        response.raise_for_status()
        response.json()
        seconds.append(time.perf_counter() - started)

    async with httpx2.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for round_ in range(rounds + 1):
            async with anyio.create_task_group() as group:
                for _ in range(at_once):
                    group.start_soon(one, http)
            if round_ == 0:
                seconds.clear()  # the first round opens the connections: not counted
    return statistics.median(seconds)


async def sequential_loop(url: str, start: datetime, token: str) -> tuple[float, int, int]:
    """The official SDKs' loop, one page at a time, every filter resent with ``next_cursor`` until it is
    null: its seconds, rows and pages."""
    params = window_params(start)
    async with httpx2.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        rows = pages = 0
        cursor: str | None = None
        started = time.perf_counter()
        while True:
            query = [*params, ("next_cursor", cursor)] if cursor else params
            response = await http.get("/log", params=query)
            response.raise_for_status()
            body = response.json()
            rows += len(body["result"])
            pages += 1
            cursor = body.get("next_cursor")
            if not cursor:
                return time.perf_counter() - started, rows, pages


def iso_ms(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upstream", description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="rows in the window")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument("--rate-limit", type=int, help="requests per 10 s per token")
    parser.add_argument("--hours", type=float, default=24.0, help="the span the rows lie in, before NOW")
    parser.add_argument(
        "--profile", default="afternoon", choices=[*PROFILES, BUSY_HOUR], help="how busy each minute is"
    )
    args = parser.parse_args(argv)
    return serve_main(args.rows, args.latency, args.rate_limit, timedelta(hours=args.hours), args.profile)


if __name__ == "__main__":
    raise SystemExit(main())
