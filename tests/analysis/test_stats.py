"""log_stats' engine: groups, buckets, percentiles, bounds, and comparing two results. Planted rows only."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truto_log_mcp.analysis.stats.accumulator import StatsAccumulator
from truto_log_mcp.analysis.stats.comparison import Comparison, GroupChange, compare
from truto_log_mcp.analysis.stats.results import GroupStats, StatsResult
from truto_log_mcp.rows import Row

HOUR = timedelta(hours=1)


def http_error(row: Row) -> bool:
    return int(row.get("http_status_code", 200)) >= 400


def row(
    integration: str | None = "hubspot",
    status: int = 200,
    duration: Any = 100.0,
    at: str = "2026-05-16T06:28:27.040Z",
    **extra: Any,
) -> Row:
    planted: Row = {"http_status_code": status, "timestamp": at, **extra}
    if integration is not None:
        planted["integration"] = integration
    if duration is not None:
        planted["duration"] = duration
    return planted


def stats(
    rows: Iterable[Row], group_by: Sequence[str] = ("integration",), bucket: timedelta | None = None, **limits: int
) -> StatsResult:
    accumulator = StatsAccumulator(group_by, bucket, http_error, **limits)
    for planted in rows:
        accumulator.add(planted)
    return accumulator.result()


def group(result: StatsResult, **key: str) -> GroupStats:
    (found,) = [stats for stats in result.groups if stats.key == key]
    return found


# -- groups ------------------------------------------------------------------------------------


def test_counts_errors_and_error_rate_per_group() -> None:
    rows = [row("hubspot")] * 3 + [row("hubspot", 500)] + [row("salesforce", 401)] * 2
    result = stats(rows)
    hubspot, salesforce = group(result, integration="hubspot"), group(result, integration="salesforce")
    assert (hubspot.count, hubspot.errors, hubspot.error_rate) == (4, 1, 0.25)
    assert (salesforce.count, salesforce.errors, salesforce.error_rate) == (2, 2, 1.0)


def test_total_covers_every_row() -> None:
    result = stats([row("hubspot"), row("salesforce", 500), row("zoho")])
    assert (result.total.key, result.total.count, result.total.errors) == ({}, 3, 1)


def test_groups_are_sorted_by_count_descending() -> None:
    result = stats([row("a")] + [row("b")] * 3 + [row("c")] * 2)
    assert [stats.key["integration"] for stats in result.groups] == ["b", "c", "a"]


def test_group_by_several_fields_keys_on_each_combination() -> None:
    rows = [row("hubspot", resource="contacts"), row("hubspot", resource="deals"), row("hubspot", resource="deals")]
    result = stats(rows, group_by=("integration", "resource"))
    assert group(result, integration="hubspot", resource="deals").count == 2
    assert group(result, integration="hubspot", resource="contacts").count == 1


@pytest.mark.parametrize("absent", [None, ""])
def test_missing_or_empty_field_groups_as_none(absent: str | None) -> None:
    result = stats([row(absent), row("hubspot")])
    assert group(result, integration="(none)").count == 1


def test_non_string_values_group_by_their_text() -> None:
    rows = [row(status=404), row(status=404), row(needs_reauth=True)]
    result = stats(rows, group_by=("http_status_code",))
    assert group(result, http_status_code="404").count == 2
    assert stats(rows, group_by=("needs_reauth",)).groups[-1].key == {"needs_reauth": "true"}


def test_without_group_by_only_the_total_is_reported() -> None:
    result = stats([row("a"), row("b")], group_by=())
    assert result.groups == []
    assert result.total.count == 2


def test_keys_beyond_max_groups_fold_into_other_and_are_stated() -> None:
    rows = [row("a"), row("b"), row("c", 500), row("d"), row("a")]
    result = stats(rows, max_groups=2)
    other = group(result, integration="(other)")
    assert (other.count, other.errors) == (2, 1)
    assert result.folded_rows == 2
    assert result.total.count == 5
    assert any("(other)" in note for note in result.notes)


def test_no_folding_leaves_no_notes() -> None:
    result = stats([row("a")], bucket=HOUR)
    assert (result.folded_rows, result.bucket_folded_rows, result.cell_folded_rows, result.notes) == (0, 0, 0, ())


# -- durations ---------------------------------------------------------------------------------


def test_duration_percentiles_match_planted_durations() -> None:
    rows = [row(duration=float(ms)) for ms in range(1, 1001)]
    duration = stats(rows).total.duration
    assert duration is not None
    assert duration.p50 == pytest.approx(500, rel=0.01)
    assert duration.p95 == pytest.approx(950, rel=0.01)
    assert duration.p99 == pytest.approx(990, rel=0.01)
    assert (duration.min, duration.max, duration.mean, duration.count) == (1.0, 1000.0, 500.5, 1000)


def test_fetch_duration_is_summarised_apart_from_duration() -> None:
    result = stats([row(duration=100, fetch_duration=40), row(duration=300, fetch_duration=60)])
    assert result.total.fetch_duration is not None and result.total.duration is not None
    assert (result.total.fetch_duration.min, result.total.fetch_duration.max) == (40.0, 60.0)
    assert result.total.duration.max == 300.0


def test_rows_without_duration_count_but_have_no_percentiles() -> None:
    result = stats([row("webhookish", duration=None), row("hubspot", duration=120)])
    assert group(result, integration="webhookish").duration is None
    assert group(result, integration="webhookish").count == 1
    assert result.total.fetch_duration is None
    assert result.total.duration is not None and result.total.duration.count == 1


@pytest.mark.parametrize("not_a_number", ["150", True, float("nan"), float("inf"), [150]])
def test_durations_that_are_not_finite_numbers_are_ignored(not_a_number: Any) -> None:
    result = stats([row(duration=not_a_number)])
    assert (result.total.count, result.total.duration) == (1, None)


def test_total_percentiles_equal_those_of_all_rows_merged() -> None:
    rng = random.Random(3)
    rows = [row(rng.choice("abc"), duration=rng.lognormvariate(5, 1)) for _ in range(3000)]
    grouped, ungrouped = stats(rows).total.duration, stats(rows, group_by=()).total.duration
    assert grouped is not None and ungrouped is not None
    assert grouped.model_copy(update={"mean": 0.0}) == ungrouped.model_copy(update={"mean": 0.0})
    assert grouped.mean == pytest.approx(ungrouped.mean)  # float sums in another order


def test_percentile_method_is_stated() -> None:
    assert stats([row()]).percentile_method.startswith("DDSketch, relative error 1%")


# -- time buckets ------------------------------------------------------------------------------


def test_buckets_are_aligned_to_the_utc_epoch() -> None:
    rows = [row(at="2026-05-16T06:28:27.040Z"), row(at="2026-05-16T06:59:59.999Z"), row(at="2026-05-16T07:00:00Z")]
    result = stats(rows, bucket=HOUR)
    assert [(b.start, b.count) for b in result.buckets] == [
        ("2026-05-16T06:00:00.000Z", 2),
        ("2026-05-16T07:00:00.000Z", 1),
    ]


def test_odd_bucket_sizes_align_to_the_epoch_not_to_the_first_row() -> None:
    result = stats([row(at="2026-05-16T06:28:27Z")], bucket=timedelta(minutes=7))
    start = datetime.fromisoformat(result.buckets[0].start)
    assert (start - datetime(1970, 1, 1, tzinfo=UTC)) % timedelta(minutes=7) == timedelta(0)
    assert start <= datetime(2026, 5, 16, 6, 28, 27, tzinfo=UTC) < start + timedelta(minutes=7)


def test_sub_minute_buckets_split_rows_of_the_same_minute() -> None:
    rows = [row(at="2026-05-16T06:28:10Z"), row(at="2026-05-16T06:28:40Z"), row(at="2026-05-16T06:28:20Z")]
    result = stats(rows, bucket=timedelta(seconds=30))
    assert [(b.start, b.count) for b in result.buckets] == [
        ("2026-05-16T06:28:00.000Z", 2),
        ("2026-05-16T06:28:30.000Z", 1),
    ]


def test_timestamps_with_offsets_or_without_zone_are_read_as_instants() -> None:
    rows = [row(at="2026-05-16T08:10:00+02:00"), row(at="2026-05-16T06:20:00")]
    assert [(b.start, b.count) for b in stats(rows, bucket=HOUR).buckets] == [("2026-05-16T06:00:00.000Z", 2)]


def test_buckets_are_chronological_whatever_the_arrival_order() -> None:
    rows = [row(at=f"2026-05-16T{hour:02d}:30:00Z") for hour in (9, 6, 8, 7)]
    assert [b.start[11:13] for b in stats(rows, bucket=HOUR).buckets] == ["06", "07", "08", "09"]


def test_gaps_between_buckets_come_back_as_empty_buckets() -> None:
    rows = [row(at="2026-05-16T06:30:00Z"), row(at="2026-05-16T09:30:00Z")]
    buckets = stats(rows, bucket=HOUR).buckets
    assert [b.count for b in buckets] == [1, 0, 0, 1]
    assert (buckets[1].p50, buckets[1].error_rate, buckets[1].groups) == (None, 0.0, [])


def test_buckets_carry_errors_and_duration_percentiles() -> None:
    rows = [row(status=500, duration=100), row(duration=200), row(duration=300), row(duration=400)]
    (bucket,) = stats(rows, bucket=HOUR).buckets
    assert (bucket.count, bucket.errors, bucket.error_rate) == (4, 1, 0.25)
    assert bucket.p50 == pytest.approx(200, rel=0.01)
    assert bucket.p95 == 400.0


def test_buckets_break_down_by_group_only_when_grouping() -> None:
    rows = [row("a"), row("b"), row("b", 500)]
    (grouped,) = stats(rows, bucket=HOUR).buckets
    assert [(cell.key, cell.count, cell.errors) for cell in grouped.groups] == [
        ({"integration": "b"}, 2, 1),
        ({"integration": "a"}, 1, 0),
    ]
    (plain,) = stats(rows, group_by=(), bucket=HOUR).buckets
    assert plain.groups == []


def test_without_bucket_there_is_no_series() -> None:
    assert stats([row()]).buckets == []


def test_rows_without_a_readable_timestamp_count_in_totals_but_no_bucket() -> None:
    result = stats([row(at="yesterday-ish"), row()], bucket=HOUR)
    assert (result.total.count, result.untimed_rows, sum(b.count for b in result.buckets)) == (2, 1, 1)


def test_rows_beyond_max_buckets_fold_into_the_last_kept_bucket_and_are_stated() -> None:
    rows = [row(at=f"2026-05-16T{hour:02d}:30:00Z") for hour in range(6, 11)]
    result = stats(rows, bucket=HOUR, max_buckets=3)
    assert [(b.start[11:13], b.count) for b in result.buckets] == [("06", 1), ("07", 1), ("08", 3)]
    assert result.bucket_folded_rows == 2
    assert any("last bucket" in note for note in result.notes)


def test_bucket_folding_does_not_depend_on_arrival_order() -> None:
    rows = [row(at=f"2026-05-16T{hour:02d}:30:00Z", duration=hour) for hour in (6, 7, 9, 10, 12)]
    forward = stats(rows, bucket=HOUR, max_buckets=4)
    backward = stats(rows[::-1], bucket=HOUR, max_buckets=4)
    assert forward.buckets == backward.buckets
    assert forward.bucket_folded_rows == backward.bucket_folded_rows == 2
    assert [b.count for b in forward.buckets] == [1, 1, 0, 3]


def test_group_bucket_cells_beyond_max_cells_fold_into_the_buckets_other_cell() -> None:
    rows = [row("a"), row("b"), row("c"), row("a", at="2026-05-16T07:10:00Z")]
    result = stats(rows, bucket=HOUR, max_cells=2)
    first, second = result.buckets
    assert [(cell.key["integration"], cell.count) for cell in first.groups] == [("(other)", 1), ("a", 1), ("b", 1)]
    assert [cell.key["integration"] for cell in second.groups] == ["(other)"]
    assert result.cell_folded_rows == 2
    assert first.count == 3


# -- memory bound ------------------------------------------------------------------------------


def test_footprint_stays_bounded_over_200k_rows_of_distinct_durations() -> None:
    accumulator = StatsAccumulator(("integration", "method"), None, http_error)
    spread = 600 / 200_000
    for index in range(200_000):
        accumulator.add(
            {"integration": "sf" if index % 2 else "hs", "method": "list", "duration": 10.0 ** (index * spread - 300)}
        )
    # 2 groups, each: 1 tally + a duration sketch of at most 2048 buckets (+1 for its zero bucket)
    assert accumulator.footprint() <= 2 * (1 + 2049)
    assert accumulator.result().total.count == 200_000


# -- compare -----------------------------------------------------------------------------------


def day(*spec: tuple[str, int, int, float]) -> StatsResult:
    """Rows per (integration, rows, errors, duration of every row)."""
    rows = []
    for integration, count, errors, duration in spec:
        rows += [row(integration, 500 if index < errors else 200, duration) for index in range(count)]
    return stats(rows)


def change(comparison: Comparison, integration: str) -> GroupChange:
    (found,) = [c for c in comparison.groups if c.key == {"integration": integration}]
    return found


def test_compare_flags_a_group_whose_p95_rose_more_than_25_percent() -> None:
    comparison = compare(day(("salesforce", 40, 0, 1300.0)), day(("salesforce", 40, 0, 1000.0)))
    salesforce = change(comparison, "salesforce")
    assert salesforce.flags == ("slower",)
    assert salesforce.p95_change_pct == pytest.approx(30, abs=2.5)
    assert "salesforce" in salesforce.summary and "[slower]" in salesforce.summary


def test_compare_flags_a_faster_group() -> None:
    comparison = compare(day(("hubspot", 40, 0, 500.0)), day(("hubspot", 40, 0, 1000.0)))
    assert change(comparison, "hubspot").flags == ("faster",)


def test_compare_does_not_flag_small_latency_changes() -> None:
    comparison = compare(day(("hubspot", 40, 0, 1100.0)), day(("hubspot", 40, 0, 1000.0)))
    assert change(comparison, "hubspot").flags == ()


def test_compare_needs_20_rows_on_both_sides_to_flag() -> None:
    comparison = compare(day(("salesforce", 19, 10, 3000.0)), day(("salesforce", 40, 0, 1000.0)))
    assert change(comparison, "salesforce").flags == ()


def test_compare_flags_error_rate_up_by_more_than_5_points() -> None:
    comparison = compare(day(("zoho", 100, 12, 100.0)), day(("zoho", 100, 5, 100.0)))
    zoho = change(comparison, "zoho")
    assert zoho.flags == ("error_rate_up",)
    assert zoho.error_rate_change_pts == pytest.approx(7.0)
    assert (zoho.current_error_rate, zoho.previous_error_rate) == (0.12, 0.05)


def test_compare_flags_error_rate_down() -> None:
    comparison = compare(day(("zoho", 100, 0, 100.0)), day(("zoho", 100, 10, 100.0)))
    assert change(comparison, "zoho").flags == ("error_rate_down",)


def test_compare_reports_count_change_absolute_and_percent() -> None:
    zoho = change(compare(day(("zoho", 30, 0, 1.0)), day(("zoho", 20, 0, 1.0))), "zoho")
    assert (zoho.current_count, zoho.previous_count, zoho.count_change, zoho.count_change_pct) == (30, 20, 10, 50.0)


def test_compare_handles_groups_on_one_side_only() -> None:
    comparison = compare(day(("new", 25, 0, 10.0), ("both", 5, 0, 1.0)), day(("old", 30, 3, 10.0), ("both", 5, 0, 1.0)))
    new, old = change(comparison, "new"), change(comparison, "old")
    assert (new.presence, new.previous_count, new.count_change_pct, new.flags) == ("current_only", 0, None, ("new",))
    assert (old.presence, old.current_count, old.current_error_rate, old.flags) == ("previous_only", 0, None, ("gone",))
    assert (new.error_rate_change_pts, new.p95_change_pct) == (None, None)
    assert change(comparison, "both").presence == "both"


def test_compare_lists_flagged_groups_first() -> None:
    current = day(("busy", 500, 0, 10.0), ("slow", 30, 0, 900.0))
    previous = day(("busy", 500, 0, 10.0), ("slow", 30, 0, 100.0))
    assert [c.key["integration"] for c in compare(current, previous).groups] == ["slow", "busy"]


def test_compare_totals_and_states_its_criteria() -> None:
    comparison = compare(day(("a", 30, 0, 10.0)), day(("a", 10, 0, 10.0)))
    assert (comparison.total.current_count, comparison.total.previous_count) == (30, 10)
    assert comparison.total.summary.startswith("all rows: rows 10 -> 30 (+200.0%)")
    assert "25%" in comparison.criteria and "5 points" in comparison.criteria


def test_compare_warns_when_other_groups_are_compared() -> None:
    current = stats([row("a"), row("b")], max_groups=1)
    assert any("(other)" in note for note in compare(current, stats([row("a")])).notes)


def test_compare_refuses_results_grouped_differently() -> None:
    with pytest.raises(ValueError, match="grouped by"):
        compare(stats([row()]), stats([row()]).model_copy(update={"group_by": ("resource",)}))
