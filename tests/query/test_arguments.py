"""Query validation: status conditions, filters, fields, match, and the wire parameters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.arguments import (
    LogQuery,
    Match,
    Scalar,
    StatusCondition,
    build_match,
    build_search,
    check_fields,
    check_filters,
    parse_log_type,
    parse_status,
    wire_params,
)
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import FILTER_ENUMS, RULES, LogType

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)
MAY_2 = datetime(2026, 5, 2, tzinfo=UTC)


def match_for(log_type: LogType, conditions: Mapping[str, Scalar]) -> Match:
    matched, _notes = build_match(log_type, conditions, {})
    return matched


# --- parse_status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "low", "high", "negate"),
    [
        ("5xx", 500, 599, False),
        ("4xx", 400, 499, False),
        ("2XX", 200, 299, False),
        (">=400", 400, 999, False),
        (">400", 401, 999, False),
        ("<500", 0, 499, False),
        ("<=499", 0, 499, False),
        ("!=200", 200, 200, True),
        ("=404", 404, 404, False),
        ("500-599", 500, 599, False),
        ("400 - 499", 400, 499, False),
        ("429", 429, 429, False),
        (" >= 500 ", 500, 999, False),
    ],
)
def test_parse_status_reads_the_condition(spelled: str, low: int, high: int, negate: bool) -> None:
    condition = parse_status(spelled)
    assert (condition.low, condition.high, condition.negate) == (low, high, negate)


def test_parse_status_reads_an_integer_code() -> None:
    assert parse_status(429) == StatusCondition(429, 429, spelled="429")


def test_parse_status_keeps_the_spelling_for_describe() -> None:
    assert parse_status(" 5xx ").spelled == "5xx"


@pytest.mark.parametrize("spelled", ["6xx", "xx", "abc", "40", "4000", ">=", "5xx,4xx", "", "=>400", "400-"])
def test_parse_status_refuses_what_is_not_a_condition(spelled: str) -> None:
    with pytest.raises(InvalidArgument, match="not a status condition") as raised:
        parse_status(spelled)
    assert "5xx" in raised.value.message


def test_parse_status_refuses_a_backwards_range() -> None:
    with pytest.raises(InvalidArgument, match="backwards"):
        parse_status("599-500")


def test_parse_status_refuses_a_boolean() -> None:
    with pytest.raises(InvalidArgument, match="boolean"):
        parse_status(True)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_parse_status_refuses_non_finite_numbers(value: float) -> None:
    with pytest.raises(InvalidArgument):
        parse_status(value)


def test_parse_status_refuses_a_fractional_code() -> None:
    with pytest.raises(InvalidArgument):
        parse_status(429.7)


@pytest.mark.parametrize(
    ("spelled", "status", "accepted"),
    [
        ("5xx", 500, True),
        ("5xx", 599, True),
        ("5xx", 499, False),
        ("5xx", 600, False),
        (">=400", 400, True),
        (">=400", 399, False),
        (">400", 400, False),
        ("<500", 499, True),
        ("<500", 500, False),
        ("!=200", 404, True),
        ("!=200", 200, False),
        ("500-599", 503, True),
        ("429", 429, True),
        ("429", 430, False),
    ],
)
def test_status_condition_accepts_codes_inside_it(spelled: str, status: int, accepted: bool) -> None:
    assert parse_status(spelled).accepts(status) is accepted


@pytest.mark.parametrize("status", [None, "500", True, [500]])
def test_status_condition_refuses_a_missing_or_non_numeric_status(status: Any) -> None:
    assert parse_status("!=200").accepts(status) is False


# --- Match.accepts -----------------------------------------------------------------------------


def test_match_status_tests_the_type_status_field() -> None:
    matched = match_for(LogType.WEBHOOK, {"status": "5xx"})
    assert matched.accepts({"webhook_endpoint_status": 502})
    assert not matched.accepts({"webhook_endpoint_status": 200})


def test_match_status_refuses_a_row_without_the_status_field() -> None:
    assert not match_for(LogType.MCP, {"status": "5xx"}).accepts({"message": "no status"})


def test_match_status_without_a_status_field_accepts_nothing() -> None:
    assert not Match(status_field=None, status=parse_status("5xx")).accepts({"http_status_code": 500})


def test_empty_match_accepts_every_row() -> None:
    assert Match().is_empty
    assert Match().accepts({})


@pytest.mark.parametrize("needle", ["timeout", "TIMEOUT", "TimeOut"])
def test_match_text_is_case_insensitive_in_message(needle: str) -> None:
    matched = match_for(LogType.MCP, {"text": needle})
    assert matched.accepts({"message": "upstream Timeout after 30 s"})


def test_match_text_searches_the_logs_list() -> None:
    matched = match_for(LogType.RAPID_BRIDGE, {"text": "rate limit"})
    assert matched.accepts({"message": "sync", "logs": ["started", "Hit RATE LIMIT, waiting"]})


def test_match_text_ignores_non_string_log_lines() -> None:
    matched = match_for(LogType.RAPID_BRIDGE, {"text": "5"})
    assert not matched.accepts({"logs": [5, None, {"x": "5"}]})


def test_match_text_does_not_search_other_fields() -> None:
    matched = match_for(LogType.MCP, {"text": "hubspot"})
    assert not matched.accepts({"integration": "hubspot", "message": "ok"})


def test_match_text_is_stripped() -> None:
    assert match_for(LogType.MCP, {"text": "  Timeout "}).text == "timeout"


def test_match_equality_compares_the_row_field() -> None:
    matched = match_for(LogType.UNIFIED_PROXY_API, {"http_status_code": "401"})
    assert matched.accepts({"http_status_code": 401})
    assert not matched.accepts({"http_status_code": 403})
    assert not matched.accepts({})


def test_match_conditions_all_apply() -> None:
    matched = match_for(LogType.UNIFIED_PROXY_API, {"status": "4xx", "text": "token", "method": "list"})
    assert matched.accepts({"http_status_code": 401, "message": "Token expired", "method": "list"})
    assert not matched.accepts({"http_status_code": 401, "message": "Token expired", "method": "get"})
    assert not matched.accepts({"http_status_code": 500, "message": "Token expired", "method": "list"})
    assert not matched.accepts({"http_status_code": 401, "message": "other", "method": "list"})


def test_match_describe_lists_every_condition() -> None:
    matched = match_for(LogType.UNIFIED_PROXY_API, {"status": "5xx", "text": "Boom", "duration": "150"})
    assert matched.describe() == {"duration": 150, "status": "5xx", "text": "boom"}


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


# --- build_match -------------------------------------------------------------------------------


@pytest.mark.parametrize("log_type", [LogType.RAPID_BRIDGE, LogType.SYNC_JOB_CRON_TRIGGER])
def test_match_status_on_a_type_without_status_is_refused(log_type: LogType) -> None:
    with pytest.raises(InvalidArgument, match="no HTTP status") as raised:
        build_match(log_type, {"status": "5xx"}, {})
    assert "describe_log_types" in raised.value.message


@pytest.mark.parametrize(
    ("log_type", "status_field"),
    [
        (LogType.UNIFIED_PROXY_API, "http_status_code"),
        (LogType.MCP, "http_status_code"),
        (LogType.WEBHOOK, "webhook_endpoint_status"),
    ],
)
def test_match_status_uses_the_type_status_field(log_type: LogType, status_field: str) -> None:
    matched = match_for(log_type, {"status": ">=400"})
    assert matched.status_field == status_field
    assert matched.status == parse_status(">=400")


@pytest.mark.parametrize(
    ("log_type", "key", "value", "expected"),
    [
        (LogType.UNIFIED_PROXY_API, "http_status_code", "401", 401),
        (LogType.UNIFIED_PROXY_API, "http_status_code", 401, 401),
        (LogType.UNIFIED_PROXY_API, "http_status_code", "401.0", 401),
        (LogType.UNIFIED_PROXY_API, "duration", "1.5", 1.5),
        (LogType.UNIFIED_PROXY_API, "duration", 150.0, 150),
        (LogType.UNIFIED_PROXY_API, "integrated_account_needs_reauth", "true", True),
        (LogType.UNIFIED_PROXY_API, "integrated_account_needs_reauth", "FALSE", False),
        (LogType.UNIFIED_PROXY_API, "integrated_account_needs_reauth", True, True),
        (LogType.RAPID_BRIDGE, "webhook_successful", "false", False),
        (LogType.UNIFIED_PROXY_API, "http_method", 5, "5"),
    ],
)
def test_match_equality_is_coerced_to_the_field_kind(
    log_type: LogType, key: str, value: Scalar, expected: Scalar
) -> None:
    matched = match_for(log_type, {key: value})
    assert matched.equals == ((key, expected),)
    assert type(matched.equals[0][1]) is type(expected)


@pytest.mark.parametrize("value", ["abc", True, ""])
def test_match_on_a_number_field_needs_a_number(value: Scalar) -> None:
    with pytest.raises(InvalidArgument, match="must be a number"):
        build_match(LogType.UNIFIED_PROXY_API, {"http_status_code": value}, {})


@pytest.mark.parametrize("value", ["yes", "1", 1])
def test_match_on_a_boolean_field_needs_true_or_false(value: Scalar) -> None:
    with pytest.raises(InvalidArgument, match="true or false"):
        build_match(LogType.UNIFIED_PROXY_API, {"integrated_account_needs_reauth": value}, {})


@pytest.mark.parametrize("value", [True, "x" * 201])
def test_match_on_a_string_field_needs_a_short_string(value: Scalar) -> None:
    with pytest.raises(InvalidArgument, match="string of at most 200"):
        build_match(LogType.UNIFIED_PROXY_API, {"http_method": value}, {})


@pytest.mark.parametrize(
    ("log_type", "key", "kind"),
    [
        (LogType.UNIFIED_PROXY_API, "response_headers", "object"),
        (LogType.UNIFIED_PROXY_API, "http_url_details_query_string", "object"),
        (LogType.UNIFIED_PROXY_API, "remote_requests", "object[]"),
        (LogType.MCP, "logs", "string[]"),
    ],
)
def test_match_equality_on_object_or_list_fields_is_refused(log_type: LogType, key: str, kind: str) -> None:
    with pytest.raises(InvalidArgument, match="cannot be matched by equality") as raised:
        build_match(log_type, {key: "x"}, {})
    assert kind in raised.value.message
    assert "match.text" in raised.value.message


def test_match_on_an_unknown_field_suggests_the_closest() -> None:
    with pytest.raises(InvalidArgument, match="not a field of unified_proxy_api rows") as raised:
        build_match(LogType.UNIFIED_PROXY_API, {"integation": "hubspot"}, {})
    assert "Did you mean `integration`" in raised.value.message


def test_match_on_an_unknown_field_can_suggest_status() -> None:
    with pytest.raises(InvalidArgument, match="Did you mean `status`"):
        build_match(LogType.UNIFIED_PROXY_API, {"statuss": "5xx"}, {})


@pytest.mark.parametrize("value", ["", "   ", "x" * 201, 5])
def test_match_text_must_be_a_short_non_empty_string(value: Scalar) -> None:
    with pytest.raises(InvalidArgument, match="match.text"):
        build_match(LogType.MCP, {"text": value}, {})


def test_match_equality_on_a_filter_key_is_sent_upstream() -> None:
    filters: dict[str, str] = {}
    matched, notes = build_match(LogType.UNIFIED_PROXY_API, {"integration": "hubspot"}, filters)
    assert filters == {"integration": "hubspot"}
    assert matched.equals == ()
    assert len(notes) == 1
    assert "match.integration" in notes[0]
    assert "filter `integration`" in notes[0]


def test_match_equality_on_an_aliased_field_is_sent_as_the_filter_key() -> None:
    filters: dict[str, str] = {}
    matched, notes = build_match(LogType.MCP, {"http_request_id": "9fc8527ebf27a066"}, filters)
    assert filters == {"request_id": "9fc8527ebf27a066"}
    assert matched.equals == ()
    assert "filter `request_id`" in notes[0]


def test_match_equality_on_a_filter_already_given_stays_in_match() -> None:
    filters = {"integration": "hubspot"}
    matched, notes = build_match(LogType.UNIFIED_PROXY_API, {"integration": "salesforce"}, filters)
    assert filters == {"integration": "hubspot"}
    assert matched.equals == (("integration", "salesforce"),)
    assert notes == ()


def test_match_equality_on_a_field_that_is_not_a_filter_stays_in_match() -> None:
    filters: dict[str, str] = {}
    matched, notes = build_match(LogType.SYNC_JOB_CRON_TRIGGER, {"integration": "hubspot"}, filters)
    assert filters == {}
    assert matched.equals == (("integration", "hubspot"),)
    assert notes == ()


def test_promoted_match_value_is_checked_like_a_filter() -> None:
    with pytest.raises(InvalidArgument, match="not allowed"):
        build_match(LogType.UNIFIED_PROXY_API, {"request_type": "bogus"}, {})


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
