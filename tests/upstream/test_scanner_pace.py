"""scan_window at the bound on every density, in virtual time (a page takes exactly ``LATENCY``, nothing
else takes time): rounds and requests of sparse, dense, cyclic and bursty windows."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest

from tests.helpers import VIRTUAL_TIME, sandbox_http
from tests.upstream.test_scanner import NOW, scan
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest

pytestmark = pytest.mark.anyio

# ---- at the bound on every density (virtual time: a page takes exactly LATENCY, nothing else does) ------------

LATENCY = 0.25
WORKERS = 8


def afternoon_peak(moment: datetime) -> float:
    """A day's activity relative to its peak: busiest at 14:00 UTC (1.5 x the mean), quietest at 02:00 (0.5 x)."""
    return (1 + 0.5 * math.cos(2 * math.pi * (moment.hour + moment.minute / 60 - 14) / 24)) / 1.5


def office_hours(moment: datetime) -> float:
    return 1.0 if 9 <= moment.hour < 17 else 0.1


def stamps(
    rng: random.Random, window: Window, count: int, weight: Callable[[datetime], float] | None = None
) -> list[datetime]:
    """``count`` random moments in ``window``, spread as ``weight`` says (0 to 1; None: evenly)."""
    moments: list[datetime] = []
    while len(moments) < count:
        moment = window.start + window.span * rng.random()
        if weight is None or rng.random() < weight(moment):
            moments.append(moment)
    return moments


def days(count: float) -> Window:
    return Window(NOW - timedelta(days=count), NOW)


def quiet_week_with_a_burst(hours_ago: float = 77, minutes: float = 60) -> Callable[[random.Random], list[datetime]]:
    """300 rows over a week and 3,000 in a burst of ``minutes`` that began ``hours_ago``."""

    def make(rng: random.Random) -> list[datetime]:
        busy = NOW - timedelta(hours=hours_ago)
        return stamps(rng, days(7), 300) + stamps(rng, Window(busy, busy + timedelta(minutes=minutes)), 3000)

    return make


SHAPES: dict[str, tuple[Window, Callable[[random.Random], list[datetime]]]] = {
    "sparse: 10 days, 320 rows a day": (days(10), lambda rng: stamps(rng, days(10), 3200, afternoon_peak)),
    "dense: 24 h, 20,000 rows": (days(1), lambda rng: stamps(rng, days(1), 20_000, afternoon_peak)),
    "daily cycle: a week, office hours 10 x the night": (
        days(7),
        lambda rng: stamps(rng, days(7), 10_000, office_hours),
    ),
    "short and dense: one hour, 3,000 rows": (days(1 / 24), lambda rng: stamps(rng, days(1 / 24), 3000)),
    "long: 60 days, 30,000 rows": (days(60), lambda rng: stamps(rng, days(60), 30_000, afternoon_peak)),
    "bursty: a quiet week with one busy hour": (days(7), quiet_week_with_a_burst()),
    "bursty: ten busy minutes 29 h ago": (days(7), quiet_week_with_a_burst(29, 10)),
    "bursty: ten busy minutes 150 h ago": (days(7), quiet_week_with_a_burst(150, 10)),
    "bursty: six busy hours 101 h ago": (days(7), quiet_week_with_a_burst(101.3, 360)),
}


@dataclass(frozen=True)
class Timed:
    coverage: ScanCoverage
    seen: list[dict[str, Any]]
    planted: list[dict[str, Any]]
    requests: int
    seconds: float

    @property
    def share_of_bound(self) -> float:
        """Requests per second against the bound (WORKERS / LATENCY: the rate budget does not bind here)."""
        return self.requests / self.seconds / (WORKERS / LATENCY)


_TIMED: dict[str, Timed] = {}
"""Each shape's scan, made once: it is deterministic (virtual time, seeded rows)."""


async def timed_scan(shape: str) -> Timed:
    if shape not in _TIMED:
        _TIMED[shape] = await _timed_scan(shape)
    return _TIMED[shape]


async def _timed_scan(shape: str) -> Timed:
    window, make = {**SHAPES, **BATCHES, "a batch above a busy hour": (days(7), a_batch_above_a_busy_hour)}[shape]
    planted = [
        {
            "log_type": "webhook",
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "id": str(i),
        }
        for i, moment in enumerate(make(random.Random(7)))
    ]
    config = SandboxConfig(
        now=NOW, generate=False, extra_rows={LogType.WEBHOOK: planted}, rate_limit=None, latency_s=LATENCY
    )
    sandbox = Sandbox(config)
    seen: list[dict[str, Any]] = []
    async with sandbox_http(sandbox, token=None) as http:
        started = anyio.current_time()
        budget = ScanBudget(max_rows=200_000, max_pages=5_000, max_seconds=3_600)
        coverage = await scan(
            http, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=WORKERS, budget=budget
        )
        seconds = anyio.current_time() - started
    return Timed(coverage, seen, planted, len(sandbox.requests), seconds)


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_shape_is_read_whole_once_with_few_requests_beyond_one_per_100_rows(shape: str) -> None:
    timed = await timed_scan(shape)
    assert timed.coverage.complete
    assert sorted(row["id"] for row in timed.seen) == sorted(row["id"] for row in timed.planted)
    allowed = 1.05 * (len(timed.planted) / 100 + timed.coverage.sub_windows)
    assert timed.requests <= allowed
    assert timed.coverage.peak_in_flight == WORKERS


def quiet_week_with_a_batch(hours_ago: float) -> Callable[[random.Random], list[datetime]]:
    """300 rows over a week and 500 written in one millisecond ``hours_ago``."""

    def make(rng: random.Random) -> list[datetime]:
        return stamps(rng, days(7), 300) + [NOW - timedelta(hours=hours_ago)] * 500

    return make


def a_batch_above_a_busy_hour(rng: random.Random) -> list[datetime]:
    """300 rows over a week, 300 written in one millisecond 50 h ago and 3,000 in the hour before them."""
    batch = NOW - timedelta(hours=50)
    return stamps(rng, days(7), 300) + [batch] * 300 + stamps(rng, Window(batch - timedelta(hours=1), batch), 3000)


BATCHES: dict[str, tuple[Window, Callable[[random.Random], list[datetime]]]] = {
    "in the middle of a sub-window": (days(7), quiet_week_with_a_batch(50)),
    "just below a sub-window's end": (days(7), quiet_week_with_a_batch(63.0001)),
    "in the first hours": (days(7), quiet_week_with_a_batch(3)),
}


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("where", list(BATCHES))
async def test_a_batch_written_in_one_millisecond_costs_its_pages_and_no_needless_cut(where: str) -> None:
    """800 rows, 500 of them stamped alike: 8 pages and a part page per sub-window. Taken as 100 rows a
    millisecond, the batch's pages sent idle workers to cut the quiet hours below it (24 to 56 requests)."""
    timed = await timed_scan(where)
    assert sorted(row["id"] for row in timed.seen) == sorted(row["id"] for row in timed.planted)
    assert timed.requests <= 1.05 * (800 / 100 + WORKERS)
    assert timed.seconds <= 6 * LATENCY


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_shape_is_read_at_85_percent_of_the_bound_or_more(shape: str) -> None:
    timed = await timed_scan(shape)
    assert timed.share_of_bound >= 0.85, f"{timed.requests} requests in {timed.seconds / LATENCY:.0f} rounds"


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", [shape for shape in SHAPES if shape.startswith("bursty")])
async def test_a_burst_in_a_quiet_week_is_read_in_six_rounds(shape: str) -> None:
    """3,300 rows: 33 pages and a part page per sub-window, 5 rounds at the least. The first page that
    reaches the burst says how dense it is (its older half), so idle workers take parts of it at once;
    the burst is trusted to go on for 48 pages at most, so their cuts do not fall below a short one,
    into the quiet hours (7 to 8 rounds when it was trusted all the way)."""
    timed = await timed_scan(shape)
    assert timed.seconds <= 6 * LATENCY


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
async def test_a_sparse_window_takes_five_rounds_no_probe_round(shape: str = "sparse: 10 days, 320 rows a day") -> None:
    """32 pages one after another take 32 rounds; no probe round, so every page ending a sub-window (33 to 40
    requests at 8 in flight) fits in 5: 6.4 x."""
    timed = await timed_scan(shape)
    assert timed.seconds == pytest.approx(5 * LATENCY)


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
async def test_the_hour_below_a_batch_is_read_beside_it() -> None:
    """The batch's 3 pages come one a round; idle workers take the busy hour below it meanwhile (10 rounds
    when they waited for the batch to end)."""
    timed = await timed_scan("a batch above a busy hour")
    assert sorted(row["id"] for row in timed.seen) == sorted(row["id"] for row in timed.planted)
    assert timed.seconds <= 8 * LATENCY
