"""Piece and steal_cut: what a sub-window has left, and where an idle worker cuts it."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import PAGE_LIMIT_MAX
from truto_log_mcp.upstream.pieces import DOUBT, MIN_SAVING, Piece, batch_cut, cut_keeping, steal_cut

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def running(rows_per_hour: float, hours_read: float, hours_left: float) -> Piece:
    """A piece read newest first for ``hours_read`` at ``rows_per_hour``, ``hours_left`` still to read."""
    oldest = NOW - timedelta(hours=hours_read)
    piece = Piece(Window(oldest - timedelta(hours=hours_left), NOW), oldest=False, started=True)
    count = round(rows_per_hour * hours_read)
    step = timedelta(hours=hours_read) / count
    piece.oldest_seen = oldest
    piece.rows = count
    piece.note_page([NOW - step * index for index in range(1, count + 1)])  # evenly, the last one the oldest
    return piece


def test_what_is_left_is_estimated_from_the_last_page_s_density() -> None:
    piece = running(rows_per_hour=100, hours_read=1, hours_left=5)
    assert piece.rows_left() == 500


def test_no_cut_when_the_page_on_its_way_reads_what_is_left() -> None:
    assert steal_cut(running(rows_per_hour=100, hours_read=1, hours_left=0.5), arriving_in=1.0) is None


def test_a_cut_lets_both_end_together_the_running_piece_keeping_whole_pages() -> None:
    """700 rows left (500 doubted): 4 pages each way at most; the running piece keeps about 2.5 pages' worth
    of time, the thief the older rest."""
    piece = running(rows_per_hour=100, hours_read=1, hours_left=5)
    cut = steal_cut(piece, arriving_in=1.0)
    assert cut is not None
    kept_hours = (piece.oldest_seen - cut).total_seconds() / 3600 if piece.oldest_seen else 0
    assert kept_hours == round((400 - 50) / DOUBT / 100, 6)


def test_a_page_arriving_now_lets_the_running_piece_keep_one_more_page() -> None:
    piece = running(rows_per_hour=100, hours_read=1, hours_left=2)
    later, now = steal_cut(piece, arriving_in=1.0), steal_cut(piece, arriving_in=0.0)
    assert later is not None and now is not None
    assert now < later


def test_the_oldest_millisecond_seen_counts_as_unread() -> None:
    piece = running(rows_per_hour=100, hours_read=1, hours_left=5)
    unread = piece.unread()
    assert unread is not None and piece.oldest_seen is not None
    assert unread.end == piece.oldest_seen + timedelta(milliseconds=1)


def burst_page() -> Piece:
    """A quiet day (40 rows over 20 hours) then a busy hour begins (60 rows at 10 a minute) in one page;
    the piece has a day more below."""
    top = NOW - timedelta(hours=20)
    quiet = [NOW - timedelta(minutes=30 * index) for index in range(1, 41)]
    busy = [top - timedelta(seconds=6 * index) for index in range(1, 61)]
    piece = Piece(Window(NOW - timedelta(days=2), NOW), oldest=False, started=True)
    piece.oldest_seen = busy[-1]
    piece.note_page(quiet + busy)
    return piece


def test_a_page_whose_older_half_is_a_burst_says_the_burst_s_density() -> None:
    assert burst_page().density * 60 == pytest.approx(10)


def test_a_burst_is_trusted_for_48_pages_of_rows_then_the_page_s_overall_density() -> None:
    """A day at the burst's rate would be 14,000 rows: the burst is trusted for 4,800 (8 hours at 10 a
    minute), the rest of the day at the page's own rate (100 rows over its 20 hours 6 minutes)."""
    piece = burst_page()
    assert piece.oldest_seen is not None
    left_s = (piece.oldest_seen - piece.window.start).total_seconds()
    overall = 100 / (NOW - piece.oldest_seen).total_seconds()
    assert piece.rows_left() == pytest.approx(4800 + overall * (left_s - 8 * 3600), rel=0.01)


def test_a_piece_cut_off_below_the_burst_s_horizon_starts_at_the_overall_density() -> None:
    piece = burst_page()
    below = Piece(Window(piece.window.start, NOW - timedelta(hours=30)), oldest=False, started=True)  # 10 h below
    assert piece.oldest_seen is not None and piece.horizon_s is not None
    below.inherit(piece, (piece.oldest_seen - below.window.end).total_seconds())
    assert below.horizon_s is None and below.density == piece.background


def test_a_piece_without_a_page_yet_is_estimated_from_the_density_it_was_given() -> None:
    piece = Piece(Window(NOW - timedelta(hours=5), NOW), oldest=False, started=True, density=100 / 3600)
    assert piece.rows_left() == pytest.approx(500)
    assert steal_cut(piece, arriving_in=1.0) is not None


def test_no_cut_that_would_save_only_a_sliver_of_a_round() -> None:
    """93 rows left (130 doubted) and the page on its way comes in a tenth of a round: alone the piece ends
    in 1.1 rounds, cut in 1; if the page on its way reads them all, the cut would cost a whole round."""
    piece = running(rows_per_hour=100, hours_read=1, hours_left=0.93)
    assert steal_cut(piece, arriving_in=0.1) is None
    assert steal_cut(piece, arriving_in=1.0) is not None  # just asked: alone it ends a round later


def test_a_huge_estimate_is_cut_without_counting_every_round() -> None:
    """A trillion rows estimated left (a first page of 100 rows in its last millisecond said 100,000 a
    second, before such a batch counted as one row): the rounds both parts need are found at once, not
    counted up one by one, which held the event loop for seconds at every idle worker's look."""
    piece = Piece(Window(NOW - timedelta(hours=3), NOW), oldest=False, started=True, density=1e8)
    cut = steal_cut(piece, arriving_in=0.5)
    assert cut is not None
    kept = (piece.window.end - cut) / piece.window.span
    assert kept == pytest.approx(0.5, abs=1e-3)  # both parts about half of what is left


@pytest.mark.parametrize("arriving_in", [0.0, 0.1, 0.5, 0.99, 1.0])
@pytest.mark.parametrize("hours_left", [0.5, 1.3, 2, 5, 17, 40.7, 400])
def test_the_cut_is_where_counting_rounds_one_by_one_puts_it(arriving_in: float, hours_left: float) -> None:
    piece = running(rows_per_hour=100, hours_read=1, hours_left=hours_left)
    assert steal_cut(piece, arriving_in) == counted_cut(piece, arriving_in)


def counted_cut(piece: Piece, arriving_in: float) -> datetime | None:
    """``steal_cut`` as first written: the fewest rounds found by counting up from one."""
    left = piece.rows_left() * DOUBT
    if left <= PAGE_LIMIT_MAX:
        return None
    rounds = 1
    while PAGE_LIMIT_MAX * (1 + math.floor(rounds - arriving_in + 1e-9) + rounds) < left:
        rounds += 1
    kept_pages = 1 + math.floor(rounds - arriving_in + 1e-9)
    if PAGE_LIMIT_MAX * kept_pages >= left or arriving_in + math.ceil(left / PAGE_LIMIT_MAX - 1) - rounds < MIN_SAVING:
        return None
    spare = PAGE_LIMIT_MAX * (kept_pages + rounds) - left
    return cut_keeping(piece, (PAGE_LIMIT_MAX * kept_pages - spare * kept_pages / (kept_pages + rounds)) / DOUBT)


def test_a_page_of_one_batch_written_in_a_millisecond_leaves_the_estimate_as_it_was() -> None:
    """100 rows stamped alike a second below the top say nothing of the day below them."""
    piece = Piece(Window(NOW - timedelta(days=1), NOW), oldest=False, started=True)
    piece.oldest_seen = NOW - timedelta(seconds=1)
    piece.note_page([piece.oldest_seen] * 100)
    assert piece.rows_left() == 0 and steal_cut(piece, arriving_in=1.0) is None


def test_an_idle_worker_takes_all_below_a_batch_and_learns_its_density_itself() -> None:
    piece = Piece(Window(NOW - timedelta(days=1), NOW), oldest=False, started=True)
    piece.oldest_seen = NOW - timedelta(seconds=1) + timedelta(microseconds=300)
    piece.note_page([piece.oldest_seen] * 100)
    cut = batch_cut(piece)
    assert cut == NOW - timedelta(seconds=1)  # the batch's millisecond stays with the piece paging through it
    below = Piece(Window(piece.window.start, cut), oldest=False, started=True)
    piece.cut = cut
    below.inherit(piece, 0.001)
    assert below.density == 0 and batch_cut(piece) is None  # cut once


def test_rows_sharing_the_oldest_millisecond_count_as_one() -> None:
    """60 rows a minute apart over the last hour, then 40 written at once a second after the hour: the
    page's older half (minutes 51 to 60, then the batch) holds 10 stretches over 9 minutes and a second,
    not 49."""
    piece = Piece(Window(NOW - timedelta(days=1), NOW), oldest=False, started=True)
    spread = [NOW - timedelta(minutes=index) for index in range(1, 61)]
    piece.oldest_seen = NOW - timedelta(hours=1, seconds=1)
    piece.note_page(spread + [piece.oldest_seen] * 40)
    assert piece.density == pytest.approx(10 / 541)
