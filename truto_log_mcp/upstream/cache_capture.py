"""What one upstream read captures for the scan cache (``Capture``): its rows cut into cells at aligned
boundaries, encoded as they stream past and compressed in frames; and how a cached value is read back
(``decode_rows``). ``scan_cache.py`` keeps the index of what is held and decides what a window finds."""

from __future__ import annotations

import json
import zlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import anyio

from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rows import Row

CHUNK_SPANS = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=4),
)
"""Cell lengths, the shortest that cuts a window into at most ``MAX_CELLS`` (aligned to the epoch)."""
MAX_CELLS = 32
FRAME_BYTES = 64 * 1024
"""Rows' JSON bytes compressed together (a frame); smaller frames compress worse, larger ones wait longer."""
BACKLOG_BYTES = 4 * 1024 * 1024
"""Frames waiting for the compressing thread past this are compressed at once (the thread lags)."""
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Where cell boundaries (and the cache's stored times) count from."""


def decode_rows(value: bytes) -> list[Row] | None:
    """The rows of a range's value; None when it is not one (the range is then read upstream again)."""
    rows: list[Row] = []
    try:
        while value:
            frame = zlib.decompressobj()
            batch = json.loads(frame.decompress(value))
            if not isinstance(batch, list) or not all(isinstance(row, dict) for row in batch):
                return None
            rows += batch
            value = frame.unused_data
    except (zlib.error, ValueError):
        return None
    return rows


def cell_bounds(window: Window) -> list[datetime]:
    """``window`` cut at the boundaries of the shortest ``CHUNK_SPANS`` cell giving at most ``MAX_CELLS``."""
    span = next((span for span in CHUNK_SPANS if window.span / span <= MAX_CELLS), CHUNK_SPANS[-1])
    first = EPOCH + span * ((window.start - EPOCH) // span + 1)
    inner = []
    moment = first
    while moment < window.end:
        inner.append(moment)
        moment += span
    return [window.start, *inner, window.end]


@dataclass(slots=True)
class _Cell:
    window: Window
    frames: list[bytes] = field(default_factory=list)
    pending: list[bytes] = field(default_factory=list)
    pending_bytes: int = 0
    rows: int = 0

    def take_frame(self) -> bytes:
        """The pending rows as one JSON array (not yet compressed); nothing pending after."""
        frame = b"[" + b",".join(self.pending) + b"]" if self.pending else b""
        self.pending, self.pending_bytes = [], 0
        return frame


class Capture:
    """The rows of one upstream read, as they stream past, compressed per cell for the cache.

    Only rows of ``window`` older than ``settled_before`` are kept; a row without a readable time,
    one that cannot be encoded, or more than ``max_bytes`` compressed spoil the capture (it keeps
    nothing: the cache is then not used for this read, and the answer is unchanged).

    Rows are encoded as they arrive (that needs the interpreter); their frames are compressed by
    ``compress_frames`` in a worker thread while the scan waits on the upstream (zlib lets go of
    the interpreter), or at once when more than ``BACKLOG_BYTES`` wait.
    """

    def __init__(self, window: Window, settled_before: datetime, max_bytes: int) -> None:
        end = min(window.end, settled_before)
        bounds = cell_bounds(Window(window.start, end)) if end > window.start else []
        self._bounds = bounds[:-1]
        self._cells = [_Cell(Window(bounds[i], bounds[i + 1])) for i in range(len(bounds) - 1)]
        self._end = end
        self._max_bytes = max_bytes
        self._bytes = 0
        self._backlog: list[tuple[_Cell, bytes]] = []
        self._backlog_bytes = 0
        self.spoiled = False

    def add(self, moment: datetime | None, row: Row) -> None:
        if self.spoiled or not self._cells:
            return
        if moment is None:
            self.spoil()
            return
        if moment < self._bounds[0] or moment >= self._end:
            return
        cell = self._cells[bisect_right(self._bounds, moment) - 1]
        try:
            encoded = _ENCODER.encode(row).encode()
        except (TypeError, ValueError, RecursionError):
            self.spoil()
            return
        cell.pending.append(encoded)
        cell.pending_bytes += len(encoded)
        cell.rows += 1
        if cell.pending_bytes >= FRAME_BYTES:
            frame = cell.take_frame()
            self._backlog.append((cell, frame))
            self._backlog_bytes += len(frame)
            if self._backlog_bytes > BACKLOG_BYTES:
                self._compress_backlog_here()

    async def compress_frames(self) -> None:
        """Compress the frames waiting, in a worker thread."""
        while self._backlog and not self.spoiled:
            cell, frame = self._backlog.pop(0)
            self._backlog_bytes -= len(frame)
            self._keep_frame(cell, await anyio.to_thread.run_sync(zlib.compress, frame))

    def _compress_backlog_here(self) -> None:
        while self._backlog and not self.spoiled:
            cell, frame = self._backlog.pop(0)
            self._backlog_bytes -= len(frame)
            self._keep_frame(cell, zlib.compress(frame))

    def _keep_frame(self, cell: _Cell, compressed: bytes) -> None:
        cell.frames.append(compressed)
        self._bytes += len(compressed)
        if self._bytes > self._max_bytes:
            self.spoil()

    def spoil(self) -> None:
        self.spoiled = True
        self._cells, self._backlog, self._backlog_bytes = [], [], 0

    def kept(self, unread: Sequence[Window]) -> list[tuple[Window, bytes, int]]:
        """Each cell read whole (touching no ``unread`` gap): its window, value and rows."""
        self._compress_backlog_here()
        kept = []
        for cell in self._cells:
            if any(gap.start < cell.window.end and cell.window.start < gap.end for gap in unread):
                continue
            if cell.pending:
                self._keep_frame(cell, zlib.compress(cell.take_frame()))
            kept.append((cell.window, b"".join(cell.frames), cell.rows))
        return [] if self.spoiled else kept
