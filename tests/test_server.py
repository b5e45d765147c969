"""The tools as MCP clients see them: the SDK's in-memory Client (modern and legacy framing)
against the sandbox upstream."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.helpers import error_of, server_on, structured, text_of
from tests.tools.scenario import NOW, unified
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Fault, Sandbox, SandboxConfig

pytestmark = pytest.mark.anyio


async def page_through(client: Client, arguments: dict[str, Any]) -> tuple[list[list[Any]], int]:
    """Every row of a search, following cursors; returns the rows and how many calls it took."""
    rows: list[list[Any]] = []
    calls = 0
    result = structured(await client.call_tool("search_logs", arguments))
    while True:
        calls += 1
        rows += result["rows"]
        if result["next_cursor"] is None:
            return rows, calls
        result = structured(
            await client.call_tool("search_logs", {"cursor": result["next_cursor"], "limit": arguments["limit"]})
        )


async def test_lists_the_three_core_tools_read_only_with_output_schemas(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {"search_logs", "get_log", "describe_log_types"} <= set(tools)
    for name in ("search_logs", "get_log", "describe_log_types"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True
        assert annotations.idempotent_hint is True
        assert tools[name].output_schema is not None


async def test_search_returns_a_compact_table_with_refs(client: Client) -> None:
    result = await client.call_tool("search_logs", {"log_type": "unified_proxy_api", "since": "24h", "limit": 5})
    data = structured(result)
    assert data["columns"][0] == "ref"
    assert len(data["rows"]) == 5
    assert data["coverage"]["window"] is not None
    assert data["next_cursor"]
    lines = text_of(result).splitlines()
    assert lines[1].startswith("ref|timestamp|http_status_code")
    rows = [line for line in lines[2:] if line.startswith("r") and "|" in line]
    assert len(rows) == 5
    assert lines[2].startswith("== ")


async def test_paging_five_pages_loses_and_repeats_nothing(client: Client, sandbox: Sandbox) -> None:
    rows, calls = await page_through(
        client,
        {
            "log_type": "unified_proxy_api",
            "filters": {"integration": "hubspot"},
            "fields": ["http_request_id", "timestamp"],
            "limit": 25,
        },
    )
    expected = [
        row["http_request_id"] for row in sandbox.rows(LogType.UNIFIED_PROXY_API) if row.get("integration") == "hubspot"
    ]
    assert calls >= 5
    assert [row[1] for row in rows] == expected


async def test_match_status_returns_only_and_all_matching_rows(client: Client, sandbox: Sandbox) -> None:
    rows, _ = await page_through(
        client,
        {
            "log_type": "webhook",
            "match": {"status": ">=500"},
            "fields": ["timestamp", "webhook_endpoint_status"],
            "limit": 100,
        },
    )
    expected = [row for row in sandbox.rows(LogType.WEBHOOK) if row.get("webhook_endpoint_status", 0) >= 500]
    assert expected
    assert [row[2] for row in rows] == [row["webhook_endpoint_status"] for row in expected]


async def test_get_log_opens_the_whole_row(client: Client, sandbox: Sandbox) -> None:
    found = structured(await client.call_tool("search_logs", {"log_type": "mcp", "limit": 1}))
    ref = found["rows"][0][0]
    row = structured(await client.call_tool("get_log", {"ref": ref}))
    assert row["log_type"] == "mcp"
    assert row["row"]["http_request_id"] == sandbox.rows(LogType.MCP)[0]["http_request_id"]
    assert set(row["row"]) == set(sandbox.rows(LogType.MCP)[0])


async def test_unknown_ref_is_ref_not_found(client: Client) -> None:
    result = await client.call_tool("get_log", {"ref": "r000000"})
    assert result.is_error
    assert text_of(result).startswith("[ref_not_found]")


async def test_unknown_cursor_is_cursor_expired(client: Client, sandbox: Sandbox) -> None:
    result = await client.call_tool("search_logs", {"cursor": "cdeadbeef00"})
    assert result.is_error
    assert text_of(result).startswith("[cursor_expired]")
    assert sandbox.requests == []


async def test_cursor_with_the_same_arguments_resent_continues(client: Client) -> None:
    arguments = {"log_type": "webhook", "since": "7d", "limit": 2}
    first = structured(await client.call_tool("search_logs", arguments))
    second = structured(await client.call_tool("search_logs", {**arguments, "cursor": first["next_cursor"]}))
    assert second["rows"][0] != first["rows"][0]


async def test_cursor_with_changed_arguments_is_refused(client: Client) -> None:
    first = structured(await client.call_tool("search_logs", {"log_type": "webhook", "since": "7d", "limit": 2}))
    result = await client.call_tool(
        "search_logs", {"log_type": "webhook", "since": "1d", "cursor": first["next_cursor"]}
    )
    assert result.is_error
    assert text_of(result).startswith("[invalid_argument]")
    assert "`since`" in text_of(result)


INVALID_ARGUMENTS: list[tuple[dict[str, Any], str]] = [
    ({"log_type": "webhooks"}, "did you mean `webhook`"),
    ({}, "`log_type` is required"),
    ({"log_type": "mcp", "since": "yesterday"}, "number and a unit"),
    ({"log_type": "mcp", "since": "45d"}, "one-month limit"),
    ({"log_type": "mcp", "start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "one-month limit"),
    ({"log_type": "mcp", "start": "-1h", "end": "-2h"}, "must be after"),
    ({"log_type": "mcp", "end": "now"}, "needs `start`"),
    ({"log_type": "mcp", "since": "1h", "start": "-2h"}, "not both"),
    ({"log_type": "mcp", "start": "last tuesday"}, "not a time"),
    ({"log_type": "mcp", "filters": {"tool_nme": "x"}}, "did you mean `tool_name`"),
    ({"log_type": "webhook", "filters": {"integration": "hubspot"}}, "not a filter of webhook"),
    ({"log_type": "unified_proxy_api", "filters": {"http_status_code": "500"}}, "put it in `match`"),
    ({"log_type": "mcp", "filters": {"mcp_method": "tools/cal"}}, "did you mean `tools/call`"),
    ({"log_type": "unified_proxy_api", "filters": {"request_type": "graphql"}}, "use one of"),
    ({"log_type": "rapid_bridge", "filters": {"sync_job_run_event": "finished"}}, "use one of"),
    ({"log_type": "rapid_bridge", "match": {"status": "5xx"}}, "no http status"),
    ({"log_type": "mcp", "match": {"status": "bad"}}, "not a status condition"),
    ({"log_type": "mcp", "match": {"tool": "x"}}, "did you mean `tool_name`"),
    ({"log_type": "mcp", "match": {"logs": "x"}}, "match.text"),
    ({"log_type": "mcp", "fields": ["http_status"]}, "did you mean `http_status_code`"),
    ({"log_type": "mcp", "limit": 0}, "`limit`"),
    ({"log_type": "mcp", "limit": 101}, "`limit`"),
    ({"log_type": "mcp", "lmit": 5}, "did you mean `limit`"),
    ({"log_type": "mcp", "start": 10**400}, "outside the range"),
    ({"log_type": "mcp", "start": "-1h", "end": -(10**400)}, "outside the range"),
    ({"log_type": "unified_proxy_api", "match": {"duration": 10**400}}, "out of range"),
    ({"log_type": "unified_proxy_api", "match": {"status": 10**5000}}, "not a status"),
]


@pytest.mark.parametrize(("arguments", "hint"), INVALID_ARGUMENTS)
async def test_invalid_arguments_are_refused_before_any_upstream_request(
    client: Client, sandbox: Sandbox, arguments: dict[str, Any], hint: str
) -> None:
    result = await client.call_tool("search_logs", arguments)
    assert result.is_error
    assert text_of(result).startswith("[invalid_argument]")
    assert hint.lower() in text_of(result).lower()
    assert sandbox.requests == []


HUGE = "x" * 900_000
"""A 900 KB argument name or value (an HTTP body may hold up to 1 MB)."""
ECHOING_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_logs", {"log_type": "webhook", "filters": {HUGE: "a"}}),
    ("search_logs", {"log_type": "webhook", "filters": {HUGE: 5}}),
    ("search_logs", {"log_type": "webhook", "match": {HUGE: "a"}}),
    ("search_logs", {"log_type": "unified_proxy_api", "match": {"duration": HUGE}}),
    ("search_logs", {"log_type": "webhook", "start": HUGE}),
    ("search_logs", {"log_type": "webhook", HUGE: 1}),
    ("summarize_errors", {"filters": {HUGE: "a"}}),
    ("log_stats", {"log_type": "webhook", "filters": {HUGE: "a"}}),
    (HUGE, {}),
]


@pytest.mark.parametrize(
    ("tool", "arguments"), ECHOING_CALLS, ids=[f"{tool[:20]}-{index}" for index, (tool, _) in enumerate(ECHOING_CALLS)]
)
async def test_an_error_echoes_a_huge_argument_only_cut(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    text = error_of(await client.call_tool(tool, arguments), "invalid_argument")
    assert len(text) < 1000, text[:300]


async def test_unknown_tool_is_refused_with_a_hint(client: Client) -> None:
    result = await client.call_tool("search_log", {})
    assert result.is_error
    assert "did you mean `search_logs`" in text_of(result).lower()


async def test_match_on_a_filterable_field_is_sent_upstream(client: Client, sandbox: Sandbox) -> None:
    data = structured(await client.call_tool("search_logs", {"log_type": "mcp", "match": {"tool_name": "x"}}))
    assert dict(sandbox.requests[0].params)["log_type_filter[tool_name]"] == "x"
    assert any("filter `tool_name`" in note for note in data["notes"])


async def test_rows_over_the_token_budget_come_with_the_cursor(sandbox: Sandbox) -> None:
    arguments = {"log_type": "unified_proxy_api", "fields": ["message", "http_request_id"], "limit": 60}
    async with Client(server_on(sandbox, response_token_budget=500)) as small:
        first = structured(await small.call_tool("search_logs", arguments))
        assert first["coverage"]["stopped_by"] == "token_budget"
        assert len(first["rows"]) < 60
        rest = structured(await small.call_tool("search_logs", {"cursor": first["next_cursor"], "limit": 60}))
    expected = [row["http_request_id"] for row in sandbox.rows(LogType.UNIFIED_PROXY_API)]
    shown = [row[2] for row in first["rows"] + rest["rows"]]
    assert shown == expected[: len(shown)]


async def test_scan_budget_stop_is_stated(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox, search_page_budget=2)) as budgeted:
        result = await budgeted.call_tool(
            "search_logs", {"log_type": "unified_proxy_api", "match": {"text": "no row says this"}}
        )
    data = structured(result)
    assert data["coverage"]["stopped_by"] == "scan_budget"
    assert data["next_cursor"]
    assert "scan budget" in text_of(result)


async def test_progress_is_reported_per_upstream_page(client: Client) -> None:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    await client.call_tool(
        "search_logs", {"log_type": "webhook", "match": {"text": "no row says this"}}, progress_callback=on_progress
    )
    assert seen[:3] == [1, 2, 3]


async def test_upstream_auth_failure_is_auth_failed(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox, api_token="wrong-token")) as wrong:
        result = await wrong.call_tool("search_logs", {"log_type": "webhook"})
    assert result.is_error
    assert text_of(result).startswith("[auth_failed]")
    assert "wrong-token" not in text_of(result)


async def test_blocked_account_503_is_upstream_unavailable(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=503))
    result = await client.call_tool("search_logs", {"log_type": "webhook"})
    assert text_of(result).startswith("[upstream_unavailable]")
    follow_up = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 1})
    assert not follow_up.is_error


async def test_describe_log_types_lists_every_type_and_rule(client: Client) -> None:
    data = structured(await client.call_tool("describe_log_types", {}))
    assert [entry["log_type"] for entry in data["log_types"]] == [member.value for member in LogType]
    assert any("30 days" in rule for rule in data["rules"])


async def test_log_types_resource_is_the_same_schema(client: Client) -> None:
    contents = await client.read_resource("truto://log-types")
    text = contents.contents[0]
    assert getattr(text, "text", "").startswith('{"log_types"')


async def test_an_enormous_row_is_opened_with_shorter_strings_said_so() -> None:
    from truto_log_mcp.sandbox import SandboxConfig

    huge = {
        "log_type": "webhook",
        "timestamp": "2026-11-25T10:00:00.000Z",
        "logs": [f"{number} " + "y" * 3000 for number in range(150)],
    }
    big = Sandbox(SandboxConfig(generate=False, extra_rows={LogType.WEBHOOK: [huge]}, rate_limit=None))
    async with Client(server_on(big)) as small:
        found = structured(await small.call_tool("search_logs", {"log_type": "webhook"}))
        opened = await small.call_tool("get_log", {"ref": found["rows"][0][0]})
    assert len(text_of(opened)) < 20_000
    assert "lists over 40 items cut" in text_of(opened) or "lists over 10 items cut" in text_of(opened)


async def test_no_answer_exceeds_the_response_size_cap(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox, max_response_chars=10_000, response_token_budget=50_000)) as capped:
        result = await capped.call_tool(
            "search_logs",
            {"log_type": "unified_proxy_api", "limit": 100, "fields": ["message", "http_url", "http_useragent"]},
        )
    assert len(text_of(result)) < 10_200
    assert "[cut: this answer was" in text_of(result)


async def test_a_continued_search_keeps_its_own_limit_and_fields(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        first = structured(
            await client.call_tool("search_logs", {"log_type": "webhook", "limit": 2, "fields": ["timestamp", "event"]})
        )
        more = await client.call_tool("search_logs", {"cursor": first["next_cursor"]})
        wider = await client.call_tool("search_logs", {"cursor": structured(more)["next_cursor"], "limit": 5})
        after = structured(await client.call_tool("search_logs", {"cursor": structured(wider)["next_cursor"]}))
    assert len(structured(more)["rows"]) == 2
    assert structured(more)["columns"] == ["ref", "timestamp", "event"]
    assert len(structured(wider)["rows"]) == 5
    assert len(after["rows"]) == 5  # the last limit given is the search's from then on


async def test_a_page_served_from_rows_already_read_says_so(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        first = structured(
            await client.call_tool("search_logs", {"log_type": "webhook", "limit": 2, "match": {"status": ">=100"}})
        )
        more = await client.call_tool("search_logs", {"cursor": first["next_cursor"]})
    headline = text_of(more).splitlines()[0]
    assert structured(more)["coverage"]["pages"] == 0 and len(structured(more)["rows"]) == 2
    assert "scanned 0 rows" not in headline
    assert "rows kept from the search's previous read (no upstream request)" in headline


async def test_a_number_as_a_filter_value_says_values_are_text_and_where_a_status_goes(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool(
            "search_logs", {"log_type": "unified_proxy_api", "filters": {"http_status_code": 500}}
        )
    said = error_of(result, "invalid_argument")
    assert 'Filter values are text, e.g. "500".' in said
    assert '`match: {"status": "5xx"}`' in said
    assert "Fix these arguments as described in the tool's schema." not in said
    assert not sandbox.requests


async def test_a_part_of_a_log_type_s_name_is_suggested(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("search_logs", {"log_type": "proxy"})
    assert "Did you mean `unified_proxy_api`?" in error_of(result, "invalid_argument")


async def test_rows_shown_of_two_environments_are_counted_per_environment() -> None:
    rows = [unified(minutes, 200, "hubspot", environment_id="env-a") for minutes in (1, 2, 3, 4)]
    rows += [unified(minutes, 200, "hubspot", environment_id="env-b") for minutes in (5, 6)]
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows={LogType.UNIFIED_PROXY_API: rows}))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("search_logs", {"log_type": "unified_proxy_api", "since": "1h"})
    assert structured(result)["coverage"]["environments"] == {"env-a": 4, "env-b": 2}
    assert "The rows shown are of environments: env-a (4 rows), env-b (2 rows)." in text_of(result)


async def test_rows_shown_of_one_environment_say_nothing_of_it() -> None:
    rows = [unified(minutes, 200, "hubspot", environment_id="env-a") for minutes in (1, 2)]
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows={LogType.UNIFIED_PROXY_API: rows}))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("search_logs", {"log_type": "unified_proxy_api", "since": "1h"})
    assert structured(result)["coverage"]["environments"] is None
    assert "environments" not in text_of(result)
