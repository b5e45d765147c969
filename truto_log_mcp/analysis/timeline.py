"""Errors over time, by group: the data of the error timeline view, folded from rows in bounded memory.

Buckets are aligned to the UTC epoch, like ``log_stats``' buckets, so that the same bucket size gives
the same bucket starts. Labels past ``max_labels`` fold into ``(other)``; each bucket x label cell
keeps its first ``samples_per_cell`` rows (what a view opens by ref). Memory is bounded by
``max_buckets`` x (``max_labels`` + 1) x ``samples_per_cell`` rows, whatever the window holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from truto_log_mcp.rows import Row, row_time

OTHER_LABEL: Final = "(other)"
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
NICE_SIZES: Final = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10080))
"""Bucket sizes chosen when none is asked: the smallest that cuts the window into few enough buckets."""


def bucket_size_for(span: timedelta, max_buckets: int) -> timedelta:
    """The smallest nice bucket size that cuts ``span`` into at most ``max_buckets`` buckets (+1 for alignment)."""
    for size in NICE_SIZES:
        if span / size <= max_buckets - 1:
            return size
    return NICE_SIZES[-1]


def bucket_floor(moment: datetime, size: timedelta) -> datetime:
    return EPOCH + size * ((moment - EPOCH) // size)


@dataclass(frozen=True, slots=True)
class TimelineCell:
    label: str
    count: int
    rows: tuple[tuple[str, Row], ...]
    """The cell's first rows, each with the ``source`` it was added with (e.g. its log type)."""


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    start: datetime
    errors: int
    cells: tuple[TimelineCell, ...]
    """By count descending."""


@dataclass(frozen=True, slots=True)
class Timeline:
    size: timedelta
    buckets: tuple[TimelineBucket, ...]
    labels: tuple[str, ...]
    """By errors descending (``(other)`` last)."""
    untimed: int
    """Error rows without a readable time, or outside the window (in no bucket)."""


class ErrorTimeline:
    """Counts error rows per time bucket and label; the caller says which rows are errors and their label."""

    def __init__(
        self,
        start: datetime,
        end: datetime,
        size: timedelta,
        *,
        max_labels: int = 8,
        samples_per_cell: int = 3,
    ) -> None:
        self.size = size
        self.first = bucket_floor(start, size)
        self.start, self.end = start, end
        self.count = max(1, -(-(end - self.first) // size))
        self.max_labels = max_labels
        self.samples_per_cell = samples_per_cell
        self._cells: dict[tuple[int, str], int] = Counter()
        self._samples: dict[tuple[int, str], list[tuple[str, Row]]] = {}
        self._labels: Counter[str] = Counter()
        self._untimed = 0

    def add(self, label: str, row: Row, source: str = "") -> None:
        moment = row_time(row)
        if moment is None or not self.start <= moment < self.end:
            self._untimed += 1
            return
        if label not in self._labels and len(self._labels) >= self.max_labels:
            label = OTHER_LABEL
        self._labels[label] += 1
        index = min((moment - self.first) // self.size, self.count - 1)
        key = (index, label)
        self._cells[key] += 1
        samples = self._samples.setdefault(key, [])
        if len(samples) < self.samples_per_cell:
            samples.append((source, row))

    def result(self) -> Timeline:
        per_bucket: list[list[TimelineCell]] = [[] for _ in range(self.count)]
        for (index, label), count in self._cells.items():
            per_bucket[index].append(TimelineCell(label, count, tuple(self._samples.get((index, label), ()))))
        buckets = tuple(
            TimelineBucket(
                start=self.first + self.size * index,
                errors=sum(cell.count for cell in cells),
                cells=tuple(sorted(cells, key=lambda cell: (-cell.count, cell.label))),
            )
            for index, cells in enumerate(per_bucket)
        )
        labels = sorted(self._labels, key=lambda label: (label == OTHER_LABEL, -self._labels[label], label))
        return Timeline(self.size, buckets, tuple(labels), self._untimed)
