"""One sub-window of a scan (``Piece``): what of it was read, how dense it proved, what is left; and
where an idle worker cuts a running one (``steal_cut``) so that both end about together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from truto_log_mcp.errors import UpstreamError
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rows import Row, row_time
from truto_log_mcp.rules import PAGE_LIMIT_MAX

EDGE = timedelta(milliseconds=1)


@dataclass(slots=True)
class Piece:
    window: Window
    """The sub-window as requested upstream (fixed: its cursor is bound to it)."""
    oldest: bool
    """The oldest sub-window of the scan: its start is the window's own (exclusive) start."""
    started: bool = False
    done: bool = False
    oldest_seen: datetime | None = None
    failure: UpstreamError | None = None
    cut: datetime | None = None
    """Set when an idle worker took over the older part: rows older than this are not this piece's."""
    rows: int = 0
    pages: int = 0
    density: float = 0.0
    """Rows per second in the stretch the last page covered (the best guess for the stretch next to it)."""
    _page_end: datetime | None = None

    @property
    def covered_start(self) -> datetime:
        return self.cut if self.cut is not None else self.window.start

    def running(self) -> bool:
        return self.started and not self.done and self.failure is None

    def wire_window(self) -> Window:
        start = self.window.start if self.oldest else self.window.start - EDGE
        return Window(start, self.window.end)

    def note_page(self, rows: list[Row]) -> None:
        """Learn the density from a page just taken: its rows over the stretch from the last page's oldest row."""
        newer = self._page_end or self.window.end
        if self.oldest_seen is None or self.oldest_seen >= newer:
            return
        span = max((newer - self.oldest_seen).total_seconds(), 0.001)
        dated = sum(1 for row in rows if row_time(row) is not None)
        self.density = dated / span
        self._page_end = self.oldest_seen

    def unread(self) -> Window | None:
        """What of this piece was not read; the oldest millisecond seen counts as unread (it may go on)."""
        if self.done:
            return None
        if self.oldest_seen is None:
            return Window(self.covered_start, self.window.end)
        end = min(floor_ms(self.oldest_seen) + EDGE, self.window.end)
        return Window(self.covered_start, end) if end > self.covered_start else None

    def read_seconds(self) -> float:
        if self.done:
            return (self.window.end - self.covered_start).total_seconds()
        if self.oldest_seen is None:
            return 0.0
        return (self.window.end - self.oldest_seen).total_seconds()

    def rows_left(self) -> float:
        """Rows still to read, estimated from the last page's density (0 when unknown or not running)."""
        if not self.running() or self.oldest_seen is None or self.density <= 0:
            return 0.0
        return self.density * max(0.0, (self.oldest_seen - self.covered_start).total_seconds())


def steal_cut(piece: Piece) -> datetime | None:
    """Where an idle worker cuts ``piece``, taking what is older; None when that would not save a round.

    The piece has its next page on the way (a worker always asks for it before reading the current
    one): that page reads about ``PAGE_LIMIT_MAX`` rows of what is left whatever happens. A cut pays
    only if more is left than that page takes. The running piece keeps whole pages' worth (its
    last one ends at the cut), about half of what is left, at least the page on the way; the new
    piece takes the rest, ending on one part page of its own.
    """
    left = piece.rows_left()
    if left <= PAGE_LIMIT_MAX or piece.oldest_seen is None:
        return None
    keep = PAGE_LIMIT_MAX * max(1, round(left / (2 * PAGE_LIMIT_MAX)))
    if keep >= left:
        return None
    cut = floor_ms(piece.oldest_seen - (piece.oldest_seen - piece.covered_start) * (keep / left))
    if cut <= piece.covered_start or cut >= floor_ms(piece.oldest_seen):
        return None
    return cut


def floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
