"""The results of ``log_stats``' engine; they are also the tool's output (rounded when serialised).

Values are exact in Python (comparisons and tests use them); JSON output rounds durations to
0.1 ms and rates to four decimals, which is all a reader needs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.json_schema import SkipJsonSchema

from truto_log_mcp.render.table import KeyText

NONE_LABEL: Final = "(none)"
"""The group label of rows without the field."""
OTHER_LABEL: Final = "(other)"
"""The group label of rows folded together past a bound."""

FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)
Ms = Annotated[float, PlainSerializer(lambda value: round(value, 1), return_type=float)]
"""Milliseconds, to 0.1 ms in the output."""
Rate = Annotated[float, PlainSerializer(lambda value: round(value, 4), return_type=float)]
"""A share (0..1), to four decimals in the output."""


class Percentiles(BaseModel):
    model_config = FROZEN

    """Duration statistics in milliseconds: p50/p95/p99 estimated (see ``percentile_method``), the rest exact."""

    p50: Ms
    p95: Ms
    p99: Ms
    min: Ms
    max: Ms
    mean: Ms
    count: int


class GroupStats(BaseModel):
    model_config = FROZEN

    key: dict[str, KeyText]
    """Group field -> value (row text: cleaned and capped, ``render.table.Shown``); empty for the total."""
    count: int
    errors: int
    error_rate: Rate
    """errors / count, 0.0 when there are no rows."""
    duration: Percentiles | None = Field(description="`duration` in ms; null when rows carry none.")
    fetch_duration: Percentiles | None


class BucketCell(BaseModel):
    model_config = FROZEN

    """One group within one time bucket: kept compact (no fetch_duration, no p99)."""

    key: dict[str, str]
    count: int
    errors: int
    error_rate: Rate
    p50: float | None
    p95: float | None
    """Of ``duration``; None when no row of the cell had one."""


class BucketStats(BaseModel):
    model_config = FROZEN

    start: str
    """ISO 8601 UTC start of the bucket (buckets are aligned to the UTC epoch)."""
    count: int
    errors: int
    error_rate: Rate
    p50: float | None
    p95: float | None
    groups: SkipJsonSchema[list[BucketCell]] = Field(default_factory=list, exclude=True)
    """Per group, by count descending; empty when there is no ``group_by``. Not in the tool's output (tokens)."""


class StatsResult(BaseModel):
    model_config = FROZEN

    group_by: tuple[str, ...]
    bucket: timedelta | None
    total: GroupStats
    groups: list[GroupStats]
    """By count descending; empty when there is no ``group_by``."""
    buckets: list[BucketStats]
    """Chronological, gaps included as empty buckets; empty when there is no ``bucket``."""
    folded_rows: int
    """Rows of group keys beyond ``max_groups``, counted in the ``(other)`` group."""
    percentile_method: str
    bucket_folded_rows: int = 0
    """Rows later than the last of ``max_buckets`` buckets, counted in the last kept bucket."""
    cell_folded_rows: int = 0
    """Rows of group x bucket cells beyond ``max_cells``, counted in their bucket's ``(other)`` cell."""
    untimed_rows: int = 0
    """Rows without a readable ``timestamp`` (in the totals and groups, in no bucket)."""
    notes: tuple[str, ...] = ()
    """One sentence per bound that was reached, for the reader."""
