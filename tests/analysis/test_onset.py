"""When an error group began (``analysis.onset``): new, began at, began by, unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.analysis.error_rows import API, HOOK, api_row
from truto_log_mcp.analysis.grouping import ErrorSummarizer
from truto_log_mcp.analysis.onset import Onset, OnsetTracker, judge_onset
from truto_log_mcp.query.timeparse import Window

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(hours=24), NOW)
LOOKBACK = Window(NOW - timedelta(hours=48), NOW - timedelta(hours=24))
FIRST = NOW - timedelta(hours=20)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_group_absent_from_a_complete_look_back_is_new_since_its_first_row() -> None:
    assert judge_onset(FIRST, 48, WINDOW, LOOKBACK, True, None) == Onset(True, FIRST, True)


def test_a_quiet_look_back_shorter_than_the_group_s_gaps_proves_nothing_new() -> None:
    # 10 rows a day: a gap of 2.4 h; a quiet hour before the window says nothing.
    short = Window(NOW - timedelta(hours=25), NOW - timedelta(hours=24))
    assert judge_onset(FIRST, 10, WINDOW, short, True, None) == Onset(None, None, False)


def test_a_quiet_look_back_of_a_few_of_the_group_s_gaps_proves_it_new() -> None:
    short = Window(NOW - timedelta(hours=32), NOW - timedelta(hours=24))
    assert judge_onset(FIRST, 10, WINDOW, short, True, None) == Onset(True, FIRST, True)


def test_a_group_found_after_a_quiet_stretch_began_at_its_earliest_look_back_row() -> None:
    earliest = NOW - timedelta(hours=31, minutes=7)
    assert judge_onset(FIRST, 48, WINDOW, LOOKBACK, True, earliest) == Onset(False, earliest, True)


def test_a_group_found_near_the_look_back_start_began_by_then_at_the_latest() -> None:
    # 48 rows a day: a gap of 30 minutes; 80 minutes of quiet is less than three gaps.
    earliest = LOOKBACK.start + timedelta(minutes=80)
    assert judge_onset(FIRST, 48, WINDOW, LOOKBACK, True, earliest) == Onset(False, earliest, False)


def test_a_look_back_cut_short_dates_only_at_the_latest_and_proves_nothing_new() -> None:
    earliest = NOW - timedelta(hours=31)
    assert judge_onset(FIRST, 48, WINDOW, LOOKBACK, False, earliest) == Onset(False, earliest, False)
    assert judge_onset(FIRST, 48, WINDOW, LOOKBACK, False, None) == Onset(None, None, False)


def test_the_tracker_keeps_the_earliest_row_of_the_groups_shown_only() -> None:
    summarizer = ErrorSummarizer()
    summarizer.add(API, api_row(503, stamp(FIRST)))
    summarizer.add(HOOK, {"timestamp": stamp(FIRST), "webhook_endpoint_status": 504})
    groups = summarizer.summary(top=1).groups
    tracker = OnsetTracker(summarizer, groups)
    assert tracker.log_types == (API,)
    for hours in (30, 40, 35):
        tracker.add(API, api_row(503, stamp(NOW - timedelta(hours=hours))))
    tracker.add(API, api_row(502, stamp(NOW - timedelta(hours=47))))  # another group
    tracker.add(API, api_row(200, stamp(NOW - timedelta(hours=46))))  # no error
    onset = tracker.onset(groups[0], WINDOW, LOOKBACK, complete=True)
    # One row in the window: a typical gap of 24 h, so 8 h of quiet before the earliest proves nothing.
    assert onset == Onset(False, NOW - timedelta(hours=40), False)


def test_the_tracker_adds_nothing_to_the_summary() -> None:
    summarizer = ErrorSummarizer()
    summarizer.add(API, api_row(503, stamp(FIRST)))
    tracker = OnsetTracker(summarizer, summarizer.summary().groups)
    tracker.add(API, api_row(503, stamp(NOW - timedelta(hours=30))))
    assert summarizer.summary().rows_scanned_total == 1
    assert summarizer.summary().groups[0].count == 1
