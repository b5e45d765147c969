"""One log type's rows, held newest first, and the keyset queries ``GET /log`` runs over them.

Why a table of its own: paging must be stable and fast at benchmark volumes (hundreds of
thousands of rows), so rows are sorted once, each row gets a unique keyset position
``(timestamp, sequence)``, a time window is a contiguous slice found by bisection, and equality
filters use per-field posting lists built on first use. A query never copies or re-sorts rows.
"""

from __future__ import annotations

import gc
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from truto_log_mcp.rows import Row

Key = tuple[int, int]
"""A row's keyset position: (timestamp in epoch microseconds, sequence number)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """An aware datetime -> epoch microseconds (exact: no float rounding)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_instant(text: str) -> int:
    """ISO 8601 with ``Z`` or an offset -> epoch microseconds. ValueError for anything else."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {text!r}")
    return to_micros(moment)


def drop_empty(row: Mapping[str, Any]) -> Row:
    """The upstream omits empty fields: no nulls, empty strings, lists or objects."""
    return {key: value for key, value in row.items() if not _is_empty(value)}


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple) and len(value) == 0)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building many acyclic dicts triggers needless full collections; pause the collector."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    encoded: list[bytes]
    """Each row as compact JSON (encoded once per row and cached: pages are cheap to serve)."""
    keys: list[Key]
    """Each row's keyset position (timestamp in epoch microseconds, sequence)."""
    last_key: Key | None
    """Keyset position of the last row returned, or None when no further row matches."""


class LogTable:
    """Rows of one log type, newest first; ties keep their insertion order."""

    def __init__(self, rows: Iterable[Row]) -> None:
        stamped = [(parse_instant(row["timestamp"]), seq, row) for seq, row in enumerate(rows)]
        stamped.sort(key=lambda item: (-item[0], item[1]))
        self._rows: list[Row] = [row for _, _, row in stamped]
        self._sort_keys: list[Key] = [(-micros, seq) for micros, seq, _ in stamped]
        """Ascending in output order: (-timestamp, sequence)."""
        self._indexes: dict[str, dict[str, list[int]]] = {}
        self._encoded: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[Row]:
        """Every row, newest first (shallow copies: nested values are shared, treat them as read-only)."""
        return [dict(row) for row in self._rows]

    def page(
        self,
        *,
        window: tuple[int, int] | None,
        filters: Mapping[str, str],
        after: Key | None,
        limit: int,
    ) -> Page:
        """Rows with ``gt < timestamp < lt`` matching every ``field == value``, after ``after``."""
        start, end = 0, len(self._rows)
        if window is not None:
            gt, lt = window
            start = bisect_left(self._sort_keys, (-lt + 1, -1))
            end = bisect_left(self._sort_keys, (-gt, -1))
        if after is not None:
            start = max(start, bisect_right(self._sort_keys, (-after[0], after[1])))
        positions = self._matching(start, end, filters)
        taken: list[int] = []
        for position in positions:
            if len(taken) == limit:
                return self._page(taken, more=True)
            taken.append(position)
        return self._page(taken, more=False)

    def _page(self, positions: list[int], *, more: bool) -> Page:
        keys = [(-self._sort_keys[i][0], self._sort_keys[i][1]) for i in positions]
        return Page(
            [self._rows[i] for i in positions], [self._encode(i) for i in positions], keys, keys[-1] if more else None
        )

    def _encode(self, position: int) -> bytes:
        encoded = self._encoded.get(position)
        if encoded is None:
            encoded = json.dumps(self._rows[position], ensure_ascii=False, separators=(",", ":")).encode()
            self._encoded[position] = encoded
        return encoded

    def _matching(self, start: int, end: int, filters: Mapping[str, str]) -> Iterator[int]:
        if not filters:
            yield from range(start, max(start, end))
            return
        fields = sorted(filters, key=lambda field: len(self._postings(field, filters[field])))
        shortest = self._postings(fields[0], filters[fields[0]])
        others = [(field, filters[field]) for field in fields[1:]]
        rows = self._rows
        for i in range(bisect_left(shortest, start), len(shortest)):
            position = shortest[i]
            if position >= end:
                return
            row = rows[position]
            if all(row.get(field) == value for field, value in others):
                yield position

    def _postings(self, field: str, value: str) -> list[int]:
        index = self._indexes.get(field)
        if index is None:
            index = {}
            for position, row in enumerate(self._rows):
                found = row.get(field)
                if isinstance(found, str):
                    index.setdefault(found, []).append(position)
            self._indexes[field] = index
        return index.get(value, [])
