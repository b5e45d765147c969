"""The scan cache: rows of time ranges already read, kept compressed, per Truto token, log type and filters.

Why answering from it is right: Truto does not change a log row once written, so the rows of a
time range that ended a while before it was read (``settle``: 5 minutes by default, for rows that
arrive late) are the rows a new read would return. What it keeps and how:

* Only what a scan read completely: the parts of a window a budget or a failure left unread are
  not kept, nor is the newest part (younger than ``settle`` when read), which is always read again.
* Keyed by the hash of the Truto token that read them (the store's namespace: a range is never
  read back under another token), the log type and the upstream filters (canonical: sorted), and
  the server's scope (base URL, redaction), so that another upstream or redaction setting sharing
  the store never reads them. Server-side ``match`` is applied after the cache and is not part
  of the key.
* A range holds every row ``start <= timestamp < end``. A read is cut into cells at fixed
  boundaries (``CHUNK_SPANS``: about 24 a window), each stored as frames of zlib-compressed JSON
  arrays of rows (about 15 x smaller than the rows' JSON); cells that touch an unread gap are
  dropped. An index per key lists the ranges held (start, end, when read, rows); a range whose
  value is gone (evicted, expired) is dropped from the index when found missing.

Layout in the ``BlobStore`` (namespace: the token's hash): the index under ``<key>``, each range
under ``<key>/<start>-<end>@<read>`` (microseconds since the epoch).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from truto_log_mcp.query.timeparse import Window, floor_ms
from truto_log_mcp.state.blobs import BlobStore
from truto_log_mcp.upstream.cache_capture import EPOCH, Capture
from truto_log_mcp.upstream.single_flight import ReadsInFlight
from truto_log_mcp.upstream.windows import ScanRequest

logger = logging.getLogger(__name__)

MAX_RANGES = 1000
"""Ranges one index lists; past this, the longest-read are forgotten."""
INDEX_ATTEMPTS = 5
"""Tries to rewrite an index that others keep rewriting (each try is two round trips to the store)."""
READ_SHARE = 4
"""One read keeps at most 1/READ_SHARE of the store (a read that compresses to more keeps nothing)."""


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _moment(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True)
class CachedRange:
    """A time range held whole: every row ``window.start <= timestamp < window.end``, as read at ``read_at``."""

    window: Window
    read_at: datetime
    rows: int

    def value_key(self, key: str) -> str:
        return f"{key}/{_micros(self.window.start)}-{_micros(self.window.end)}@{_micros(self.read_at)}"


def encode_index(ranges: Sequence[CachedRange]) -> bytes:
    listed = [[_micros(r.window.start), _micros(r.window.end), _micros(r.read_at), r.rows] for r in ranges]
    return json.dumps(listed, separators=(",", ":")).encode()


def decode_index(value: bytes | None) -> list[CachedRange]:
    """The ranges of an index value (nothing when absent or unreadable: the cache is then empty, never wrong)."""
    if not value:
        return []
    try:
        listed = json.loads(value)
        return [
            CachedRange(Window(_moment(start), _moment(end)), _moment(read), rows)
            for start, end, read, rows in listed
            if isinstance(start, int) and isinstance(end, int) and start < end
        ]
    except (ValueError, TypeError):
        logger.warning("An unreadable scan cache index was ignored.")
        return []


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the cache holds of a window: ranges to answer from (clipped to the window) and the gaps."""

    key: str
    used: list[tuple[CachedRange, Window, bytes]]
    """Each range used, the part of it inside the window (ranges never overlap here), its value."""
    gaps: list[Window]
    """What is left to read upstream, oldest first."""


def cover(
    ranges: Sequence[CachedRange], window: Window, max_gaps: int
) -> tuple[list[tuple[CachedRange, Window]], list[Window]]:
    """The ranges that answer ``window`` (each clipped to what is not yet answered) and the gaps between.

    With more than ``max_gaps`` gaps, the shortest cached parts between gaps are read again instead:
    every gap costs at least one request round.
    """
    used: list[tuple[CachedRange, Window]] = []
    frontier = window.start
    for cached in sorted(ranges, key=lambda r: (r.window.start, -_micros(r.read_at))):
        part = Window(max(cached.window.start, frontier), min(cached.window.end, window.end))
        if part.start < part.end:
            used.append((cached, part))
            frontier = part.end
    gaps = _gaps(used, window)
    while len(gaps) > max_gaps:
        # Merge the two gaps closest to each other: the cached part between them is read again.
        index = min(range(len(gaps) - 1), key=lambda i: gaps[i + 1].start - gaps[i].end)
        gaps[index : index + 2] = [Window(gaps[index].start, gaps[index + 1].end)]
    used = [item for item in used if not any(_overlap(item[1], gap) for gap in gaps)]
    return used, gaps


def _gaps(used: Sequence[tuple[CachedRange, Window]], window: Window) -> list[Window]:
    gaps = []
    frontier = window.start
    for _, part in used:
        if part.start > frontier:
            gaps.append(Window(frontier, part.start))
        frontier = part.end
    if frontier < window.end:
        gaps.append(Window(frontier, window.end))
    return gaps


class ScanCache:
    """Ranges read, in a ``BlobStore`` under each token's namespace; see the module's docstring."""

    def __init__(
        self,
        store: BlobStore,
        scope: str,
        settle: timedelta,
        ttl: timedelta,
        max_gaps: int = 3,
        check_every_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_ranges: int = MAX_RANGES,
    ) -> None:
        self.store = store
        self.scope = scope
        self.max_ranges = max_ranges
        self.settle = settle
        self.ttl = ttl
        self.max_gaps = max_gaps
        self.check_every_s = check_every_s
        """How long a token's last accepted request vouches for it: a window answered wholly from the
        cache sends no request, so a token revoked in Truto would go on reading what it read before."""
        self._clock = clock
        self._accepted: dict[str, float] = {}
        self.in_flight = ReadsInFlight()  # this process's reads in flight, for scans that overlap them to wait

    def token_checked(self, namespace: str) -> bool:
        """Whether the upstream accepted this namespace's token recently enough to answer from the cache alone."""
        accepted = self._accepted.get(namespace)
        return accepted is not None and self._clock() - accepted < self.check_every_s

    def token_accepted(self, namespace: str) -> None:
        if len(self._accepted) > 4096:  # bounded like the rate budgets: the oldest are checked again
            self._accepted.pop(next(iter(self._accepted)))
        self._accepted.pop(namespace, None)
        self._accepted[namespace] = self._clock()

    def key(self, request: ScanRequest) -> str:
        canonical = json.dumps([self.scope, request.log_type.value, sorted(request.filters)], separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]

    async def ranges(self, namespace: str, key: str, now: datetime) -> list[CachedRange]:
        """The index's ranges not yet expired."""
        return self._live(await self.store.get(namespace, key), now)

    def _live(self, index: bytes | None, now: datetime) -> list[CachedRange]:
        return [cached for cached in decode_index(index) if cached.read_at + self.ttl > now]

    async def lookup(self, namespace: str, request: ScanRequest, now: datetime) -> Lookup:
        key = self.key(request)
        ranges = await self.ranges(namespace, key, now)
        while True:
            used, gaps = cover(ranges, request.window, self.max_gaps)
            values: list[tuple[CachedRange, Window, bytes]] = []
            missing = []
            for cached, part in used:
                value = b"" if not cached.rows else await self.store.get(namespace, cached.value_key(key))
                if value is None:
                    missing.append(cached)
                else:
                    values.append((cached, part, value))
            if not missing:
                return Lookup(key, values, gaps)
            ranges = [cached for cached in ranges if cached not in missing]
            await self._forget(namespace, key, missing, now)

    def capture(self, window: Window, now: datetime) -> Capture:
        """A capture of one upstream read of ``window`` started at ``now``."""
        return Capture(window, floor_ms(now - self.settle), self.store.max_bytes // READ_SHARE)

    async def keep(
        self, namespace: str, key: str, reads: Sequence[tuple[Capture, Sequence[Window]]], now: datetime
    ) -> None:
        """Keep what each capture read whole (``unread``: its read's gaps) as ranges read ``now``."""
        added: list[CachedRange] = []
        for capture, unread in reads:
            for window, value, rows in capture.kept(unread):
                cached = CachedRange(window, now, rows)
                if rows and not await self.store.put(namespace, cached.value_key(key), value, self.ttl.total_seconds()):
                    continue
                added.append(cached)
        if not added:
            return
        kept_keys = {new.value_key(key) for new in added}
        replaced: list[CachedRange] = []

        def merged(ranges: list[CachedRange]) -> list[CachedRange]:
            replaced.clear()
            kept = []
            for cached in ranges:
                if not any(_overlap(cached.window, new.window) for new in added):
                    kept.append(cached)
                elif cached.rows and cached.value_key(key) not in kept_keys:
                    replaced.append(cached)  # read again meanwhile (a concurrent scan, merged gaps)
            listed = sorted([*kept, *added], key=lambda r: r.read_at)
            replaced.extend(cached for cached in listed[: -self.max_ranges] if cached.rows)  # forgotten: values go
            return listed[-self.max_ranges :]

        if not await self._update_index(namespace, key, now, merged):
            replaced[:] = added  # the index never listed them: let their values go
        for cached in replaced:
            await self.store.delete(namespace, cached.value_key(key))

    async def _forget(self, namespace: str, key: str, gone: Sequence[CachedRange], now: datetime) -> None:
        await self._update_index(namespace, key, now, lambda ranges: [r for r in ranges if r not in gone])

    async def _update_index(
        self, namespace: str, key: str, now: datetime, change: Callable[[list[CachedRange]], list[CachedRange]]
    ) -> bool:
        """Rewrite the index as ``change`` says, merging with writers in between: another replica (or
        scan) may have written it since it was read, and its ranges must not be lost. False when it
        kept changing (its ranges are then read again upstream by a later scan: slower, never wrong)."""
        for _ in range(INDEX_ATTEMPTS):
            held = await self.store.get(namespace, key)
            changed = encode_index(change(self._live(held, now)))
            if await self.store.put_if(namespace, key, held, changed, self.ttl.total_seconds()):
                return True
        logger.info("The scan cache's index kept changing under concurrent writers; this read was not kept.")
        return False


def _overlap(first: Window, second: Window) -> bool:
    return first.start < second.end and second.start < first.end
