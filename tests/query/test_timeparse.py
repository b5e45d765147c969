"""Time arguments: durations, instants, windows and the upstream's one-month rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.query.timeparse import (
    Window,
    interval_in_seconds,
    iso,
    latest_end,
    parse_duration,
    parse_instant,
    resolve_window,
)

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)
MAY_1_EPOCH_S = 1777593600
MS = timedelta(milliseconds=1)


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_duration_reads_number_and_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["24H", " 24h ", "24 h"])
def test_duration_ignores_case_and_spaces(text: str) -> None:
    assert parse_duration(text) == timedelta(hours=24)


@pytest.mark.parametrize("text", ["30", "h", "", "1.5h", "-5m", "30x", "30 minutes", "1y", "1234567h"])
def test_since_must_have_a_number_and_a_unit(text: str) -> None:
    with pytest.raises(InvalidArgument, match="number and a unit"):
        parse_duration(text)


def test_duration_error_names_the_argument() -> None:
    with pytest.raises(InvalidArgument, match="`window`"):
        parse_duration("soon", argument="window")


# --- instants ----------------------------------------------------------------------------------


def test_iso_with_z_is_utc() -> None:
    assert parse_instant("2026-05-01T00:00:00Z", "start", NOW) == MAY_1


def test_iso_with_fraction_keeps_it() -> None:
    assert parse_instant("2026-05-01T00:00:00.250Z", "start", NOW) == MAY_1 + timedelta(milliseconds=250)


@pytest.mark.parametrize("text", ["2026-05-01T02:00:00+02:00", "2026-04-30T19:00:00-05:00", "2026-05-01T05:30+05:30"])
def test_iso_with_offset_is_converted_to_utc(text: str) -> None:
    moment = parse_instant(text, "start", NOW)
    assert moment == MAY_1
    assert moment.utcoffset() == timedelta(0)


def test_naive_iso_is_taken_as_utc() -> None:
    moment = parse_instant("2026-05-01T00:00:00", "start", NOW)
    assert moment == MAY_1
    assert moment.tzinfo is not None


def test_date_only_is_midnight_utc() -> None:
    assert parse_instant("2026-05-01", "start", NOW) == MAY_1


@pytest.mark.parametrize("text", ["now", "NOW", " now "])
def test_now_is_the_given_now(text: str) -> None:
    assert parse_instant(text, "end", NOW) == NOW


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("-2h", timedelta(hours=2)),
        ("now-15m", timedelta(minutes=15)),
        ("now - 1d", timedelta(days=1)),
        ("-1w", timedelta(weeks=1)),
    ],
)
def test_relative_instant_counts_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_instant(text, "start", NOW) == NOW - ago


@pytest.mark.parametrize("value", [MAY_1_EPOCH_S, str(MAY_1_EPOCH_S), float(MAY_1_EPOCH_S)])
def test_epoch_seconds_as_number_or_string(value: int | float | str) -> None:
    assert parse_instant(value, "start", NOW) == MAY_1


@pytest.mark.parametrize("value", [MAY_1_EPOCH_S * 1000 + 123, str(MAY_1_EPOCH_S * 1000 + 123)])
def test_epoch_milliseconds_as_number_or_string(value: int | str) -> None:
    assert parse_instant(value, "start", NOW) == MAY_1 + timedelta(milliseconds=123)


def test_boolean_is_not_a_time() -> None:
    with pytest.raises(InvalidArgument, match="boolean"):
        parse_instant(True, "start", NOW)


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01", "2026-05-01T25:00:00Z", "+2h", "next tuesday"])
def test_garbage_instant_is_invalid_argument(text: str) -> None:
    with pytest.raises(InvalidArgument, match="not a time I can read") as raised:
        parse_instant(text, "start", NOW)
    assert "ISO 8601" in raised.value.message


def test_instant_error_names_the_argument() -> None:
    with pytest.raises(InvalidArgument, match="`end`"):
        parse_instant("garbage", "end", NOW)


@pytest.mark.parametrize("value", [10**20, float("inf"), float("nan")])
def test_epoch_out_of_range_is_invalid_argument(value: int | float) -> None:
    with pytest.raises(InvalidArgument, match="outside the range"):
        parse_instant(value, "start", NOW)


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_an_integer_too_large_for_a_float_is_invalid_argument_in_a_short_text(value: int) -> None:
    with pytest.raises(InvalidArgument, match="outside the range") as raised:
        parse_instant(value, "start", NOW)
    assert len(raised.value.tool_text()) < 200


# --- iso() -------------------------------------------------------------------------------------


def test_iso_has_milliseconds_and_z() -> None:
    assert iso(MAY_1) == "2026-05-01T00:00:00.000Z"


def test_iso_converts_offsets_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 5, 1, 2, 0, tzinfo=plus_two)) == "2026-05-01T00:00:00.000Z"


def test_iso_truncates_microseconds_to_milliseconds() -> None:
    assert iso(MAY_1.replace(microsecond=123999)) == "2026-05-01T00:00:00.123Z"


# --- resolve_window: which arguments ------------------------------------------------------------


def test_no_time_arguments_means_no_window() -> None:
    assert resolve_window(None, None, None, NOW) is None


def test_since_ends_now() -> None:
    assert resolve_window("24h", None, None, NOW) == Window(NOW - timedelta(hours=24), NOW)


def test_start_alone_runs_until_now() -> None:
    assert resolve_window(None, "2026-05-01T00:00:00Z", None, NOW) == Window(MAY_1, NOW)


def test_start_and_end_make_the_window() -> None:
    window = resolve_window(None, "2026-05-01T00:00:00Z", "2026-05-01T06:00:00Z", NOW)
    assert window == Window(MAY_1, MAY_1 + timedelta(hours=6))


def test_start_and_end_accept_mixed_forms() -> None:
    window = resolve_window(None, MAY_1_EPOCH_S, "-2h", NOW)
    assert window == Window(MAY_1, NOW - timedelta(hours=2))


def test_end_alone_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="`end` needs `start`") as raised:
        resolve_window(None, None, "2026-05-01T00:00:00Z", NOW)
    assert "since" in raised.value.next_step


@pytest.mark.parametrize(("start", "end"), [("-2h", None), ("-2h", "now")])
def test_since_with_start_is_refused(start: str | None, end: str | None) -> None:
    with pytest.raises(InvalidArgument, match="not both"):
        resolve_window("1h", start, end, NOW)


def test_since_with_end_is_the_span_before_end() -> None:
    assert resolve_window("2h", None, "-1h", NOW) == Window(NOW - timedelta(hours=3), NOW - timedelta(hours=1))


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        resolve_window(None, "2026-05-01T06:00:00Z", "2026-05-01T00:00:00Z", NOW)


def test_end_equal_to_start_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        resolve_window(None, "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", NOW)


def test_ends_equal_after_millisecond_truncation_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        resolve_window(None, "2026-05-01T00:00:00.000100Z", "2026-05-01T00:00:00.000900Z", NOW)


def test_start_in_the_future_without_end_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        resolve_window(None, "2026-06-01T00:00:00Z", None, NOW)


def test_zero_since_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        resolve_window("0m", None, None, NOW)


def test_window_instants_are_truncated_to_milliseconds() -> None:
    window = resolve_window(None, "2026-05-01T00:00:00.123456Z", "2026-05-01T01:00:00.999999Z", NOW)
    assert window == Window(MAY_1 + timedelta(microseconds=123000), MAY_1 + timedelta(hours=1, microseconds=999000))


def test_since_window_truncates_now_to_milliseconds() -> None:
    now = NOW.replace(microsecond=456789)
    window = resolve_window("1h", None, None, now)
    assert window is not None
    assert window.end == NOW.replace(microsecond=456000)
    assert window.span == timedelta(hours=1)


def test_window_describe_is_two_iso_instants() -> None:
    assert Window(MAY_1, MAY_1 + timedelta(days=1)).describe() == "2026-05-01T00:00:00.000Z/2026-05-02T00:00:00.000Z"


# --- resolve_window: the one-month rule ---------------------------------------------------------

# (start, latest allowed end): the shorter of 30 days and one calendar month.
MONTH_LIMITS = [
    pytest.param(datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC), id="jan31-calendar-month"),
    pytest.param(datetime(2028, 1, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC), id="jan31-leap-year"),
    pytest.param(datetime(2028, 2, 1, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC), id="feb1-leap-year"),
    pytest.param(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), id="feb1"),
    pytest.param(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC), id="31-day-month-30-days"),
    pytest.param(datetime(2026, 12, 31, tzinfo=UTC), datetime(2027, 1, 30, tzinfo=UTC), id="december-year-end"),
    pytest.param(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC), id="30-day-month"),
    pytest.param(
        datetime(2026, 1, 31, 13, 14, 15, 678000, tzinfo=UTC),
        datetime(2026, 2, 28, 13, 14, 15, 678000, tzinfo=UTC),
        id="time-of-day-kept",
    ),
]


@pytest.mark.parametrize(("start", "limit"), MONTH_LIMITS)
def test_latest_end_is_the_shorter_of_30_days_and_a_calendar_month(start: datetime, limit: datetime) -> None:
    assert latest_end(start) == limit


@pytest.mark.parametrize(("start", "limit"), MONTH_LIMITS)
def test_window_exactly_at_the_month_limit_is_accepted(start: datetime, limit: datetime) -> None:
    assert resolve_window(None, iso(start), iso(limit), NOW) == Window(start, limit)


@pytest.mark.parametrize(("start", "limit"), MONTH_LIMITS)
def test_window_one_millisecond_over_the_month_limit_is_refused(start: datetime, limit: datetime) -> None:
    with pytest.raises(InvalidArgument, match="one-month limit"):
        resolve_window(None, iso(start), iso(limit + MS), NOW)


def test_month_error_says_the_latest_allowed_end() -> None:
    with pytest.raises(InvalidArgument) as raised:
        resolve_window(None, "2026-01-31T00:00:00Z", "2026-03-01T00:00:00Z", NOW)
    assert "2026-02-28T00:00:00.000Z" in raised.value.tool_text()
    assert "28d" in raised.value.next_step


def test_end_under_a_millisecond_over_the_limit_is_truncated_and_accepted() -> None:
    start = datetime(2026, 1, 31, tzinfo=UTC)
    end = "2026-02-28T00:00:00.000900Z"
    assert resolve_window(None, iso(start), end, NOW) == Window(start, datetime(2026, 2, 28, tzinfo=UTC))


def test_enforce_month_false_allows_longer_windows() -> None:
    window = resolve_window(None, "2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z", NOW, enforce_month=False)
    assert window == Window(datetime(2026, 1, 1, tzinfo=UTC), MAY_1)


def test_since_longer_than_the_month_limit_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="one-month limit"):
        resolve_window("31d", None, None, NOW)


def test_since_30_days_is_refused_when_it_spans_a_short_february() -> None:
    with pytest.raises(InvalidArgument, match="one-month limit"):
        resolve_window("30d", None, None, datetime(2026, 3, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 2, 28, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2028, 3, 1, tzinfo=UTC),
        NOW,
    ],
)
def test_since_28_days_always_fits(now: datetime) -> None:
    assert resolve_window("28d", None, None, now) is not None


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)))
def test_month_limit_is_between_28_and_30_days(start: datetime) -> None:
    assert timedelta(days=28) <= latest_end(start) - start <= timedelta(days=30)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z"])
def test_instants_outside_the_dates_logs_can_have_are_refused(value: str) -> None:
    with pytest.raises(InvalidArgument, match="outside the dates"):
        parse_instant(value, "start", NOW)


@pytest.mark.parametrize("text", ["999999w", "3651d"])
def test_durations_longer_than_logs_go_back_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument, match="3650d"):
        parse_duration(text)


def test_an_interval_as_answers_print_it_drops_the_milliseconds() -> None:
    window = Window(datetime(2026, 11, 24, 6, 0, 0, 250_000, tzinfo=UTC), datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert interval_in_seconds(window.describe()) == "2026-11-24T06:00:00Z/2026-11-25T06:00:00Z"
