"""One sub-window of a scan (``Piece``): what of it was read, how dense it proved, what is left; and
where an idle worker cuts a running one (``steal_cut``) so that both end about together."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from truto_log_mcp.errors import UpstreamError
from truto_log_mcp.query.timeparse import Window, floor_ms
from truto_log_mcp.rules import PAGE_LIMIT_MAX

EDGE = timedelta(milliseconds=1)
_HALF_PAGE = PAGE_LIMIT_MAX // 2
MIN_SAVING = 0.5
"""The share of a round a cut must save, at the doubted estimate: near the end of a scan a cut that saves a
tenth of a round, when the estimate was high and the page on its way reads what is left, costs a round."""
BURST = 4.0
"""A page whose older half is this many times denser than the page as a whole saw a burst begin."""
BURST_PAGES = 48
"""How many pages of a burst's rows it is trusted to go on for (six rounds of eight workers): past that,
the page's overall density. Trusting it further sends the cuts below a short burst, into quiet hours."""
DOUBT = 1.4
"""How much more may be left than one page's density says: a cut that proves needless costs one
request, a piece that proves longer than guessed costs every worker a round."""


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
    asked_at: float = 0.0
    """When the page on the way was asked for (``anyio.current_time()``)."""
    density: float = 0.0
    """Rows per second next to what is left: learnt from the last page, or, before a piece cut off a running
    one has its first page, the density of the piece it was cut from."""
    horizon_s: float | None = None
    """When the last page saw a burst begin: how far below ``top`` (seconds) ``density`` is trusted to
    hold; ``background`` beyond. None: all the way."""
    background: float = 0.0
    batch_at: datetime | None = None
    """When the last page was mostly rows of one millisecond (a batch written at once): that millisecond.
    No cut can split it and it says nothing of what lies below: an idle worker takes all that (``batch_cut``)."""
    _page_end: datetime | None = None

    @property
    def top(self) -> datetime:
        """Below this moment nothing of the piece was read yet."""
        return self.oldest_seen if self.oldest_seen is not None else self.window.end

    @property
    def covered_start(self) -> datetime:
        return self.cut if self.cut is not None else self.window.start

    def running(self) -> bool:
        return self.started and not self.done and self.failure is None

    def wire_window(self) -> Window:
        start = self.window.start if self.oldest else self.window.start - EDGE
        return Window(start, self.window.end)

    def note_page(self, moments: list[datetime]) -> None:
        """Learn the density from a page just taken, ``moments`` the times of its rows (those with one).

        A page holding at least half a full page's rows says how dense its older half is: that half lies next
        to what is left, and a burst begins inside a page as often as not (a quiet day then a busy hour:
        the page's whole stretch would say "quiet"). A page with few rows says only its whole stretch,
        from the last page's oldest row. Rows sharing the oldest millisecond count as one, and a page
        that is mostly such a batch leaves the estimate as it was and marks the piece ``batch_at``: a
        batch written at once says nothing of the time below it, and no cut can split its millisecond
        (taken as 100 rows in 1 ms, it sent idle workers to cut quiet hours into dozens of needless
        requests)."""
        newer = self._page_end or self.window.end
        if self.oldest_seen is None or self.oldest_seen >= newer:
            return
        self._page_end = self.oldest_seen
        dated = sorted(moments, reverse=True)
        batch = sum(1 for moment in dated if floor_ms(moment) == floor_ms(self.oldest_seen))
        self.batch_at = floor_ms(self.oldest_seen) if batch * 2 > len(dated) else None
        if self.batch_at is not None:
            return  # the estimate it had stands
        whole = (len(dated) - max(0, batch - 1)) / max((newer - self.oldest_seen).total_seconds(), 0.001)
        self.density, self.horizon_s = whole, None
        older = dated[len(dated) // 2 :]
        if len(dated) < _HALF_PAGE or len(older) <= batch:
            return
        self.density = (len(older) - max(1, batch)) / max((older[0] - older[-1]).total_seconds(), 0.001)
        if self.density > BURST * whole:
            self.horizon_s, self.background = BURST_PAGES * PAGE_LIMIT_MAX / self.density, whole

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
        """Rows still to read, estimated from the density (0 when unknown or not running)."""
        if not self.running() or self.density <= 0:
            return 0.0
        return self.rows_within(max(0.0, (self.top - self.covered_start).total_seconds()))

    def rows_within(self, seconds: float) -> float:
        """The rows estimated in the ``seconds`` below ``top``."""
        if self.horizon_s is None or seconds <= self.horizon_s:
            return self.density * seconds
        return self.density * self.horizon_s + self.background * (seconds - self.horizon_s)

    def seconds_holding(self, rows: float) -> float | None:
        """How far below ``top`` about ``rows`` rows are estimated to lie (None: not within any distance)."""
        if self.horizon_s is None or rows <= self.density * self.horizon_s:
            return rows / self.density
        if self.background <= 0:
            return None
        return self.horizon_s + (rows - self.density * self.horizon_s) / self.background

    def inherit(self, parent: Piece, below_s: float) -> None:
        """Take the estimate of ``parent`` for a piece starting ``below_s`` seconds below its top."""
        if parent.batch_at is not None:
            return  # below a batch nothing is known: the piece's first page will say
        if parent.horizon_s is None or below_s < parent.horizon_s:
            self.density, self.background = parent.density, parent.background
            self.horizon_s = None if parent.horizon_s is None else parent.horizon_s - below_s
        else:
            self.density, self.horizon_s = parent.background, None


def steal_cut(piece: Piece, arriving_in: float) -> datetime | None:
    """Where an idle worker cuts ``piece``, taking what is older; None when that would not save a round.

    The piece has its next page on the way (a worker asks for it before reading the current one),
    due in ``arriving_in`` rounds (0 to 1): that page reads its ``PAGE_LIMIT_MAX`` rows of what is
    left whatever happens. The thief's first page takes a whole round. So in ``rounds`` rounds
    from now the piece can read ``1 + floor(rounds - arriving_in)`` pages and the thief
    ``rounds``: take the fewest rounds in which both together read what is left (taken as
    ``DOUBT`` times the estimate), give the running piece whole pages' worth (its last one ends at
    the cut) less its share of the room to spare, and the thief the rest. No cut unless it ends the
    piece at least ``MIN_SAVING`` of a round sooner than reading on alone would.
    """
    left = piece.rows_left() * DOUBT
    if left <= PAGE_LIMIT_MAX:
        return None
    # Both read at most 2 * rounds + 1 - arriving_in pages: no fewer rounds can do, and counting up from
    # one would hold the event loop for seconds on an estimate of millions of pages (a page in one ms).
    rounds = max(1, math.floor((left / PAGE_LIMIT_MAX - 1 + arriving_in) / 2))
    while True:
        kept_pages = 1 + math.floor(rounds - arriving_in + 1e-9)
        if PAGE_LIMIT_MAX * (kept_pages + rounds) >= left:
            break
        rounds += 1
    if PAGE_LIMIT_MAX * kept_pages >= left:
        return None  # the running piece alone ends as soon
    alone = arriving_in + math.ceil(left / PAGE_LIMIT_MAX - 1)
    if alone - rounds < MIN_SAVING:
        return None  # not worth it: a cut that proves needless ends the scan a round late
    spare = PAGE_LIMIT_MAX * (kept_pages + rounds) - left
    return cut_keeping(piece, (PAGE_LIMIT_MAX * kept_pages - spare * kept_pages / (kept_pages + rounds)) / DOUBT)


def batch_cut(piece: Piece) -> datetime | None:
    """Where an idle worker cuts a piece paging through a batch written in one millisecond: right below
    it, taking all that is older (its pages would otherwise wait for the batch's, one a round)."""
    if not piece.running() or piece.batch_at is None or piece.batch_at <= piece.covered_start:
        return None
    return piece.batch_at


def cut_keeping(piece: Piece, keep: float) -> datetime | None:
    """The moment past which about ``keep`` rows of what is left lie (None when no cut falls inside)."""
    left = piece.rows_left()
    below_s = piece.seconds_holding(keep) if 0 < keep < left else None
    if below_s is None:
        return None
    cut = floor_ms(piece.top - timedelta(seconds=below_s))
    if cut <= piece.covered_start or cut >= floor_ms(piece.top):
        return None
    return cut
