"""A streaming quantile sketch for durations: DDSketch with a bounded number of buckets.

Why a sketch: ``log_stats`` reads up to hundreds of thousands of rows per query and must report
p50/p95/p99 per group and per time bucket without keeping the rows (memory must not grow with
rows read). Exact percentiles need every value; a sketch needs a few hundred counters.

Why DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
relative-error guarantees", VLDB 2019): its error is *relative* (a p95 of 1,200 ms is right to
within 12 ms, a p50 of 40 ms to within 0.4 ms), which is what latency questions need; it is
fully mergeable (per-group sketches add up to the total exactly as if every value had been added
to one sketch), and ``add`` is one logarithm and one dict update.

How: with ``gamma = (1 + alpha) / (1 - alpha)``, a positive value ``x`` is counted in bucket
``i = ceil(log_gamma(x))``, which covers ``(gamma**(i-1), gamma**i]``. The bucket's estimate
``2 * gamma**i / (gamma + 1)`` is within ``alpha`` relative error of every value in it. A
quantile walks the buckets in order to the bucket holding the value of the wanted rank, so the
estimate is within ``alpha`` of the true value of that rank. Zero and negative values (durations
are never negative, but a clock can be) are counted apart and reported as ``0.0``. ``min`` and
``max`` are exact, estimates are clamped to them, and the quantiles of rank 1 and n are them.

Rank definition (nearest rank): for ``n`` values sorted ascending ``x_1 <= ... <= x_n``, the
``q`` quantile is ``x_r`` with ``r = max(1, ceil(q * n))``; ``q * n`` within 1e-9 of an integer
counts as that integer, so float noise (``0.07 * 100 = 7.000000000000001``) does not move the rank.

Bounded memory: at most ``max_buckets`` (default 2048) positive buckets. When a new bucket would
exceed the bound, the *lowest* two buckets are merged (the "collapsing lowest" store of the
paper), and later values below the merged bucket land in it: the guarantee is kept for the high
quantiles that latency questions ask about and lost only for the lowest values. With
``alpha = 0.01``, 2048 buckets span a factor of about ``e**41``, so durations in milliseconds
(1 µs to 10 days is a factor of ``e**27``) never collapse in practice.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from math import ceil, log
from typing import Final

DEFAULT_ALPHA: Final = 0.01
DEFAULT_MAX_BUCKETS: Final = 2048
_RANK_EPSILON: Final = 1e-9
_NO_FLOOR: Final = -(2**62)


def nearest_rank(q: float, n: int) -> int:
    """The 1-based rank of the ``q`` quantile among ``n`` values (see the module docstring)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q!r}")
    return max(1, math.ceil(q * n - _RANK_EPSILON))


class DDSketch:
    """Relative-error quantile sketch (DDSketch, VLDB 2019) with exact count, min, max and sum."""

    __slots__ = (
        "_alpha",
        "_gamma",
        "_inv_log_gamma",
        "_max_buckets",
        "_bins",
        "_heap",
        "_floor",
        "_zero_count",
        "_count",
        "_sum",
        "_min",
        "_max",
    )

    def __init__(self, alpha: float = DEFAULT_ALPHA, max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha must be within (0, 1), got {alpha!r}")
        if max_buckets < 2:
            raise ValueError(f"max_buckets must be at least 2, got {max_buckets!r}")
        self._alpha = alpha
        self._gamma = (1.0 + alpha) / (1.0 - alpha)
        self._inv_log_gamma = 1.0 / math.log(self._gamma)
        self._max_buckets = max_buckets
        self._bins: dict[int, int] = {}
        self._heap: list[int] = []  # exactly the keys of _bins, to find the lowest in O(log n)
        self._floor = _NO_FLOOR  # after a collapse: the lowest bucket; lower values land in it
        self._zero_count = 0
        self._count = 0
        self._sum = 0.0
        self._min = math.inf
        self._max = -math.inf

    # -- reading -------------------------------------------------------------------------------

    @property
    def alpha(self) -> float:
        return self._alpha

    @property
    def count(self) -> int:
        return self._count

    @property
    def zero_count(self) -> int:
        """Values <= 0, counted apart from the buckets."""
        return self._zero_count

    @property
    def bucket_count(self) -> int:
        """Non-empty positive buckets: never more than ``max_buckets``."""
        return len(self._bins)

    @property
    def max_buckets(self) -> int:
        return self._max_buckets

    @property
    def collapsed(self) -> bool:
        """True once the lowest buckets were merged (their values lost the error guarantee)."""
        return self._floor != _NO_FLOOR

    @property
    def min(self) -> float | None:
        return self._min if self._count else None

    @property
    def max(self) -> float | None:
        return self._max if self._count else None

    @property
    def sum(self) -> float:
        return self._sum

    @property
    def mean(self) -> float | None:
        return self._sum / self._count if self._count else None

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (nearest rank), within ``alpha`` relative error; None when empty."""
        return self.quantiles((q,))[0]

    def quantiles(self, qs: Sequence[float]) -> list[float | None]:
        """Several quantiles in one walk over the buckets."""
        if not self._count:
            for q in qs:
                nearest_rank(q, 1)  # validates q
            return [None] * len(qs)
        ranks = [nearest_rank(q, self._count) for q in qs]
        order = sorted(range(len(qs)), key=ranks.__getitem__)
        found: list[float | None] = [None] * len(qs)
        walk = self._walk()
        seen, value = 0, 0.0
        for position in order:
            while seen < ranks[position]:
                seen_more, value = next(walk)
                seen += seen_more
            found[position] = self._exact_extreme(ranks[position], value)
        return found

    def _exact_extreme(self, rank: int, estimate: float) -> float:
        """Ranks 1 and n are the exact min and max (as 0.0 when not positive, like the zero bucket)."""
        if rank == 1:
            return self._min if self._min > 0 else 0.0
        if rank == self._count:
            return self._max if self._max > 0 else 0.0
        return estimate

    def _walk(self) -> Iterator[tuple[int, float]]:
        """(count, estimate) per bucket, ascending; estimates clamped to the exact min and max."""
        if self._zero_count:
            yield self._zero_count, 0.0
        low, high, gamma = self._min, self._max, self._gamma
        for index in sorted(self._bins):
            try:
                estimate = 2.0 * gamma**index / (gamma + 1.0)
            except OverflowError:  # the top bucket of values near the largest float
                estimate = high
            yield self._bins[index], min(max(estimate, low), high)

    # -- writing -------------------------------------------------------------------------------

    def add(self, x: float) -> None:
        """Count one value; ``x`` must be finite (ValueError otherwise)."""
        if x > 0:
            try:
                index = ceil(log(x) * self._inv_log_gamma)
            except OverflowError:
                raise ValueError(f"cannot add a non-finite value: {x!r}") from None
            if index < self._floor:
                index = self._floor
            bins = self._bins
            if index in bins:
                bins[index] += 1
            else:
                self._new_bucket(index)
        elif x != x or x == -math.inf:
            raise ValueError(f"cannot add a non-finite value: {x!r}")
        else:
            self._zero_count += 1
        self._count += 1
        self._sum += x
        if x < self._min:
            self._min = x
        if x > self._max:
            self._max = x

    def _new_bucket(self, index: int) -> None:
        self._bins[index] = 1
        heapq.heappush(self._heap, index)
        if len(self._bins) > self._max_buckets:
            self._collapse_lowest()

    def merge(self, other: DDSketch) -> None:
        """Add every value counted by ``other``, as if each had been added here (same alpha only)."""
        if other._gamma != self._gamma:
            raise ValueError(f"cannot merge sketches of different accuracy ({self._alpha} vs {other._alpha})")
        if not other._count:
            return
        self._floor = max(self._floor, other._floor)
        merged: dict[int, int] = {}
        for source in (self._bins, other._bins):
            for index, count in source.items():
                key = max(index, self._floor)
                merged[key] = merged.get(key, 0) + count
        self._bins = merged
        self._heap = list(merged)
        heapq.heapify(self._heap)
        while len(self._bins) > self._max_buckets:
            self._collapse_lowest()
        self._zero_count += other._zero_count
        self._count += other._count
        self._sum += other._sum
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)

    def copy(self) -> DDSketch:
        twin = DDSketch(self._alpha, self._max_buckets)
        twin.merge(self)
        return twin

    def _collapse_lowest(self) -> None:
        lowest = heapq.heappop(self._heap)
        moved = self._bins.pop(lowest)
        self._floor = self._heap[0]
        self._bins[self._floor] += moved
