"""`truto-log-mcp demo`: the guided investigation runs end to end on the embedded sandbox."""

from __future__ import annotations

import io

import pytest

from truto_log_mcp.cli.demo import LINE_CAP, run_demo
from truto_log_mcp.settings import Settings

pytestmark = pytest.mark.anyio


async def test_the_demo_walks_through_every_analysis() -> None:
    out = io.StringIO()
    assert await run_demo(Settings(), out) == 0
    printed = out.getvalue()
    for tool in ("summarize_errors", "trace_sync_run", "log_stats", "search_logs", "get_log"):
        assert f"> {tool} " in printed
    assert "cause auth" in printed
    assert "[invalid_argument]" in printed
    assert "[internal_error]" not in printed


async def test_the_demo_ends_with_the_install_command() -> None:
    out = io.StringIO()
    assert await run_demo(Settings(), out) == 0
    assert "truto-log-mcp install claude-desktop" in out.getvalue().rstrip().splitlines()[-1]


async def test_a_line_the_demo_cuts_ends_with_a_cut_mark() -> None:
    out = io.StringIO()
    assert await run_demo(Settings(), out) == 0
    shown = [line.removeprefix("   ") for line in out.getvalue().splitlines() if line.startswith("   ")]
    assert max(len(line) for line in shown) <= LINE_CAP
    cut = [line for line in shown if len(line) == LINE_CAP]
    assert cut and all(line.endswith("…") for line in cut)
