"""A sub-window that fails: the analysis answers PARTIAL, naming the interval; a failure of the whole window
answers its code."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from mcp import Client
from mcp_types import CallToolResult

from tests.faults.matrix import PASS, RUN_ID, assert_next_call_answered, client_with
from tests.helpers import error_of, structured, text_of
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Fault, Sandbox

pytestmark = pytest.mark.anyio


# ---- a sub-window that fails: PARTIAL, naming the interval -------------------------------------------------


def parse_interval(text: str) -> tuple[datetime, datetime]:
    start, end = text.split("/")
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


def rows_between(sandbox: Sandbox, log_type: LogType, start: datetime, end: datetime) -> int:
    return sum(1 for row in sandbox.rows(log_type) if start <= datetime.fromisoformat(row["timestamp"]) < end)


def assert_partial_naming_the_failed_interval(result: CallToolResult, sandbox: Sandbox, code: str) -> str:
    """One sub-window failed: the answer is PARTIAL, names it as failed and unread, and counts the rest exactly."""
    coverage = structured(result)["coverage"]
    assert len(coverage) == 1
    scan = coverage[0]
    assert scan["complete"] is False
    assert len(scan["failed"]) == 1, scan
    interval, _, error = scan["failed"][0].partition(": ")
    assert error.startswith(f"[{code}]"), error
    assert scan["unread"] == [interval]
    assert "PARTIAL" in text_of(result)
    assert interval in text_of(result)
    window_start, window_end = parse_interval(scan["window"])
    failed_start, failed_end = parse_interval(interval)
    in_window = sum(
        1
        for row in sandbox.rows(LogType.WEBHOOK)
        if window_start < datetime.fromisoformat(row["timestamp"]) < window_end
    )
    lost = rows_between(sandbox, LogType.WEBHOOK, failed_start, failed_end)
    # The failed interval's newest millisecond may hold rows already read (the interval is conservative).
    edge = rows_between(sandbox, LogType.WEBHOOK, failed_end - timedelta(milliseconds=1), failed_end)
    assert lost > edge
    assert in_window - lost <= scan["rows_scanned"] <= in_window - lost + edge
    return str(error)


@pytest.mark.parametrize("tool", ["summarize_errors", "log_stats"])
async def test_a_sub_window_answering_503_makes_the_analysis_partial_naming_it(
    client: Client, sandbox: Sandbox, tool: str
) -> None:
    sandbox.faults.extend([PASS, Fault(status=503)])
    result = await client.call_tool(tool, {"log_type": "webhook", "since": "24h"})
    error = assert_partial_naming_the_failed_interval(result, sandbox, "upstream_unavailable")
    assert "503" in error
    await assert_next_call_answered(client, sandbox)


async def test_a_sub_window_with_persistent_5xx_makes_the_analysis_partial_naming_it(sandbox: Sandbox) -> None:
    sandbox.faults.extend([PASS, Fault(status=500), Fault(status=500)])
    async with client_with(sandbox, max_attempts=2) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook", "since": "24h"})
        error = assert_partial_naming_the_failed_interval(result, sandbox, "upstream_unavailable")
        assert "500" in error
        await assert_next_call_answered(client, sandbox)


@pytest.mark.parametrize("tool", ["summarize_errors", "log_stats"])
async def test_a_sub_window_rate_limited_beyond_the_cap_makes_the_analysis_partial_saying_when(
    client: Client, sandbox: Sandbox, tool: str
) -> None:
    sandbox.faults.extend([PASS, Fault(status=429, retry_after=3)])
    result = await client.call_tool(tool, {"log_type": "webhook", "since": "24h"})
    error = assert_partial_naming_the_failed_interval(result, sandbox, "rate_limited")
    assert "Wait 3 s" in error
    await assert_next_call_answered(client, sandbox)


@pytest.mark.parametrize("tool", ["summarize_errors", "log_stats"])
async def test_a_sub_window_answering_garbage_makes_the_analysis_partial_naming_it(
    client: Client, sandbox: Sandbox, tool: str
) -> None:
    sandbox.faults.extend([PASS, Fault(body=b"{not json")])
    result = await client.call_tool(tool, {"log_type": "webhook", "since": "24h"})
    assert_partial_naming_the_failed_interval(result, sandbox, "upstream_malformed")
    await assert_next_call_answered(client, sandbox)


@pytest.mark.parametrize("tool", ["summarize_errors", "log_stats"])
async def test_an_analysis_whose_whole_window_fails_answers_the_failure_code(
    client: Client, sandbox: Sandbox, tool: str
) -> None:
    """The first page fails, so nothing was read: the error is the upstream's, with its next step."""
    sandbox.faults.append(Fault(status=503))
    text = error_of(await client.call_tool(tool, {"log_type": "webhook", "since": "24h"}), "upstream_unavailable")
    assert "503" in text
    await assert_next_call_answered(client, sandbox)


async def test_summarize_errors_of_all_types_answers_the_types_it_read_when_one_fails(
    client: Client, sandbox: Sandbox
) -> None:
    """One log type's scan failing whole is a lost part of the answer, stated; the other four still count."""
    sandbox.faults.append(Fault(status=503))
    result = await client.call_tool("summarize_errors", {"since": "24h"})
    coverage = structured(result)["coverage"]
    assert sum(1 for scan in coverage if scan["complete"]) >= 4
    assert any("[upstream_unavailable]" in failure for scan in coverage for failure in scan["failed"])
    assert "PARTIAL" in text_of(result)


async def test_trace_sync_run_whose_delivery_read_fails_still_traces_the_run_stating_it(
    client: Client, sandbox: Sandbox
) -> None:
    """The run's own rows were read; the failed webhook read is stated in `searched`, not fatal."""
    sandbox.faults.extend([PASS, Fault(status=503)])
    result = await client.call_tool("trace_sync_run", {"sync_job_run_id": RUN_ID})
    trace = structured(result)
    assert trace["outcome"] == "failed"
    assert any("PARTIAL" in place or "failed" in place for place in trace["searched"][1:]), trace["searched"]
    await assert_next_call_answered(client, sandbox)
