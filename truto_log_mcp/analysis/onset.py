"""When an error group began: new in the window, or already there before it (and since when).

Why a look-back: a window shows a failure's first row *in the window*, and on-call's first question
is whether it is new. ``summarize_errors`` reads the period just before the window (one window
length, at most a configured maximum) with the same filters; ``OnsetTracker`` keeps, for the groups
the answer shows, the earliest row of each seen there: one instant per group, whatever the rows.

How sure the answer is (``judge_onset``):

* no row of the group in a complete look-back: the group is new, it began at its first row in the window;
* rows in the look-back: it began before the window, at the earliest of them, unless that row lies
  near the look-back's start, within ``QUIET_GAPS`` of the group's typical gaps (window span / rows
  in the window): a failure already present then would show rows there, so it may go back further
  and the earliest row is only the latest moment it can have begun (``exact`` false);
* a look-back cut short by a budget: what it found is only "at the latest", and finding nothing
  proves nothing (``new`` None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from truto_log_mcp.analysis.grouping import ErrorGroup, ErrorSummarizer
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rows import Row, parse_row_time, row_time
from truto_log_mcp.rules import LogType

QUIET_GAPS: Final = 3
"""Typical gaps of quiet the look-back must show before a group's earliest row for that row to be its onset."""

_GroupId = tuple[LogType, tuple[str | None, ...]]


@dataclass(frozen=True, slots=True)
class Onset:
    new: bool | None
    """True: no row of the group before the window; False: rows before it; None: not known."""
    began: datetime | None
    """When the group began: its first row in the window (new) or its earliest row before it."""
    exact: bool
    """False: ``began`` is only the latest moment the group can have begun."""


def _group_id(group: ErrorGroup) -> _GroupId:
    return group.log_type, tuple(group.key.values())


class OnsetTracker:
    """The earliest look-back row of each group shown (overflow groups have no identity to look for)."""

    def __init__(self, summarizer: ErrorSummarizer, groups: Iterable[ErrorGroup]) -> None:
        self._summarizer = summarizer
        self._earliest: dict[_GroupId, datetime | None] = {
            _group_id(group): None for group in groups if not group.is_other
        }

    @property
    def log_types(self) -> tuple[LogType, ...]:
        """The log types the look-back must read: those of the groups looked for."""
        return tuple(dict.fromkeys(log_type for log_type, _ in self._earliest))

    def add(self, log_type: LogType, row: Row) -> None:
        values = self._summarizer.group_values(log_type, row)
        if values is None:
            return
        key = (log_type, values)
        if key not in self._earliest:
            return
        moment = row_time(row)
        earliest = self._earliest[key]
        if moment is not None and (earliest is None or moment < earliest):
            self._earliest[key] = moment

    def onset(self, group: ErrorGroup, window: Window, lookback: Window, complete: bool) -> Onset:
        earliest = self._earliest.get(_group_id(group))
        return judge_onset(parse_row_time(group.first_seen), group.count, window, lookback, complete, earliest)


def judge_onset(
    first_seen: datetime | None,
    count: int,
    window: Window,
    lookback: Window,
    complete: bool,
    earliest: datetime | None,
) -> Onset:
    """The onset of a group with ``count`` rows in ``window``, first at ``first_seen``, earliest at
    ``earliest`` in ``lookback`` (None: not seen there), which was read whole when ``complete``."""
    typical_gap = window.span / max(count, 1)
    if earliest is None:
        # "New" needs a quiet look-back long enough to mean it: as long as the window, or a few of the
        # group's typical gaps (a 1 h look-back says nothing of a group seen every 2 h).
        long_enough = lookback.span >= window.span or lookback.span >= typical_gap * QUIET_GAPS
        return Onset(True, first_seen, True) if complete and long_enough else Onset(None, None, False)
    quiet_before = earliest - lookback.start
    return Onset(False, earliest, complete and quiet_before >= typical_gap * QUIET_GAPS)
