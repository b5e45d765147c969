from __future__ import annotations

from datetime import UTC, datetime, timedelta

from truto_log_mcp.analysis.timeline import OTHER_LABEL, ErrorTimeline, bucket_size_for

START = datetime(2026, 1, 1, 10, 7, tzinfo=UTC)
END = START + timedelta(hours=3)


def row(minutes: float) -> dict[str, str]:
    return {"timestamp": (START + timedelta(minutes=minutes)).isoformat()}


def test_counts_per_bucket_and_label_are_the_planted_ones() -> None:
    timeline = ErrorTimeline(START, END, timedelta(hours=1))
    planted = {(0, "auth"): 3, (0, "rate_limit"): 1, (2, "auth"): 2}
    minute_of = {0: 10, 2: 130}
    for (bucket, label), count in planted.items():
        for _ in range(count):
            timeline.add(label, row(minute_of[bucket]))
    result = timeline.result()
    assert [bucket.start for bucket in result.buckets] == [
        START.replace(minute=0) + timedelta(hours=h) for h in range(4)
    ]
    # 10:07 + 10 min falls in 10:00; 10:07 + 130 min = 12:17 falls in 12:00 (aligned to the UTC epoch)
    assert {(i, c.label): c.count for i, b in enumerate(result.buckets) for c in b.cells} == planted
    assert [bucket.errors for bucket in result.buckets] == [4, 0, 2, 0]
    assert result.labels == ("auth", "rate_limit")


def test_rows_outside_the_window_or_without_time_are_counted_apart() -> None:
    timeline = ErrorTimeline(START, END, timedelta(hours=1))
    timeline.add("auth", row(-1))
    timeline.add("auth", row(181))
    timeline.add("auth", {"timestamp": "not a time"})
    result = timeline.result()
    assert result.untimed == 3 and sum(bucket.errors for bucket in result.buckets) == 0


def test_labels_past_the_bound_fold_into_other_and_samples_are_bounded() -> None:
    timeline = ErrorTimeline(START, END, timedelta(hours=1), max_labels=2, samples_per_cell=2)
    for label in ("a", "b", "c", "d", "c"):
        timeline.add(label, row(1), source="webhook")
    cells = {cell.label: cell for cell in timeline.result().buckets[0].cells}
    assert {label: cell.count for label, cell in cells.items()} == {"a": 1, "b": 1, OTHER_LABEL: 3}
    assert len(cells[OTHER_LABEL].rows) == 2 and cells[OTHER_LABEL].rows[0][0] == "webhook"


def test_a_nice_bucket_size_keeps_the_bars_few() -> None:
    assert bucket_size_for(timedelta(hours=24), 120) == timedelta(minutes=15)
    assert bucket_size_for(timedelta(days=30), 120) == timedelta(hours=12)
