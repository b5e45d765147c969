from datetime import UTC, datetime, timedelta, timezone

import pytest

from truto_log_mcp.rows import parse_row_time, row_time


def test_a_row_time_reads_z_offsets_and_naive_as_utc() -> None:
    assert parse_row_time("2026-05-16T06:28:27.040Z") == datetime(2026, 5, 16, 6, 28, 27, 40000, tzinfo=UTC)
    assert parse_row_time("2026-05-16T08:28:27+02:00") == datetime(
        2026, 5, 16, 8, 28, 27, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_row_time("2026-05-16T06:28:27") == datetime(2026, 5, 16, 6, 28, 27, tzinfo=UTC)


def test_a_naive_datetime_is_taken_as_utc() -> None:
    assert parse_row_time(datetime(2026, 5, 16, 6, 28)) == datetime(2026, 5, 16, 6, 28, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "yesterday", 1715840907])
def test_an_unreadable_row_time_is_none(value: object) -> None:
    assert parse_row_time(value) is None


def test_row_time_reads_the_timestamp_field() -> None:
    assert row_time({"timestamp": "2026-05-16T06:28:27Z"}) == datetime(2026, 5, 16, 6, 28, 27, tzinfo=UTC)
    assert row_time({"message": "no time"}) is None
