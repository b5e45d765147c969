"""Progress while a call waits: a client that resets its timeout on progress sees a notification at
least every ``progress_interval_s``, whatever the call waits on (a hung upstream, a back-off, the rate
budget), from every tool; and the progress values only go up, as MCP requires."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.faults.matrix import UPSTREAM_CALLS, client_with
from tests.helpers import server_on
from truto_log_mcp.sandbox import Fault, Sandbox

pytestmark = pytest.mark.anyio

INTERVAL = 0.1
SLACK = 0.1
"""A loaded test machine may wake a heartbeat this late."""
WAITING = {"progress_interval_s": INTERVAL, "call_deadline_s": 0.8, "request_timeout_s": 5.0}


class Recorder:
    """The progress notifications a client receives, with when."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.seen: list[tuple[float, float]] = []
        self.ended = self.started

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((time.monotonic(), progress))

    async def call(self, client: Client, tool: str, arguments: dict[str, Any]) -> None:
        self.started = time.monotonic()
        with anyio.fail_after(5):
            await client.call_tool(tool, arguments, progress_callback=self)
        self.ended = time.monotonic()

    def longest_silence(self) -> float:
        moments = [self.started, *(at for at, _ in self.seen), self.ended]
        return max(later - earlier for earlier, later in zip(moments, moments[1:], strict=False))

    def strictly_increasing(self) -> bool:
        values = [progress for _, progress in self.seen]
        return all(later > earlier for earlier, later in zip(values, values[1:], strict=False))


def hang(sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(hang_s=30) for _ in range(30))


@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=[tool for tool, _ in UPSTREAM_CALLS])
async def test_every_tool_waiting_on_a_hung_upstream_reports_progress_every_interval(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    hang(sandbox)
    recorder = Recorder()
    async with client_with(sandbox, **WAITING) as client:
        await recorder.call(client, tool, arguments)
    assert len(recorder.seen) >= 5
    assert recorder.longest_silence() <= INTERVAL + SLACK


async def test_progress_over_the_legacy_protocol_s_tokens_comes_every_interval(sandbox: Sandbox) -> None:
    hang(sandbox)
    recorder = Recorder()
    async with Client(server_on(sandbox, **WAITING), mode="legacy") as client:
        await recorder.call(client, "search_logs", {"log_type": "webhook"})
    assert recorder.longest_silence() <= INTERVAL + SLACK


async def test_a_call_in_back_off_reports_progress_every_interval(sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(status=502) for _ in range(5))
    recorder = Recorder()
    async with client_with(sandbox, **WAITING, backoff_initial_s=0.3, backoff_max_s=0.3) as client:
        await recorder.call(client, "search_logs", {"log_type": "webhook"})
    assert recorder.ended - recorder.started >= 0.6
    assert recorder.longest_silence() <= INTERVAL + SLACK


async def test_a_call_waiting_for_the_rate_budget_reports_progress_every_interval(sandbox: Sandbox) -> None:
    recorder = Recorder()
    async with client_with(sandbox, **WAITING, rate_budget=1) as client:
        await recorder.call(client, "search_logs", {"log_type": "webhook", "match": {"text": "no row says this"}})
    assert recorder.longest_silence() <= INTERVAL + SLACK


async def test_progress_values_only_go_up_with_heartbeats_between_reports(sandbox: Sandbox) -> None:
    sandbox.faults.extend([Fault(hang_s=0.35), Fault(hang_s=0.35)])
    recorder = Recorder()
    async with client_with(sandbox, **WAITING) as client:
        await recorder.call(client, "search_logs", {"log_type": "webhook", "match": {"text": "no row says this"}})
    assert len(recorder.seen) >= 6
    assert recorder.strictly_increasing()
