from __future__ import annotations

import pytest
from mcp import Client

from tests.helpers import error_of, server_on, structured
from tests.views.apps_client import APPS
from truto_log_mcp.sandbox import Sandbox
from truto_log_mcp.tools.timelines import VIEW_META

pytestmark = pytest.mark.anyio


async def test_an_unknown_or_expired_timeline_is_a_coded_error_with_a_next_step() -> None:
    async with Client(server_on(Sandbox()), extensions=[APPS]) as client:
        result = await client.call_tool("error_timeline", {"timeline": "v0nothing"})
    assert "Call the tool again" in error_of(result, "cursor_expired")


async def test_a_timeline_of_the_previous_window_has_a_bar_for_each_bar_of_the_window() -> None:
    arguments = {"log_type": "webhook", "since": "6h", "compare_previous": True}
    async with Client(server_on(Sandbox()), extensions=[APPS]) as client:
        result = await client.call_tool("log_stats", arguments)
        kept = structured(
            await client.call_tool("error_timeline", {"timeline": (result.meta or {})[VIEW_META]["timeline"]})
        )
    assert kept["group_by"] == "errors" and kept["labels"] in (["errors"], [])
    assert kept["previous"] is not None and len(kept["previous"]) == len(kept["buckets"])
    assert sum(bucket["errors"] for bucket in kept["buckets"]) == structured(result)["total"]["errors"]


@pytest.mark.parametrize(
    ("group_by", "stacked_by", "prefix"),
    [(["integration"], "integration", "integration="), (["status"], "status", ""), (None, "cause", "")],
)
async def test_summarize_errors_stacks_by_its_group_by_when_it_is_status_or_fields(
    group_by: list[str] | None, stacked_by: str, prefix: str
) -> None:
    arguments = {"log_type": "unified_proxy_api", "since": "24h", "group_by": group_by}
    async with Client(server_on(Sandbox()), extensions=[APPS]) as client:
        result = await client.call_tool("summarize_errors", arguments)
        kept = structured(
            await client.call_tool("error_timeline", {"timeline": (result.meta or {})[VIEW_META]["timeline"]})
        )
    assert kept["group_by"] == stacked_by and kept["labels"]
    assert all(label.startswith(prefix) for label in kept["labels"] if label != "(other)")
    if stacked_by == "status":
        assert all(label.isdigit() for label in kept["labels"] if label != "(other)")
    assert sum(bucket["errors"] for bucket in kept["buckets"]) + kept["untimed"] == structured(result)["errors"]
