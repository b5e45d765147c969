"""Query validation, what goes upstream: the log type, `filters` and `fields`."""

from __future__ import annotations

from typing import Any

import pytest

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.arguments import check_fields, check_filters, parse_log_type
from truto_log_mcp.rules import FILTER_ENUMS, RULES, LogType

# --- parse_log_type ----------------------------------------------------------------------------


@pytest.mark.parametrize("log_type", list(LogType))
def test_parse_log_type_reads_every_type(log_type: LogType) -> None:
    assert parse_log_type(log_type.value) is log_type


def test_log_type_error_lists_the_valid_types() -> None:
    with pytest.raises(InvalidArgument, match="not a Truto log type") as raised:
        parse_log_type("logs")
    for log_type in LogType:
        assert f"`{log_type.value}`" in raised.value.message


def test_log_type_error_suggests_the_closest_type() -> None:
    with pytest.raises(InvalidArgument, match="Did you mean `mcp`"):
        parse_log_type("mpc")


# --- check_filters -----------------------------------------------------------------------------


def _valid_value(key: str) -> str:
    return FILTER_ENUMS[key][0] if key in FILTER_ENUMS else "value-1"


ACCEPTED_FILTERS = [(log_type, key) for log_type, rules in RULES.items() for key in rules.filter_keys]


@pytest.mark.parametrize(("log_type", "key"), ACCEPTED_FILTERS)
def test_check_filters_accepts_the_keys_of_the_log_type(log_type: LogType, key: str) -> None:
    value = _valid_value(key)
    assert check_filters(log_type, {key: value}) == ((key, value),)


def test_check_filters_returns_filters_sorted_by_key() -> None:
    checked = check_filters(LogType.MCP, {"tool_name": "list_contacts", "client_name": "Claude"})
    assert checked == (("client_name", "Claude"), ("tool_name", "list_contacts"))


def test_check_filters_with_nothing_is_empty() -> None:
    assert check_filters(LogType.MCP, {}) == ()


def test_unknown_filter_key_suggests_the_closest_key() -> None:
    with pytest.raises(InvalidArgument, match="Did you mean `tool_name`") as raised:
        check_filters(LogType.MCP, {"toolname": "x"})
    assert "not a filter of mcp" in raised.value.message


def test_unknown_filter_key_lists_the_type_filters() -> None:
    with pytest.raises(InvalidArgument) as raised:
        check_filters(LogType.WEBHOOK, {"bogus": "x"})
    assert "`webhook_id`, `event`, `environment_id`" in raised.value.message


def test_filter_key_of_another_log_type_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="not a filter of sync_job_cron_trigger"):
        check_filters(LogType.SYNC_JOB_CRON_TRIGGER, {"integration": "hubspot"})


@pytest.mark.parametrize(
    ("log_type", "key"),
    [
        (LogType.UNIFIED_PROXY_API, "http_status_code"),
        (LogType.SYNC_JOB_CRON_TRIGGER, "entity_id"),
        (LogType.WEBHOOK, "webhook_endpoint_status"),
    ],
)
def test_row_field_that_is_not_a_filter_suggests_match(log_type: LogType, key: str) -> None:
    with pytest.raises(InvalidArgument, match="put it in `match`"):
        check_filters(log_type, {key: "x"})


def test_row_field_filter_close_to_a_filter_key_suggests_the_key() -> None:
    with pytest.raises(InvalidArgument, match="Did you mean `request_id`"):
        check_filters(LogType.MCP, {"http_request_id": "9fc8527ebf27a066"})


@pytest.mark.parametrize(
    ("log_type", "key", "value", "suggestion"),
    [
        (LogType.MCP, "mcp_method", "tools/cal", "tools/call"),
        (LogType.UNIFIED_PROXY_API, "request_type", "proxi", "proxy"),
        (LogType.RAPID_BRIDGE, "sync_job_run_event", "complete", "completed"),
    ],
)
def test_enum_filter_value_outside_the_enum_suggests_the_closest(
    log_type: LogType, key: str, value: str, suggestion: str
) -> None:
    with pytest.raises(InvalidArgument, match="not allowed") as raised:
        check_filters(log_type, {key: value})
    assert f"Did you mean `{suggestion}`" in raised.value.message


@pytest.mark.parametrize(
    ("log_type", "key"),
    [
        (LogType.MCP, "mcp_method"),
        (LogType.UNIFIED_PROXY_API, "request_type"),
        (LogType.RAPID_BRIDGE, "sync_job_run_event"),
    ],
)
def test_enum_filter_error_lists_every_allowed_value(log_type: LogType, key: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        check_filters(log_type, {key: "zzz"})
    for allowed in FILTER_ENUMS[key]:
        assert f"`{allowed}`" in raised.value.message


@pytest.mark.parametrize(
    ("log_type", "key", "value"), [(LogType.MCP, "mcp_method", value) for value in FILTER_ENUMS["mcp_method"]]
)
def test_every_mcp_method_is_accepted(log_type: LogType, key: str, value: str) -> None:
    assert check_filters(log_type, {key: value}) == ((key, value),)


def test_enum_filter_values_are_case_sensitive() -> None:
    with pytest.raises(InvalidArgument, match="not allowed"):
        check_filters(LogType.UNIFIED_PROXY_API, {"request_type": "Proxy"})


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_filter_value_is_refused(value: str) -> None:
    with pytest.raises(InvalidArgument, match="non-empty string"):
        check_filters(LogType.MCP, {"tool_name": value})


def test_non_string_filter_value_is_refused() -> None:
    filters: dict[str, Any] = {"tool_name": 5}
    with pytest.raises(InvalidArgument, match="non-empty string"):
        check_filters(LogType.MCP, filters)


def test_filter_value_over_200_characters_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="longer than 200"):
        check_filters(LogType.MCP, {"tool_name": "x" * 201})


def test_filter_value_of_200_characters_is_accepted() -> None:
    assert check_filters(LogType.MCP, {"tool_name": "x" * 200}) == (("tool_name", "x" * 200),)


# --- check_fields ------------------------------------------------------------------------------


def test_check_fields_keeps_order_and_drops_repeats() -> None:
    fields = ["timestamp", "tool_name", "timestamp", "http_status_code"]
    assert check_fields(LogType.MCP, fields) == ("timestamp", "tool_name", "http_status_code")


def test_check_fields_accepts_undocumented_fields() -> None:
    assert check_fields(LogType.SYNC_JOB_CRON_TRIGGER, ["entity_id"]) == ("entity_id",)


def test_unknown_field_suggests_the_closest_field() -> None:
    with pytest.raises(InvalidArgument, match="Did you mean `http_status_code`") as raised:
        check_fields(LogType.MCP, ["http_status"])
    assert "describe_log_types" in raised.value.message


def test_field_of_another_log_type_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="webhook rows do not have"):
        check_fields(LogType.WEBHOOK, ["tool_name"])
