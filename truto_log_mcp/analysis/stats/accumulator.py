"""The engine of ``log_stats``: counts, error rates and duration percentiles, per group and over time.

Why streaming: the scanner hands rows over one at a time and drops them, so a query over a busy
day (hundreds of thousands of rows) must be summarised on the fly. ``StatsAccumulator.add`` keeps
only counters and quantile sketches (``sketch.DDSketch``); memory is bounded by the number of
groups and time buckets, never by the number of rows. Every bound is reported, never silent:

* Groups: the first ``max_groups`` distinct keys (in arrival order; the scanner reads newest
  first) keep their own stats; rows of further keys are counted in one ``(other)`` group
  (``folded_rows``).
* Time buckets: floors of the row's ``timestamp`` to multiples of ``bucket`` since the UTC epoch.
  At most ``max_buckets`` consecutive buckets, starting at the earliest row, are kept (gaps come
  back as empty buckets, so the series reads as a time line); rows later than that are counted
  in the last kept bucket that has rows (``bucket_folded_rows``). The tool validates the bucket
  size against the window, so this is a guard, not a feature.
* Group x bucket cells: at most ``max_cells``; rows of further cells are counted in their
  bucket's ``(other)`` cell (``cell_folded_rows``).
* Rows without a readable ``timestamp`` count in the groups and totals but in no bucket
  (``untimed_rows``).

Totals are merged from the groups (the sketches merge exactly), so each row feeds one group
sketch and, with buckets, one cell sketch. Durations are ``duration`` and ``fetch_duration``
(milliseconds) when they are finite numbers; other rows count without a duration.

"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from truto_log_mcp.analysis.sketch import DEFAULT_ALPHA, DDSketch
from truto_log_mcp.analysis.stats.results import (
    NONE_LABEL,
    OTHER_LABEL,
    BucketCell,
    BucketStats,
    GroupStats,
    Percentiles,
    StatsResult,
)
from truto_log_mcp.query.timeparse import iso
from truto_log_mcp.rows import Row, parse_row_time

GroupKey = tuple[str, ...]

DEFAULT_MAX_GROUPS: Final = 200
DEFAULT_MAX_BUCKETS: Final = 500
DEFAULT_MAX_CELLS: Final = 20_000
_MINUTE_CACHE_SIZE: Final = 4096

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_OTHER: Final[GroupKey] = ("\x00other",)  # never equal to a real key: real keys have one label per field


class _Tally:
    """Counters of one group or cell; sketches are created on the first duration."""

    __slots__ = ("count", "errors", "duration", "fetch")

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self.duration: DDSketch | None = None
        self.fetch: DDSketch | None = None

    def merge(self, other: _Tally) -> None:
        self.count += other.count
        self.errors += other.errors
        self.duration = _merge_sketch(self.duration, other.duration)
        self.fetch = _merge_sketch(self.fetch, other.fetch)


def _merge_sketch(into: DDSketch | None, other: DDSketch | None) -> DDSketch | None:
    if other is None:
        return into
    if into is None:
        return other.copy()
    into.merge(other)
    return into


def _number(value: Any) -> float | None:
    """A finite int or float (never a bool, never a numeric string)."""
    kind = type(value)
    if kind is int:
        return float(value)
    if kind is float and math.isfinite(value):
        return float(value)
    return None


def _label(value: Any) -> str:
    if value is None or value == "":
        return NONE_LABEL
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


class StatsAccumulator:
    """Feed rows with ``add``; read a ``StatsResult`` with ``result`` (as often as wanted)."""

    def __init__(
        self,
        group_by: Sequence[str],
        bucket: timedelta | None,
        is_error: Callable[[Row], bool],
        max_groups: int = DEFAULT_MAX_GROUPS,
        *,
        max_buckets: int = DEFAULT_MAX_BUCKETS,
        max_cells: int = DEFAULT_MAX_CELLS,
        alpha: float = DEFAULT_ALPHA,
    ) -> None:
        if bucket is not None and bucket <= timedelta(0):
            raise ValueError(f"bucket must be positive, got {bucket!r}")
        if max_groups < 1 or max_buckets < 1 or max_cells < 1:
            raise ValueError("max_groups, max_buckets and max_cells must be at least 1")
        self._group_by = tuple(group_by)
        self._bucket = bucket
        self._is_error = is_error
        self._max_groups = max_groups
        self._max_buckets = max_buckets
        self._max_cells = max_cells
        self._alpha = alpha
        self._groups: dict[GroupKey, _Tally] = {}
        self._other = _Tally()
        self._folded_rows = 0
        self._buckets: dict[int, dict[GroupKey, _Tally]] = {}
        self._foreign: dict[int, int] = {}  # bucket index -> rows in it that belong to a later bucket
        self._first_bucket = 0
        self._last_kept = 0
        self._cells = 0
        self._cell_folded_rows = 0
        self._untimed_rows = 0
        whole_minutes = bucket is not None and bucket % timedelta(minutes=1) == timedelta(0)
        self._minute_cache: dict[str, int] | None = {} if whole_minutes else None

    def add(self, row: Row) -> None:
        error = bool(self._is_error(row))
        duration = _number(row.get("duration"))
        key = tuple(
            [value if type(value) is str and value else _label(value) for value in map(row.get, self._group_by)]
        )
        tally = self._groups.get(key)
        if tally is None:
            key, tally = self._admit(key)
        tally.count += 1
        if error:
            tally.errors += 1
        if duration is not None:
            if tally.duration is None:
                tally.duration = DDSketch(self._alpha)
            tally.duration.add(duration)
        fetch = _number(row.get("fetch_duration"))
        if fetch is not None:
            if tally.fetch is None:
                tally.fetch = DDSketch(self._alpha)
            tally.fetch.add(fetch)
        if self._bucket is not None:
            self._add_to_bucket(row.get("timestamp"), key, error, duration)

    def _admit(self, key: GroupKey) -> tuple[GroupKey, _Tally]:
        if len(self._groups) < self._max_groups:
            tally = self._groups[key] = _Tally()
            return key, tally
        self._folded_rows += 1
        return _OTHER, self._other

    # -- time buckets --------------------------------------------------------------------------

    def _add_to_bucket(self, stamp: Any, key: GroupKey, error: bool, duration: float | None) -> None:
        index = self._bucket_index(stamp)
        if index is None:
            self._untimed_rows += 1
            return
        cells = self._buckets[self._place(index)]
        cell = cells.get(key)
        if cell is None:
            cell = self._new_cell(cells, key)
        cell.count += 1
        if error:
            cell.errors += 1
        if duration is not None:
            if cell.duration is None:
                cell.duration = DDSketch(self._alpha)
            cell.duration.add(duration)

    def _bucket_index(self, stamp: Any) -> int | None:
        """Buckets since the epoch; UTC ``...THH:MM:ss...Z`` stamps are looked up by their minute when
        the bucket is whole minutes (parsing is the costly part of a row, and rows come minutes apart)."""
        cache = self._minute_cache
        if cache is not None and type(stamp) is str and len(stamp) > 17 and stamp[16] == ":" and stamp[-1] == "Z":
            minute = stamp[:16]
            index = cache.get(minute)
            if index is None:
                index = self._parse_index(stamp)
                if index is not None:
                    if len(cache) >= _MINUTE_CACHE_SIZE:
                        cache.clear()
                    cache[minute] = index
            return index
        return self._parse_index(stamp)

    def _parse_index(self, stamp: Any) -> int | None:
        assert self._bucket is not None
        moment = parse_row_time(stamp)
        return None if moment is None else (moment - _EPOCH) // self._bucket

    def _new_cell(self, cells: dict[GroupKey, _Tally], key: GroupKey) -> _Tally:
        if self._cells >= self._max_cells:
            self._cell_folded_rows += 1
            key = _OTHER
            if key in cells:
                return cells[key]
        self._cells += 1
        cell = cells[key] = _Tally()
        return cell

    def _place(self, index: int) -> int:
        """The kept bucket that counts a row of bucket ``index`` (itself unless beyond the bound)."""
        if not self._buckets:
            self._first_bucket = self._last_kept = index
            self._buckets[index] = {}
            return index
        if index < self._first_bucket:
            self._buckets[index] = {}
            self._first_bucket = index
            self._evict_beyond_bound()
            return index
        if index - self._first_bucket >= self._max_buckets:
            self._foreign[self._last_kept] = self._foreign.get(self._last_kept, 0) + 1
            return self._last_kept
        if index not in self._buckets:
            self._buckets[index] = {}
            self._last_kept = max(self._last_kept, index)
        return index

    def _evict_beyond_bound(self) -> None:
        """After an earlier row moved the first bucket: fold buckets now beyond the bound into the last kept."""
        limit = self._first_bucket + self._max_buckets - 1
        beyond = sorted(index for index in self._buckets if index > limit)
        if not beyond:
            return
        target = max(index for index in self._buckets if index <= limit)
        for index in beyond:
            cells = self._buckets.pop(index)
            self._foreign[target] = self._foreign.get(target, 0) + sum(cell.count for cell in cells.values())
            self._foreign.pop(index, None)
            for key, cell in cells.items():
                if key in self._buckets[target]:
                    self._buckets[target][key].merge(cell)
                    self._cells -= 1
                else:
                    self._buckets[target][key] = cell
        self._last_kept = target

    # -- reading -------------------------------------------------------------------------------

    def footprint(self) -> int:
        """Counters held (groups, cells and their sketch buckets): bounded by the limits, never by rows."""
        tallies = [*self._groups.values(), *([self._other] if self._other.count else [])]
        tallies += [cell for cells in self._buckets.values() for cell in cells.values()]
        return sum(1 + _buckets_of(tally.duration) + _buckets_of(tally.fetch) for tally in tallies)

    def result(self) -> StatsResult:
        tallies = list(self._groups.items())
        if self._other.count:
            tallies.append((_OTHER, self._other))
        total = _merged_tally(tally for _, tally in tallies)
        groups = [self._group_stats(key, tally) for key, tally in tallies] if self._group_by else []
        groups.sort(key=lambda stats: (-stats.count, sorted(stats.key.items())))
        folded_buckets = sum(self._foreign.values())
        return StatsResult(
            group_by=self._group_by,
            bucket=self._bucket,
            total=self._group_stats((), total),
            groups=groups,
            buckets=self._bucket_series(),
            folded_rows=self._folded_rows,
            percentile_method=f"DDSketch, relative error {self._alpha:.0%} (min, max and mean exact)",
            bucket_folded_rows=folded_buckets,
            cell_folded_rows=self._cell_folded_rows,
            untimed_rows=self._untimed_rows,
            notes=self._notes(folded_buckets),
        )

    def _key_dict(self, key: GroupKey) -> dict[str, str]:
        if key == _OTHER:
            return dict.fromkeys(self._group_by, OTHER_LABEL)
        return dict(zip(self._group_by, key, strict=True))

    def _group_stats(self, key: GroupKey, tally: _Tally) -> GroupStats:
        return GroupStats(
            key=self._key_dict(key) if key else {},
            count=tally.count,
            errors=tally.errors,
            error_rate=_rate(tally.errors, tally.count),
            duration=_percentiles(tally.duration),
            fetch_duration=_percentiles(tally.fetch),
        )

    def _bucket_series(self) -> list[BucketStats]:
        if self._bucket is None or not self._buckets:
            return []
        last = max(self._buckets)
        return [self._bucket_stats(index) for index in range(self._first_bucket, last + 1)]

    def _bucket_stats(self, index: int) -> BucketStats:
        assert self._bucket is not None
        cells = self._buckets.get(index, {})
        total = _merged_tally(cells.values())
        p50, p95 = _p50_p95(total.duration)
        groups = [self._cell_stats(key, cell) for key, cell in cells.items()] if self._group_by else []
        groups.sort(key=lambda cell: (-cell.count, sorted(cell.key.items())))
        return BucketStats(
            start=iso(_EPOCH + self._bucket * index),
            count=total.count,
            errors=total.errors,
            error_rate=_rate(total.errors, total.count),
            p50=p50,
            p95=p95,
            groups=groups,
        )

    def _cell_stats(self, key: GroupKey, cell: _Tally) -> BucketCell:
        p50, p95 = _p50_p95(cell.duration)
        return BucketCell(
            key=self._key_dict(key),
            count=cell.count,
            errors=cell.errors,
            error_rate=_rate(cell.errors, cell.count),
            p50=p50,
            p95=p95,
        )

    def _notes(self, bucket_folded_rows: int) -> tuple[str, ...]:
        notes = []
        if self._folded_rows:
            notes.append(
                f"{self._folded_rows} rows of group keys beyond the first {self._max_groups} are counted "
                f"in the {OTHER_LABEL} group."
            )
        if bucket_folded_rows:
            notes.append(
                f"{bucket_folded_rows} rows later than the last of {self._max_buckets} buckets are counted "
                "in the last bucket; use a larger bucket."
            )
        if self._cell_folded_rows:
            notes.append(
                f"{self._cell_folded_rows} rows beyond {self._max_cells} group x bucket cells are counted in "
                f"their bucket's {OTHER_LABEL} cell."
            )
        if self._untimed_rows:
            notes.append(f"{self._untimed_rows} rows without a readable timestamp are in no bucket.")
        return tuple(notes)


def _buckets_of(sketch: DDSketch | None) -> int:
    return 0 if sketch is None else sketch.bucket_count + 1


def _merged_tally(tallies: Iterable[_Tally]) -> _Tally:
    total = _Tally()
    for tally in tallies:
        total.merge(tally)
    return total


def _rate(errors: int, count: int) -> float:
    return errors / count if count else 0.0


def _percentiles(sketch: DDSketch | None) -> Percentiles | None:
    if sketch is None or not sketch.count:
        return None
    p50, p95, p99 = sketch.quantiles((0.5, 0.95, 0.99))
    low, high, mean = sketch.min, sketch.max, sketch.mean
    assert p50 is not None and p95 is not None and p99 is not None
    assert low is not None and high is not None and mean is not None
    return Percentiles(p50=p50, p95=p95, p99=p99, min=low, max=high, mean=mean, count=sketch.count)


def _p50_p95(sketch: DDSketch | None) -> tuple[float | None, float | None]:
    if sketch is None:
        return None, None
    p50, p95 = sketch.quantiles((0.5, 0.95))
    return p50, p95
