"""Capture: a read's rows cut into aligned cells and compressed for the scan cache; decode_rows reads them back."""

from __future__ import annotations

from tests.upstream.test_scan_cache import at, row
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.upstream.cache_capture import MAX_CELLS, Capture, cell_bounds, decode_rows


def test_cells_are_aligned_and_few() -> None:
    bounds = cell_bounds(Window(at(0.5), at(24.5)))
    assert bounds[0] == at(0.5) and bounds[-1] == at(24.5)
    assert bounds[1:-1] == [at(hour) for hour in range(1, 25)]
    assert len(cell_bounds(Window(at(0), at(24 * 92)))) - 1 <= MAX_CELLS


def test_a_capture_keeps_cells_read_whole_before_the_settled_time() -> None:
    capture = Capture(Window(at(0.5), at(3)), settled_before=at(2.5), max_bytes=1 << 20)
    for hours in (0.5, 0.9, 1.0, 1.5, 2.0, 2.49, 2.5, 2.9):
        capture.add(at(hours), row(at(hours), str(hours)))
    kept = capture.kept(unread=[Window(at(1.2), at(1.3))])
    assert [(window, rows) for window, _, rows in kept] == [(Window(at(0.5), at(1)), 2), (Window(at(2), at(2.5)), 2)]
    assert decode_rows(kept[1][1]) == [row(at(2.0), "2.0"), row(at(2.49), "2.49")]


def test_a_row_without_a_time_spoils_the_capture() -> None:
    capture = Capture(Window(at(0), at(1)), settled_before=at(2), max_bytes=1 << 20)
    capture.add(at(0.5), row(at(0.5)))
    capture.add(None, {"name": "no time"})
    assert capture.spoiled and capture.kept(unread=[]) == []


def test_a_capture_over_its_byte_cap_keeps_nothing() -> None:
    capture = Capture(Window(at(0), at(1)), settled_before=at(2), max_bytes=100)
    for index in range(200):
        capture.add(at(0.5), {"timestamp": "x", "index": index, "text": f"{index * 7919:x}" * 10})
    assert capture.kept(unread=[]) == []


def test_an_unreadable_value_is_nothing() -> None:
    assert decode_rows(b"not zlib") is None
