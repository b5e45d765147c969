"""single_flight: identical cached scans running at once read the upstream once; the others wait (bounded),
then answer from the cache; different keys or tokens never wait for each other; a claim never outlives its read."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx2
import pytest

from tests.helpers import sandbox_http, truto_client
from truto_log_mcp.errors import AuthFailed
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rows import ProgressCallback
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Fault, Sandbox, SandboxConfig
from truto_log_mcp.state.blobs import MemoryBlobStore
from truto_log_mcp.upstream.cached_scan import cached_scan
from truto_log_mcp.upstream.client import Deadline
from truto_log_mcp.upstream.scan_cache import ScanCache
from truto_log_mcp.upstream.single_flight import ReadsInFlight, wait_bound
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SETTLE = timedelta(minutes=5)
DAY = Window(NOW - timedelta(hours=24), NOW)
Row = dict[str, Any]


def planted_rows() -> list[Row]:
    """About 900 webhook rows over the day before ``NOW`` (several pages), a few in its unsettled minutes."""
    rng = random.Random(11)
    moments = [DAY.start + timedelta(seconds=rng.uniform(1, 86_399)) for _ in range(900)]
    moments += [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
    return [
        {
            "log_type": "webhook",
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "id": str(index),
            "event": "sync_job_run:completed" if index % 2 else "record:created",
        }
        for index, moment in enumerate(moments)
    ]


ROWS = planted_rows()


def expected(window: Window, event: str | None = None) -> list[str]:
    return sorted(
        row["id"]
        for row in ROWS
        if window.start < datetime.fromisoformat(row["timestamp"]) < window.end and event in (None, row["event"])
    )


@dataclass
class Scans:
    sandbox: Sandbox
    http: httpx2.AsyncClient
    cache: ScanCache

    async def read(
        self,
        window: Window = DAY,
        *,
        namespace: str = "alice",
        budget: ScanBudget | None = None,
        filters: tuple[tuple[str, str], ...] = (),
        deadline: float = 30,
        on_progress: ProgressCallback | None = None,
    ) -> tuple[list[str], ScanCoverage]:
        """The ids one cached scan passes on (sorted) and its coverage."""
        seen: list[Row] = []
        coverage = await cached_scan(
            self.cache,
            namespace,
            NOW,
            truto_client(self.http),
            ScanRequest(LogType.WEBHOOK, window, filters),
            seen.append,
            budget=budget or ScanBudget(),
            concurrency=4,
            deadline=Deadline(deadline),
            on_progress=on_progress,
        )
        return sorted(row["id"] for row in seen), coverage

    async def together(self, *reads: dict[str, Any]) -> list[tuple[list[str], ScanCoverage]]:
        """Several reads started at once (in this order), with their answers."""
        answers: list[tuple[list[str], ScanCoverage] | None] = [None] * len(reads)

        async def one(index: int) -> None:
            answers[index] = await self.read(**reads[index])

        async with anyio.create_task_group() as group:
            for index in range(len(reads)):
                group.start_soon(one, index)
        return [answer for answer in answers if answer is not None]

    async def claimed(self) -> None:
        """Until a scan holds a claim."""
        with anyio.fail_after(5):
            while not len(self.cache.in_flight):
                await anyio.sleep(0.001)

    def fresh_cache(self) -> None:
        self.cache = ScanCache(MemoryBlobStore(1 << 24), "scope", settle=SETTLE, ttl=timedelta(hours=1))
        self.sandbox.requests.clear()


@pytest.fixture
async def scans() -> AsyncIterator[Scans]:
    config = SandboxConfig(now=NOW, generate=False, extra_rows={LogType.WEBHOOK: ROWS}, rate_limit=None, latency_s=0.01)
    sandbox = Sandbox(config)
    async with sandbox_http(sandbox, token=None) as http:
        scans = Scans(sandbox, http, ScanCache(MemoryBlobStore(1), "unused", SETTLE, SETTLE))
        scans.fresh_cache()
        yield scans


async def requests_of_one_read(scans: Scans, **read: Any) -> int:
    scans.fresh_cache()
    await scans.read(**read)
    count = len(scans.sandbox.requests)
    scans.fresh_cache()
    return count


async def test_two_identical_scans_at_once_read_the_pages_of_one(scans: Scans) -> None:
    alone = await requests_of_one_read(scans)
    (first, cold), (second, warm) = await scans.together({}, {})
    assert first == second == expected(DAY)
    assert alone > 5 and len(scans.sandbox.requests) <= alone + 2  # the second reads the unsettled minutes only
    assert not cold.cached and warm.cached == (Window(DAY.start, NOW - SETTLE),)
    assert warm.cache_age == timedelta(0) and warm.complete and warm.rows_scanned == len(second)
    assert len(scans.cache.in_flight) == 0


async def test_many_identical_scans_at_once_read_the_pages_of_one(scans: Scans) -> None:
    alone = await requests_of_one_read(scans)
    answers = await scans.together(*({} for _ in range(8)))
    assert all(ids == expected(DAY) and coverage.complete for ids, coverage in answers)
    assert len(scans.sandbox.requests) <= alone + 7 * 2
    assert len(scans.cache.in_flight) == 0


async def test_the_waiting_scans_progress_never_goes_back_and_ends_whole(scans: Scans) -> None:
    reported: list[tuple[float, float]] = []

    async def progress(done: float, total: float) -> None:
        reported.append((done, total))

    (_, _), (_, coverage) = await scans.together({}, {"on_progress": progress})
    assert coverage.cached and reported
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)
    assert reported[-1] == (DAY.span.total_seconds(), DAY.span.total_seconds())


async def test_a_window_overlapping_a_read_in_flight_reads_only_what_that_read_did_not(scans: Scans) -> None:
    longer = Window(DAY.start - timedelta(hours=24), NOW)
    alone = await requests_of_one_read(scans, window=longer)
    (day, _), (both_days, coverage) = await scans.together({}, {"window": longer})
    assert day == expected(DAY) and both_days == expected(longer)
    assert coverage.cached == (Window(DAY.start, NOW - SETTLE),)
    assert len(scans.sandbox.requests) < alone + await requests_of_one_read(scans)


async def test_scans_with_other_filters_do_not_wait_for_each_other(scans: Scans) -> None:
    filtered = {"filters": (("event", "record:created"),)}
    apart = await requests_of_one_read(scans) + await requests_of_one_read(scans, **filtered)
    (every, one), (created, other) = await scans.together({}, filtered)
    assert every == expected(DAY) and created == expected(DAY, "record:created")
    assert not one.cached and not other.cached and len(scans.sandbox.requests) == apart


async def test_scans_of_another_token_do_not_wait_for_each_other(scans: Scans) -> None:
    alone = await requests_of_one_read(scans)
    (alice, one), (bob, other) = await scans.together({}, {"namespace": "bob"})
    assert alice == bob == expected(DAY)
    assert not one.cached and not other.cached and len(scans.sandbox.requests) == 2 * alone


async def test_scans_of_the_unsettled_minutes_only_do_not_wait(scans: Scans) -> None:
    newest = {"window": Window(NOW - timedelta(minutes=3), NOW)}
    alone = await requests_of_one_read(scans, **newest)
    answers = await scans.together(newest, newest)
    assert all(ids == expected(newest["window"]) and not coverage.cached for ids, coverage in answers)
    assert len(scans.sandbox.requests) == 2 * alone and len(scans.cache.in_flight) == 0


async def test_a_failed_first_read_leaves_the_second_to_read_the_window(scans: Scans) -> None:
    scans.sandbox.faults.append(Fault(status=401))  # the first read's first request
    answers: list[tuple[list[str], ScanCoverage]] = []

    async def first() -> None:
        with pytest.raises(AuthFailed):
            await scans.read()

    async with anyio.create_task_group() as group:
        group.start_soon(first)
        await scans.claimed()
        answers.append(await scans.read())
    ids, coverage = answers[0]
    assert ids == expected(DAY) and coverage.complete and not coverage.cached


async def test_a_partial_first_read_leaves_the_second_to_read_its_gaps(scans: Scans) -> None:
    (_, partial), (ids, coverage) = await scans.together({"budget": ScanBudget(max_pages=3)}, {})
    assert partial.unread
    assert ids == expected(DAY) and coverage.complete


async def test_a_wait_is_cut_short_by_the_waiting_scans_budget(scans: Scans) -> None:
    scans.sandbox.faults.append(Fault(hang_s=30))  # the first read hangs on one request
    async with anyio.create_task_group() as group:
        group.start_soon(scans.read)
        await scans.claimed()
        began = time.monotonic()
        ids, coverage = await scans.read(budget=ScanBudget(max_seconds=4))  # waits 2 s at most
        waited = time.monotonic() - began
        group.cancel_scope.cancel()
    assert ids == expected(DAY) and coverage.complete and not coverage.cached
    assert 2 <= waited < 10


async def test_a_wait_is_cut_short_by_the_waiting_scans_deadline(scans: Scans) -> None:
    scans.sandbox.faults.append(Fault(hang_s=30))
    async with anyio.create_task_group() as group:
        group.start_soon(scans.read)
        await scans.claimed()
        began = time.monotonic()
        ids, _ = await scans.read(deadline=4)
        assert time.monotonic() - began < 10
        group.cancel_scope.cancel()
    assert ids == expected(DAY)


async def test_a_cancelled_read_gives_up_its_claim(scans: Scans) -> None:
    scans.sandbox.faults.append(Fault(hang_s=30))
    async with anyio.create_task_group() as group:
        group.start_soon(scans.read)
        await scans.claimed()
        group.cancel_scope.cancel()
    assert len(scans.cache.in_flight) == 0


async def test_the_scan_waiting_for_a_cancelled_read_reads_on_its_own(scans: Scans) -> None:
    scans.sandbox.faults.append(Fault(hang_s=30))
    first = anyio.CancelScope()
    answers: list[tuple[list[str], ScanCoverage]] = []

    async def read_first() -> None:
        with first:
            await scans.read()

    async def read_second() -> None:
        answers.append(await scans.read())

    async with anyio.create_task_group() as group:
        group.start_soon(read_first)
        await scans.claimed()
        group.start_soon(read_second)
        await anyio.sleep(0.1)  # the second waits for the first
        assert not answers
        first.cancel()
    ids, coverage = answers[0]
    assert ids == expected(DAY) and coverage.complete and len(scans.cache.in_flight) == 0


async def first_hangs_then_second(scans: Scans, second: dict[str, Any]) -> tuple[list[str], ScanCoverage, float]:
    """A first read of the day whose upstream hangs, and ``second`` started with it: its answer and seconds."""
    scans.sandbox.faults.append(Fault(hang_s=30))
    answers: list[tuple[list[str], ScanCoverage, float]] = []

    async def read_second() -> None:
        began = time.monotonic()
        ids, coverage = await scans.read(**second)
        answers.append((ids, coverage, time.monotonic() - began))

    async with anyio.create_task_group() as group:
        group.start_soon(scans.read)
        group.start_soon(read_second)
        with anyio.fail_after(20):
            while not answers:
                await anyio.sleep(0.01)
        group.cancel_scope.cancel()
    return answers[0]


class RemoteStore(MemoryBlobStore):
    """A store whose reads take a while (Redis over a network): a scan looking the cache up lets others run."""

    async def get(self, namespace: str, key: str) -> bytes | None:
        await anyio.sleep(0.05)
        return await super().get(namespace, key)


async def test_a_scan_waiting_for_a_part_the_cache_holds_goes_on_once_the_reader_looked(scans: Scans) -> None:
    scans.cache = ScanCache(RemoteStore(1 << 24), "scope", settle=SETTLE, ttl=timedelta(hours=1))
    older = Window(DAY.start, DAY.start + timedelta(hours=12))
    await scans.read(window=older)  # cached: the read of the day reads only the later hours
    ids, coverage, seconds = await first_hangs_then_second(scans, {"window": older})
    assert ids == expected(older) and coverage.cached == (older,) and seconds < 10


class BrokenStore(MemoryBlobStore):
    """A store that fails every operation (a shared store that is down)."""

    async def get(self, namespace: str, key: str) -> bytes | None:
        raise ConnectionError("store down")


async def test_with_the_store_down_scans_do_not_wait_for_each_other(scans: Scans) -> None:
    scans.cache = ScanCache(BrokenStore(1 << 20), "scope", settle=SETTLE, ttl=timedelta(hours=1))
    ids, coverage, seconds = await first_hangs_then_second(scans, {})
    assert ids == expected(DAY) and not coverage.cached and seconds < 10


def bulky_rows() -> list[Row]:
    """80 rows of 1 KB of random text in each of four hours of the day: more than a frame per cell."""
    rng = random.Random(3)
    hours = [DAY.start + timedelta(hours=hour) for hour in (3, 9, 15, 21)]
    return [
        {
            "log_type": "webhook",
            "timestamp": (hour + timedelta(seconds=rng.uniform(1, 3599))).isoformat().replace("+00:00", "Z"),
            "id": f"{index}-{row}",
            "message": "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=1000)),
        }
        for index, hour in enumerate(hours)
        for row in range(80)
    ]


async def test_a_read_too_large_to_keep_stops_making_others_wait() -> None:
    rows = bulky_rows()
    config = SandboxConfig(now=NOW, generate=False, extra_rows={LogType.WEBHOOK: rows}, rate_limit=None)
    sandbox = Sandbox(config)
    sandbox.faults.append(Fault(hang_s=30))  # the first read goes on: one of its requests hangs
    cache = ScanCache(MemoryBlobStore(40_000), "scope", settle=SETTLE, ttl=timedelta(hours=1))
    async with sandbox_http(sandbox, token=None) as http, anyio.create_task_group() as group:
        scans = Scans(sandbox, http, cache)
        group.start_soon(scans.read)
        await scans.claimed()
        began = time.monotonic()
        ids, _ = await scans.read()  # would wait 15 s for a read that keeps nothing
        assert time.monotonic() - began < 10
        group.cancel_scope.cancel()
    assert len(ids) == len(rows)


async def test_claims_are_released_and_bounded() -> None:
    in_flight = ReadsInFlight(max_claims=1)
    claim = await in_flight.take_turn("alice", "key", DAY, wait_s=0)
    assert claim is not None and len(in_flight) == 1
    assert await in_flight.take_turn("bob", "key", DAY, wait_s=0) is None  # full: reads without claiming
    in_flight.release(claim)
    in_flight.release(claim)
    assert len(in_flight) == 0 and claim.changed.is_set()
    assert await in_flight.take_turn("alice", "key", None, wait_s=1) is None  # nothing it reads is cached


def test_the_wait_is_half_of_what_the_budget_and_deadline_leave() -> None:
    assert wait_bound(30, 60) == 15 and wait_bound(30, 4) == 2 and wait_bound(30, -1) == 0
