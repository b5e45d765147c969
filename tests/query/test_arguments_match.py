"""Query validation, `match`: status conditions, what a Match accepts, and building it (`build_match`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.arguments import Match, Scalar, StatusCondition, build_match, parse_status
from truto_log_mcp.rules import LogType


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


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_parse_status_refuses_a_huge_integer_in_a_short_text(value: int) -> None:
    with pytest.raises(InvalidArgument, match="not a status") as raised:
        parse_status(value)
    assert len(raised.value.tool_text()) < 300


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


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_match_on_a_number_field_refuses_an_integer_too_large_for_a_float(value: int) -> None:
    with pytest.raises(InvalidArgument, match="out of range"):
        build_match(LogType.UNIFIED_PROXY_API, {"duration": value}, {})


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
