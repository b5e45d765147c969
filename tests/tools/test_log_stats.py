"""log_stats through the SDK client, over planted scenarios whose answers are known."""

from __future__ import annotations

from datetime import datetime

import pytest
from mcp import Client

from tests.helpers import server_on, structured, text_of
from tests.tools.scenario import NOW, STAGING_ROWS_IN_A_DAY, planted, unified
from truto_log_mcp.render.table import PIPE_ESCAPE
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.sandbox.world import ENVIRONMENT_ID, STAGING_ENVIRONMENT_ID

pytestmark = pytest.mark.anyio


async def test_log_stats_counts_errors_and_percentiles_per_group(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = structured(
            await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "group_by": ["integration"]})
        )
    groups = {group["key"]["integration"]: group for group in stats["groups"]}
    assert stats["total"]["count"] == 30
    assert stats["total"]["errors"] == 15
    assert groups["zendesk"]["error_rate"] == 0
    assert groups["zendesk"]["duration"]["p50"] == pytest.approx(107, rel=0.01)
    assert groups["hubspot"]["errors"] == 10


async def test_log_stats_applies_match_after_fetching(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = structured(
            await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "match": {"status": "5xx"}})
        )
    assert stats["total"]["count"] == 5


async def test_log_stats_buckets_by_time(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = structured(await client.call_tool("log_stats", {"log_type": "webhook", "since": "3h", "bucket": "1h"}))
    assert sum(bucket["count"] for bucket in stats["buckets"]) == 10


async def test_log_stats_compares_with_the_previous_window(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool(
            "log_stats", {"log_type": "unified_proxy_api", "since": "1d", "compare_previous": True}
        )
    stats = structured(result)
    assert stats["comparison"] is not None
    assert "rows 0 -> 30" in stats["comparison"]["total"]


async def test_too_many_buckets_are_refused_with_the_smallest_size(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook", "since": "7d", "bucket": "1m"})
    assert result.is_error
    assert text_of(result).startswith("[invalid_argument]")
    assert "at least" in text_of(result)
    assert scenario.requests == []


async def test_group_by_an_unknown_field_is_refused(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook", "group_by": ["webhok_id"]})
    assert text_of(result).startswith("[invalid_argument]")
    assert "did you mean `webhook_id`" in text_of(result).lower()


async def test_a_pipe_in_a_group_key_is_escaped_in_the_table_and_kept_in_structured_content() -> None:
    rows = planted()
    rows[LogType.UNIFIED_PROXY_API].append(unified(3, 200, "a|b|c"))
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=rows, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "group_by": ["integration"]})
    assert "a|b|c" in [group["key"]["integration"] for group in structured(result)["groups"]]
    assert f"integration=a{PIPE_ESCAPE}b{PIPE_ESCAPE}c|1|0|0.0%|" in text_of(result)


async def test_rows_without_durations_get_no_duration_columns_and_the_error_rule_is_said(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        webhook = text_of(
            await client.call_tool("log_stats", {"log_type": "webhook", "group_by": ["event"], "bucket": "6h"})
        )
        api = text_of(await client.call_tool("log_stats", {"log_type": "unified_proxy_api"}))
    lines = webhook.splitlines()
    assert "durations in ms" not in lines[0] and "these rows carry no durations" in lines[0]
    assert "An error is a row where webhook_endpoint_status present and not 2xx" in lines[0]
    assert lines[1] == "group|rows|errors|err%"
    assert all(line.count("|") == 3 for line in lines[2:] if line.startswith(("(all)", "event=")))
    assert "Buckets of 6h (start|rows|errors|err%):" in webhook
    assert "group|rows|errors|err%|p50|p95|p99|fetch_p50|fetch_p95" in api
    assert "An error is a row where http_status_code >= 400" in api.splitlines()[0]


async def test_log_stats_coverage_lists_two_environments_with_their_rows(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("log_stats", {"log_type": "unified_proxy_api"})
    stats = structured(result)
    [coverage] = stats["coverage"]
    assert coverage["environments"] == {
        ENVIRONMENT_ID: stats["total"]["count"] - STAGING_ROWS_IN_A_DAY,
        STAGING_ENVIRONMENT_ID: STAGING_ROWS_IN_A_DAY,
    }
    production = stats["total"]["count"] - STAGING_ROWS_IN_A_DAY
    assert f"{STAGING_ENVIRONMENT_ID} ({STAGING_ROWS_IN_A_DAY} rows), {ENVIRONMENT_ID} ({production} rows)" in text_of(
        result
    )


async def test_log_stats_of_one_environment_lists_none(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook"})
    assert structured(result)["coverage"][0]["environments"] is None
    assert "environments" not in text_of(result)
