"""Time arguments: durations ("30m"), instants (ISO 8601, "-2h", "now", epoch s/ms), and windows.

The standard library's ``datetime.fromisoformat`` (Python 3.11+) reads every ISO 8601 form the
tools accept (``Z``, offsets, fractions, date only), so no parsing library is needed. Instants
without an offset are taken as UTC.

The one-month rule: the upstream refuses ``created_at`` windows longer than "1 month" without
saying how it counts. We count the stricter of the two readings, so no window we send can break
the rule: the window may last at most ``min(30 days, one calendar month)`` from its start, where a
calendar month from Jan 31 ends on Feb 28 (29 in leap years).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from truto_log_mcp.errors import InvalidArgument
from truto_log_mcp.rules import MAX_WINDOW_DAYS

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$", re.IGNORECASE)
_RELATIVE = re.compile(r"^\s*(?:now\s*)?-\s*(\d{1,6})\s*([smhdw])\s*$", re.IGNORECASE)
_EPOCH = re.compile(r"^\s*\d{9,13}(\.\d+)?\s*$")
_EPOCH_MS_THRESHOLD = 100_000_000_000  # 1973 in ms, year 5138 in s: bigger numbers are milliseconds
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_LONGEST_DURATION = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class Window:
    """A closed-open time window, both ends timezone-aware UTC."""

    start: datetime
    end: datetime

    @property
    def span(self) -> timedelta:
        return self.end - self.start

    def describe(self) -> str:
        return f"{iso(self.start)}/{iso(self.end)}"


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z``: the form sent upstream."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def interval_in_seconds(described: str) -> str:
    """An ISO interval (``Window.describe``) without milliseconds, as answers print it (their data keeps them)."""
    return "/".join(moment[:19] + "Z" for moment in described.split("/"))


def parse_duration(text: str, argument: str = "since") -> timedelta:
    found = _DURATION.match(text)
    if not found:
        raise InvalidArgument(
            f'`{argument}` must be a number and a unit (s, m, h, d, w), like "30m", "24h" or "7d"; got {text[:40]!r}.'
        )
    duration = timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()])
    if duration > _LONGEST_DURATION:
        raise InvalidArgument(f'`{argument}` {text[:40]!r} is longer than logs go back; use at most "3650d".')
    return duration


def parse_instant(value: str | int | float, argument: str, now: datetime) -> datetime:
    """Read one instant: ISO 8601, "now", "-2h"/"now-2h", or epoch seconds/milliseconds."""
    if isinstance(value, bool):
        raise InvalidArgument(f"`{argument}` must be a time, not a boolean.")
    if isinstance(value, int | float):
        return _from_epoch(value, argument)
    text = value.strip()
    if text.lower() == "now":
        return now
    if relative := _RELATIVE.match(text):
        return now - parse_duration(f"{relative.group(1)}{relative.group(2)}", argument)
    if _EPOCH.match(text):
        return _from_epoch(text, argument)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            f'`{argument}` is not a time I can read: {text[:60]!r}. Use ISO 8601 ("2026-11-24T18:00:00Z"), '
            'a relative time ("-2h", "now") or epoch seconds/milliseconds.'
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _within_log_dates(moment, argument)


def _within_log_dates(moment: datetime, argument: str) -> datetime:
    """Instants far outside any log (year 1, year 9999) would overflow the arithmetic on windows."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        raise InvalidArgument(
            f"`{argument}` {moment.isoformat()[:32]!r} is outside the dates logs can have "
            f"({_EARLIEST.year}..{_LATEST.year - 1})."
        )
    return utc


def _from_epoch(number: int | float | str, argument: str) -> datetime:
    try:
        # Inside the try: an integer of 400 digits (JSON allows it) does not fit a float.
        value = float(number)
        seconds = value / 1000 if value >= _EPOCH_MS_THRESHOLD else value
        return _within_log_dates(datetime.fromtimestamp(seconds, tz=UTC), argument)
    except (OverflowError, OSError, ValueError):
        raise InvalidArgument(f"`{argument}` is outside the range of dates: {_short_number(number)}.") from None


def _short_number(number: int | float | str) -> str:
    """A number as the caller sent it, cut: a huge integer is neither echoed whole nor converted to text
    (Python refuses to print integers of more than 4,300 digits)."""
    if isinstance(number, int) and not -(10**20) < number < 10**20:
        sign = "a negative" if number < 0 else "an"
        return f"{sign} integer of about {int(abs(number).bit_length() * 0.30103) + 1} digits"
    return repr(number)[:40]


def floor_ms(moment: datetime) -> datetime:
    """``moment`` to the millisecond below: the upstream's resolution (``iso``)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def add_calendar_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def latest_end(start: datetime) -> datetime:
    """The last instant a window starting at ``start`` may reach under the one-month rule."""
    return min(start + timedelta(days=MAX_WINDOW_DAYS), add_calendar_month(start))


def resolve_window(
    since: str | None,
    start: str | int | float | None,
    end: str | int | float | None,
    now: datetime,
    *,
    enforce_month: bool = True,
) -> Window | None:
    """Turn the time arguments into a window; ``None`` means no time filter at all.

    ``enforce_month=False`` is for scans that split long windows into month-sized chunks themselves.
    """
    if since is not None and start is not None:
        raise InvalidArgument(
            "Give `since` (a span back from `end`, default now) or `start` (with `end`), not both.",
            "Drop `start`, or drop `since` and give `start`/`end`.",
        )
    if since is not None:
        # `since` with `end`: the span before `end` (the schema says so), e.g. the 24h before midnight.
        until = parse_instant(end, "end", now) if end is not None else now
        window = Window(until - parse_duration(since), until)
    elif start is not None:
        window = Window(
            parse_instant(start, "start", now),
            parse_instant(end, "end", now) if end is not None else now,
        )
    elif end is not None:
        raise InvalidArgument(
            "`end` needs `start` (the upstream filters a window, never only its end).",
            'Add `start`, or use `since` like "24h".',
        )
    else:
        return None
    # The upstream reads milliseconds: check the rules on the instants that will be sent.
    window = Window(floor_ms(window.start), floor_ms(window.end))
    if window.end <= window.start:
        raise InvalidArgument(
            f"The window is empty: `end` ({iso(window.end)}) must be after `start` ({iso(window.start)})."
        )
    if enforce_month and window.end > latest_end(window.start):
        raise InvalidArgument(
            f"The window {window.describe()} is longer than the upstream's one-month limit "
            f"(at most {MAX_WINDOW_DAYS} days and one calendar month).",
            f"Narrow it: from this start the latest `end` is {iso(latest_end(window.start))} "
            '(`since` up to "28d" always fits).',
        )
    return window
