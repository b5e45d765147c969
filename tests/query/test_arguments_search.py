"""Query validation as a whole (`build_search`) and the wire parameters it becomes (`wire_params`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.arguments import LogQuery, Match, build_search, parse_status, wire_params
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import RULES, LogType

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)
MAY_2 = datetime(2026, 5, 2, tzinfo=UTC)


# --- build_search ------------------------------------------------------------------------------


def test_build_search_end_to_end() -> None:
    query = build_search(
        log_type="mcp",
        since="1h",
        start=None,
        end=None,
        filters={"mcp_method": "tools/call"},
        match={"status": "5xx", "tool_name": "list_contacts", "text": "Timeout"},
        fields=["timestamp", "tool_name", "timestamp"],
        now=NOW,
    )
    assert query == LogQuery(
        log_type=LogType.MCP,
        window=Window(NOW - timedelta(hours=1), NOW),
        filters=(("mcp_method", "tools/call"), ("tool_name", "list_contacts")),
        match=Match(status_field="http_status_code", status=parse_status("5xx"), text="timeout"),
        fields=("timestamp", "tool_name"),
        notes=("match.tool_name was sent upstream as filter `tool_name`.",),
    )
    assert query.rules is RULES[LogType.MCP]


def test_build_search_with_no_options_has_no_window_and_no_match() -> None:
    query = build_search(
        log_type="webhook", since=None, start=None, end=None, filters=None, match=None, fields=None, now=NOW
    )
    assert (query.log_type, query.window, query.filters, query.fields, query.notes) == (
        LogType.WEBHOOK,
        None,
        (),
        (),
        (),
    )
    assert query.match.is_empty


def test_build_search_checks_the_log_type_first() -> None:
    with pytest.raises(InvalidArgument, match="not a Truto log type"):
        build_search(log_type="nope", since="bad", start=None, end=None, filters=None, match=None, fields=None, now=NOW)


def test_build_search_passes_enforce_month() -> None:
    arguments: dict[str, Any] = {
        "log_type": "mcp",
        "since": None,
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-05-01T00:00:00Z",
        "filters": None,
        "match": None,
        "fields": None,
        "now": NOW,
    }
    with pytest.raises(InvalidArgument, match="one-month limit"):
        build_search(**arguments)
    assert build_search(**arguments, enforce_month=False).window == Window(datetime(2026, 1, 1, tzinfo=UTC), MAY_1)


def test_build_search_refuses_a_bad_field() -> None:
    with pytest.raises(InvalidArgument, match="`fields`"):
        build_search(
            log_type="mcp", since=None, start=None, end=None, filters=None, match=None, fields=["nope"], now=NOW
        )


# --- wire_params -------------------------------------------------------------------------------


def test_wire_params_exact_output() -> None:
    params = wire_params(
        LogType.MCP,
        Window(MAY_1, MAY_2),
        (("mcp_method", "tools/call"), ("tool_name", "list_contacts")),
        100,
    )
    assert params == [
        ("log_type", "mcp"),
        ("created_at[gt]", "2026-05-01T00:00:00.000Z"),
        ("created_at[lt]", "2026-05-02T00:00:00.000Z"),
        ("log_type_filter[mcp_method]", "tools/call"),
        ("log_type_filter[tool_name]", "list_contacts"),
        ("limit", "100"),
    ]


def test_wire_params_appends_next_cursor_after_every_filter() -> None:
    params = wire_params(
        LogType.UNIFIED_PROXY_API, Window(MAY_1, MAY_2), (("integration", "hubspot"),), 50, next_cursor="abc=="
    )
    assert params == [
        ("log_type", "unified_proxy_api"),
        ("created_at[gt]", "2026-05-01T00:00:00.000Z"),
        ("created_at[lt]", "2026-05-02T00:00:00.000Z"),
        ("log_type_filter[integration]", "hubspot"),
        ("limit", "50"),
        ("next_cursor", "abc=="),
    ]


def test_wire_params_without_window_sends_no_created_at() -> None:
    assert wire_params(LogType.WEBHOOK, None, (), 10) == [("log_type", "webhook"), ("limit", "10")]


def test_wire_params_skips_an_empty_cursor() -> None:
    assert wire_params(LogType.WEBHOOK, None, (), 10, next_cursor="") == [("log_type", "webhook"), ("limit", "10")]


def test_wire_params_sends_milliseconds() -> None:
    window = Window(MAY_1 + timedelta(milliseconds=5), MAY_2 + timedelta(milliseconds=999))
    params = dict(wire_params(LogType.MCP, window, (), 100))
    assert params["created_at[gt]"] == "2026-05-01T00:00:00.005Z"
    assert params["created_at[lt]"] == "2026-05-02T00:00:00.999Z"


def test_wire_params_of_a_built_query() -> None:
    query = build_search(
        log_type="rapid_bridge",
        since=None,
        start="2026-05-01T02:00:00+02:00",
        end="2026-05-02",
        filters={"sync_job_run_event": "failed", "integration": "hubspot"},
        match={"sync_job_run_id": "0c7e0d6a-8a1b-4c1e-9a55-0b9f7c1f2a10"},
        fields=None,
        now=NOW,
    )
    assert wire_params(query.log_type, query.window, query.filters, 100) == [
        ("log_type", "rapid_bridge"),
        ("created_at[gt]", "2026-05-01T00:00:00.000Z"),
        ("created_at[lt]", "2026-05-02T00:00:00.000Z"),
        ("log_type_filter[integration]", "hubspot"),
        ("log_type_filter[sync_job_run_event]", "failed"),
        ("log_type_filter[sync_job_run_id]", "0c7e0d6a-8a1b-4c1e-9a55-0b9f7c1f2a10"),
        ("limit", "100"),
    ]
