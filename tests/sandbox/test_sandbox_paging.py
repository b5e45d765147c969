"""Querying and paging the sandbox: filters, windows, keyset cursors, order, shapes, bracket encodings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from tests.helpers import sandbox_http
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, STORIES, Sandbox, SandboxConfig

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)
Row = dict[str, Any]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parsed(row: Row) -> datetime:
    return datetime.fromisoformat(row["timestamp"])


@pytest.fixture(scope="module")
def world() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, scale=0.5, rate_limit=None))


@pytest.fixture
async def http(world: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    world.requests.clear()
    async with sandbox_http(world) as connected:
        yield connected


async def fetch_all(http: httpx2.AsyncClient, params: dict[str, str]) -> tuple[list[Row], int]:
    """Every row of a query, following next_cursor and resending all filters; (rows, pages)."""
    rows: list[Row] = []
    cursor: str | None = None
    pages = 0
    while True:
        response = await http.get("/log", params={**params, **({"next_cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["result"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages


@pytest.mark.anyio
async def test_paging_a_filtered_window_returns_exactly_the_matching_rows(
    http: httpx2.AsyncClient, world: Sandbox
) -> None:
    gt, lt = NOW - timedelta(days=6), NOW - timedelta(days=1)
    params = {
        "log_type": "unified_proxy_api",
        "created_at[gt]": iso(gt),
        "created_at[lt]": iso(lt),
        "log_type_filter[integration]": "hubspot",
        "limit": "100",
    }
    got, pages = await fetch_all(http, params)
    expected = [
        row
        for row in world.rows(LogType.UNIFIED_PROXY_API)
        if row["integration"] == "hubspot" and gt < parsed(row) < lt
    ]
    assert len(expected) > 300
    assert pages == -(-len(expected) // 100)
    assert got == expected


@pytest.mark.anyio
async def test_paging_with_two_filters_has_no_duplicate_and_no_lost_row(
    http: httpx2.AsyncClient, world: Sandbox
) -> None:
    server = STORIES["mcp_tool_errors"].ids["mcp_server_id"]
    params = {
        "log_type": "mcp",
        "log_type_filter[mcp_server_id]": server,
        "log_type_filter[mcp_method]": "tools/call",
        "limit": "37",
    }
    got, _ = await fetch_all(http, params)
    expected = [
        row for row in world.rows(LogType.MCP) if row["mcp_server_id"] == server and row["mcp_method"] == "tools/call"
    ]
    assert len(expected) > 37
    assert len({row["http_request_id"] for row in got}) == len(got)
    assert got == expected


@pytest.mark.anyio
async def test_rows_come_newest_first_across_pages(http: httpx2.AsyncClient) -> None:
    got, pages = await fetch_all(http, {"log_type": "sync_job_cron_trigger", "limit": "50"})
    stamps = [parsed(row) for row in got]
    assert pages > 2
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.anyio
async def test_request_id_filter_matches_the_rows_http_request_id(http: httpx2.AsyncClient, world: Sandbox) -> None:
    wanted = world.rows(LogType.MCP)[10]
    response = await http.get(
        "/log", params={"log_type": "mcp", "log_type_filter[request_id]": wanted["http_request_id"]}
    )
    assert response.json()["result"] == [wanted]


@pytest.mark.anyio
async def test_filter_matching_nothing_returns_an_empty_page_and_no_cursor(http: httpx2.AsyncClient) -> None:
    response = await http.get("/log", params={"log_type": "webhook", "log_type_filter[webhook_id]": "missing"})
    assert response.json() == {"result": [], "next_cursor": None}


@pytest.mark.anyio
async def test_last_page_that_is_exactly_full_has_no_cursor(http: httpx2.AsyncClient, world: Sandbox) -> None:
    run = STORIES["stuck_run"].ids["sync_job_run_id"]
    count = sum(1 for row in world.rows(LogType.RAPID_BRIDGE) if row["sync_job_run_id"] == run)
    params = {"log_type": "rapid_bridge", "log_type_filter[sync_job_run_id]": run, "limit": str(count)}
    body = (await http.get("/log", params=params)).json()
    assert len(body["result"]) == count
    assert body["next_cursor"] is None


@pytest.mark.anyio
async def test_cursor_continues_with_a_different_limit(http: httpx2.AsyncClient, world: Sandbox) -> None:
    first = (await http.get("/log", params={"log_type": "webhook", "limit": "3"})).json()
    second = (
        await http.get("/log", params={"log_type": "webhook", "limit": "5", "next_cursor": first["next_cursor"]})
    ).json()
    assert first["result"] + second["result"] == world.rows(LogType.WEBHOOK)[:8]


CHANGED: dict[str, dict[str, str]] = {
    "filter_value_changed": {"log_type": "rapid_bridge", "log_type_filter[integration]": "jira"},
    "filter_dropped": {"log_type": "rapid_bridge"},
    "filter_added": {
        "log_type": "rapid_bridge",
        "log_type_filter[integration]": "hubspot",
        "log_type_filter[sync_job_run_event]": "record",
    },
    "window_added": {
        "log_type": "rapid_bridge",
        "log_type_filter[integration]": "hubspot",
        "created_at[gt]": "2026-05-10T00:00:00Z",
        "created_at[lt]": "2026-05-16T00:00:00Z",
    },
    "log_type_changed": {"log_type": "webhook"},
}


@pytest.mark.anyio
@pytest.mark.parametrize("change", sorted(CHANGED))
async def test_cursor_presented_with_a_different_query_is_400(http: httpx2.AsyncClient, change: str) -> None:
    first = await http.get("/log", params={"log_type": "rapid_bridge", "log_type_filter[integration]": "hubspot"})
    cursor = first.json()["next_cursor"]
    response = await http.get("/log", params={**CHANGED[change], "next_cursor": cursor})
    assert response.status_code == 400
    assert set(response.json()) == {"statusCode", "error", "message"}
    assert "different query" in response.json()["message"]


@pytest.mark.anyio
async def test_same_window_written_differently_keeps_the_cursor_valid(http: httpx2.AsyncClient) -> None:
    window = {"created_at[gt]": "2026-05-15T00:00:00Z", "created_at[lt]": "2026-05-16T00:00:00Z"}
    first = await http.get("/log", params={"log_type": "webhook", **window})
    same = {"created_at[gt]": "2026-05-15T02:00:00+02:00", "created_at[lt]": "2026-05-16T00:00:00.000Z"}
    response = await http.get(
        "/log", params={"log_type": "webhook", **same, "next_cursor": first.json()["next_cursor"]}
    )
    assert response.status_code == 200


# ---- bracket encodings ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_raw_and_percent_encoded_brackets_give_the_same_answer(http: httpx2.AsyncClient, world: Sandbox) -> None:
    query = "log_type=mcp&log_type_filter{o}mcp_method{c}=tools/call&created_at{o}gt{c}=2026-05-14T00:00:00Z"
    query += "&created_at{o}lt{c}=2026-05-16T00:00:00Z&limit=20"
    raw = await http.get("/log?" + query.format(o="[", c="]"))
    encoded = await http.get("/log?" + query.format(o="%5B", c="%5D"))
    assert [request.raw_query.count("[") for request in world.requests] == [3, 0]
    assert [request.raw_query.count("%5B") for request in world.requests] == [0, 3]
    assert raw.status_code == encoded.status_code == 200
    assert raw.json()["result"] == encoded.json()["result"]
    assert {row["mcp_method"] for row in raw.json()["result"]} == {"tools/call"}


@pytest.mark.anyio
async def test_requests_are_recorded_with_decoded_params(http: httpx2.AsyncClient, world: Sandbox) -> None:
    await http.get("/log", params={"log_type": "webhook", "log_type_filter[event]": "test"})
    recorded = world.requests[-1]
    assert recorded.params == [("log_type", "webhook"), ("log_type_filter[event]", "test")]
    assert recorded.headers["authorization"] == f"Bearer {SANDBOX_TOKEN}"
    assert recorded.status == 200


# ---- windows, ties, shapes (planted rows with known timestamps) -----------------------------

EDGE_ROWS: dict[LogType, list[Row]] = {
    LogType.WEBHOOK: [
        {"timestamp": "2026-05-15T10:00:00.000Z", "webhook_id": "w", "event": "at-gt"},
        {"timestamp": "2026-05-15T10:00:00.001Z", "webhook_id": "w", "event": "just-after-gt"},
        {"timestamp": "2026-05-15T11:59:59.999Z", "webhook_id": "w", "event": "just-before-lt"},
        {"timestamp": "2026-05-15T12:00:00.000Z", "webhook_id": "w", "event": "at-lt"},
        *({"timestamp": "2026-05-15T11:00:00.000Z", "webhook_id": "w", "event": f"tie-{i}"} for i in range(5)),
        {
            "timestamp": "2026-05-15T11:30:00Z",
            "webhook_id": "w",
            "event": "sparse",
            "logs": [],
            "queue": None,
            "id": "",
        },
    ]
}


@pytest.fixture
def edges() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=EDGE_ROWS))


@pytest.mark.anyio
async def test_window_bounds_are_exclusive(edges: Sandbox) -> None:
    params = {"log_type": "webhook", "created_at[gt]": "2026-05-15T10:00:00Z", "created_at[lt]": "2026-05-15T12:00:00Z"}
    async with sandbox_http(edges) as http:
        events = [row["event"] for row in (await http.get("/log", params=params)).json()["result"]]
    assert "at-gt" not in events and "at-lt" not in events
    assert events[0] == "just-before-lt" and events[-1] == "just-after-gt"


@pytest.mark.anyio
async def test_rows_with_equal_timestamps_page_stably_one_by_one(edges: Sandbox) -> None:
    async with sandbox_http(edges) as http:
        got, pages = await fetch_all(http, {"log_type": "webhook", "limit": "1"})
    assert pages == len(EDGE_ROWS[LogType.WEBHOOK])
    assert [row["event"] for row in got if row["event"].startswith("tie-")] == [f"tie-{i}" for i in range(5)]


@pytest.mark.anyio
async def test_empty_fields_are_dropped_from_rows(edges: Sandbox) -> None:
    async with sandbox_http(edges) as http:
        rows = (await http.get("/log", params={"log_type": "webhook"})).json()["result"]
    sparse = next(row for row in rows if row["event"] == "sparse")
    assert sparse == {"timestamp": "2026-05-15T11:30:00Z", "webhook_id": "w", "event": "sparse", "log_type": "webhook"}


@pytest.mark.anyio
async def test_nested_shape_wraps_fields_in_metadata() -> None:
    nested = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=EDGE_ROWS, row_shape="nested"))
    async with sandbox_http(nested) as http:
        rows = (await http.get("/log", params={"log_type": "webhook", "limit": "100"})).json()["result"]
    flat = nested.rows(LogType.WEBHOOK)
    assert [set(row) for row in rows] == [{"_id", "timestamp", "metadata"}] * len(flat)
    assert [{"timestamp": row["timestamp"], **row["metadata"]} for row in rows] == flat
    assert len({row["_id"] for row in rows}) == len(rows)
