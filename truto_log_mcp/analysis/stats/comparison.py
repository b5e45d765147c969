"""``compare``: two ``log_stats`` results side by side, group by group, with the changes flagged
that answer "is salesforce slower (or failing more) today than yesterday?" in one line per group."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal

from truto_log_mcp.analysis.stats.results import OTHER_LABEL, GroupStats, StatsResult

Presence = Literal["both", "current_only", "previous_only"]

SLOWER_P95_PCT: Final = 25.0
"""p95 up by more than this (%) flags ``slower``; down by more than 1 - 1/1.25 = 20% flags ``faster``."""
ERROR_RATE_PTS: Final = 5.0
"""Error rate up (down) by more than this many percentage points flags ``error_rate_up`` (``_down``)."""
MIN_ROWS: Final = 20
"""Flags need at least this many rows (for latency flags: rows with a duration) on both sides."""


@dataclass(frozen=True, slots=True)
class GroupChange:
    key: dict[str, str]
    presence: Presence
    current_count: int
    previous_count: int
    count_change: int
    count_change_pct: float | None
    """None when the previous count is 0."""
    current_error_rate: float | None
    """None when the group has no rows on that side (likewise below)."""
    previous_error_rate: float | None
    error_rate_change_pts: float | None
    """Percentage points (7.9% - 1.2% = +6.7)."""
    current_p50: float | None
    previous_p50: float | None
    p50_change_pct: float | None
    current_p95: float | None
    previous_p95: float | None
    p95_change_pct: float | None
    flags: tuple[str, ...]
    """Any of ``slower``, ``faster``, ``error_rate_up``, ``error_rate_down``, ``new``, ``gone``."""
    summary: str
    """One line for the reader."""


@dataclass(frozen=True, slots=True)
class Comparison:
    total: GroupChange
    groups: list[GroupChange]
    """Flagged groups first, then by the larger of the two counts, descending."""
    criteria: str
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Thresholds:
    slower_pct: float
    error_rate_pts: float
    min_rows: int


def compare(
    current: StatsResult,
    previous: StatsResult,
    *,
    slower_pct: float = SLOWER_P95_PCT,
    error_rate_pts: float = ERROR_RATE_PTS,
    min_rows: int = MIN_ROWS,
) -> Comparison:
    """Per group key present in either result: changes in volume, error rate and p50/p95 duration."""
    if current.group_by != previous.group_by:
        raise ValueError(f"cannot compare results grouped by {current.group_by} and {previous.group_by}")
    limits = _Thresholds(slower_pct, error_rate_pts, min_rows)
    before = {_key_id(stats.key): stats for stats in previous.groups}
    now = {_key_id(stats.key): stats for stats in current.groups}
    changes = [_change(now.get(key), before.get(key), limits) for key in now | before]
    changes.sort(key=_change_order)
    return Comparison(
        total=_change(current.total, previous.total, limits),
        groups=changes,
        criteria=(
            f"slower/faster: p95 duration up more than {slower_pct:g}% / down more than "
            f"{100 - 100 / (1 + slower_pct / 100):g}%; error_rate_up/down: more than {error_rate_pts:g} points; "
            f"new/gone: a group on one side only; every flag needs at least {min_rows} rows on each side "
            "that has the group (latency flags: rows with a duration)."
        ),
        notes=_comparison_notes(current, previous),
    )


def _change_order(change: GroupChange) -> tuple[bool, int, str]:
    return not change.flags, -max(change.current_count, change.previous_count), change.summary


def _key_id(key: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(key.items()))


def _change(current: GroupStats | None, previous: GroupStats | None, limits: _Thresholds) -> GroupChange:
    either = current or previous
    assert either is not None
    now_count = current.count if current else 0
    before_count = previous.count if previous else 0
    now_p50, now_p95 = _latency(current)
    before_p50, before_p95 = _latency(previous)
    rate_pts = _points(current, previous)
    p95_pct = _pct(now_p95, before_p95)
    flags = _flags(current, previous, rate_pts, p95_pct, limits)
    change = GroupChange(
        key=either.key,
        presence="both" if current and previous else "current_only" if current else "previous_only",
        current_count=now_count,
        previous_count=before_count,
        count_change=now_count - before_count,
        count_change_pct=_pct(float(now_count), float(before_count)) if previous else None,
        current_error_rate=current.error_rate if current else None,
        previous_error_rate=previous.error_rate if previous else None,
        error_rate_change_pts=rate_pts,
        current_p50=now_p50,
        previous_p50=before_p50,
        p50_change_pct=_pct(now_p50, before_p50),
        current_p95=now_p95,
        previous_p95=before_p95,
        p95_change_pct=p95_pct,
        flags=flags,
        summary="",
    )
    return _with_summary(change)


def _latency(stats: GroupStats | None) -> tuple[float | None, float | None]:
    if stats is None or stats.duration is None:
        return None, None
    return stats.duration.p50, stats.duration.p95


def _pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before * 100.0


def _points(current: GroupStats | None, previous: GroupStats | None) -> float | None:
    if current is None or previous is None:
        return None
    return (current.error_rate - previous.error_rate) * 100.0


def _flags(
    current: GroupStats | None,
    previous: GroupStats | None,
    rate_pts: float | None,
    p95_pct: float | None,
    limits: _Thresholds,
) -> tuple[str, ...]:
    if current is None or previous is None:
        lone = current or previous
        assert lone is not None
        if lone.count < limits.min_rows:
            return ()
        return ("new",) if current else ("gone",)
    flags: list[str] = []
    if p95_pct is not None and min(_timed_rows(current), _timed_rows(previous)) >= limits.min_rows:
        faster_pct = 100.0 - 100.0 / (1.0 + limits.slower_pct / 100.0)
        if p95_pct > limits.slower_pct:
            flags.append("slower")
        elif p95_pct < -faster_pct:
            flags.append("faster")
    if rate_pts is not None and min(current.count, previous.count) >= limits.min_rows:
        if rate_pts > limits.error_rate_pts:
            flags.append("error_rate_up")
        elif rate_pts < -limits.error_rate_pts:
            flags.append("error_rate_down")
    return tuple(flags)


def _timed_rows(stats: GroupStats) -> int:
    return stats.duration.count if stats.duration else 0


def _with_summary(change: GroupChange) -> GroupChange:
    return replace(change, summary=_summary(change))


def _summary(change: GroupChange) -> str:
    name = ", ".join(f"{field}={value}" for field, value in change.key.items()) or "all rows"
    if change.presence != "both":
        side = "new" if change.presence == "current_only" else "gone"
        parts = [f"{side} ({change.previous_count:,} -> {change.current_count:,} rows)"]
    else:
        parts = [f"rows {change.previous_count:,} -> {change.current_count:,}{_signed(change.count_change_pct, '%')}"]
    parts.append(f"errors {_percent(change.previous_error_rate)} -> {_percent(change.current_error_rate)}")
    if change.error_rate_change_pts is not None:
        parts[-1] += _signed(change.error_rate_change_pts, " pts")
    for name_, before, now, pct in (
        ("p50", change.previous_p50, change.current_p50, change.p50_change_pct),
        ("p95", change.previous_p95, change.current_p95, change.p95_change_pct),
    ):
        if before is not None or now is not None:
            parts.append(f"{name_} {_ms(before)} -> {_ms(now)} ms{_signed(pct, '%')}")
    flags = f" [{', '.join(change.flags)}]" if change.flags else ""
    return f"{name}: {'; '.join(parts)}{flags}"


def _signed(value: float | None, unit: str) -> str:
    return "" if value is None else f" ({value:+.1f}{unit})"


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _comparison_notes(current: StatsResult, previous: StatsResult) -> tuple[str, ...]:
    notes = []
    if current.folded_rows or previous.folded_rows:
        notes.append(f"The {OTHER_LABEL} group holds different keys on each side: its changes mean little.")
    if current.percentile_method != previous.percentile_method:
        notes.append(
            f"Percentiles were estimated differently: {current.percentile_method} vs {previous.percentile_method}."
        )
    return tuple(notes)
