"""MCP Apps negotiation in process (both client modes): what a client that shows views gets, and that
one that does not gets what it got before views existed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.helpers import server_on, structured
from tests.views.apps_client import APPS, APPS_WITHOUT_HTML
from truto_log_mcp.sandbox import Sandbox
from truto_log_mcp.tools.timelines import VIEW_META
from truto_log_mcp.views import sync_run, timeline

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy", "2026-07-28"]


@pytest.mark.parametrize("mode", MODES)
async def test_an_apps_client_finds_the_views_on_the_tools(mode: str) -> None:
    async with Client(server_on(Sandbox()), mode=mode, extensions=[APPS]) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert tools["summarize_errors"].meta == {"ui": {"resourceUri": timeline.URI}}
    assert tools["log_stats"].meta == {"ui": {"resourceUri": timeline.URI}}
    assert tools["trace_sync_run"].meta == {"ui": {"resourceUri": sync_run.URI}}
    assert tools["list_sync_runs"].meta == {"ui": {"resourceUri": sync_run.URI}}
    assert tools["error_timeline"].meta == {"ui": {"resourceUri": timeline.URI, "visibility": ["app"]}}


@pytest.mark.parametrize("mode", MODES)
async def test_an_apps_client_reads_each_view(mode: str) -> None:
    async with Client(server_on(Sandbox()), mode=mode, extensions=[APPS]) as client:
        for uri in (timeline.URI, sync_run.URI):
            content = (await client.read_resource(uri)).contents[0]
            assert content.mime_type == "text/html;profile=mcp-app"
            assert getattr(content, "text", "").startswith("<!doctype html>")


@pytest.mark.parametrize("extensions", [[], [APPS_WITHOUT_HTML]], ids=["no-apps", "apps-without-html"])
async def test_a_client_without_views_lists_no_app_tool_and_no_view(extensions: list[Any]) -> None:
    async with Client(server_on(Sandbox()), extensions=extensions) as client:
        tools = (await client.list_tools()).tools
    assert "error_timeline" not in {tool.name for tool in tools}
    assert all(not (tool.meta or {}).get("ui") for tool in tools)


async def test_a_client_without_views_cannot_call_the_app_tool() -> None:
    async with Client(server_on(Sandbox())) as client:
        result = await client.call_tool("error_timeline", {"timeline": "v1"})
    assert result.is_error and result.content[0].type == "text"
    assert result.content[0].text.startswith("[invalid_argument] There is no tool `error_timeline`")


def day(sandbox: Sandbox) -> dict[str, str]:
    """The sandbox's last day, as absolute times: the same window for every call."""
    return {"start": (sandbox.now - timedelta(days=1)).isoformat(), "end": sandbox.now.isoformat()}


STATS = {"log_type": "unified_proxy_api", "group_by": ["integration"], "bucket": "1h", "compare_previous": True}


async def test_both_clients_get_the_same_text_and_structured_content_byte_for_byte() -> None:
    sandbox = Sandbox()
    arguments = {**STATS, **day(sandbox)}
    async with Client(server_on(sandbox), extensions=[APPS]) as client:
        with_views = await client.call_tool("log_stats", arguments)
    async with Client(server_on(sandbox)) as client:
        without = await client.call_tool("log_stats", arguments)
    assert with_views.content[0].model_dump_json() == without.content[0].model_dump_json()
    assert with_views.structured_content == without.structured_content
    assert VIEW_META in (with_views.meta or {}) and VIEW_META not in (without.meta or {})


async def test_the_timeline_bars_add_up_to_the_result() -> None:
    sandbox = Sandbox()
    arguments = {**STATS, **day(sandbox)}
    async with Client(server_on(sandbox), extensions=[APPS]) as client:
        result = await client.call_tool("log_stats", arguments)
        handle = (result.meta or {})[VIEW_META]["timeline"]
        kept = structured(await client.call_tool("error_timeline", {"timeline": handle}))
    stats = structured(result)
    # log_stats' buckets run from its first row's to its last row's; the timeline's span the window.
    bars = {datetime.fromisoformat(bucket["start"]): bucket["errors"] for bucket in kept["buckets"]}
    for bucket in stats["buckets"]:
        assert bars.pop(datetime.fromisoformat(bucket["start"])) == bucket["errors"]
    assert set(bars.values()) <= {0}
    for bucket in kept["buckets"]:
        assert sum(cell["count"] for cell in bucket["groups"]) == bucket["errors"]
    assert kept["previous"] is not None and len(kept["previous"]) == len(kept["buckets"])


async def test_summarize_errors_timeline_counts_every_error_by_cause() -> None:
    sandbox = Sandbox()
    async with Client(server_on(sandbox), extensions=[APPS]) as client:
        result = await client.call_tool("summarize_errors", day(sandbox))
        handle = (result.meta or {})[VIEW_META]["timeline"]
        kept = structured(await client.call_tool("error_timeline", {"timeline": handle}))
        ref = kept["buckets"][next(i for i, b in enumerate(kept["buckets"]) if b["errors"])]["groups"][0]["refs"][0]
        opened = await client.call_tool("get_log", {"ref": ref})
    assert sum(bucket["errors"] for bucket in kept["buckets"]) + kept["untimed"] == structured(result)["errors"]
    assert kept["group_by"] == "cause" and not opened.is_error
