"""Statistics of log rows for ``log_stats``: a streaming accumulator, its results, and a comparison of two windows."""

from truto_log_mcp.analysis.stats.accumulator import StatsAccumulator
from truto_log_mcp.analysis.stats.comparison import Comparison, GroupChange, compare
from truto_log_mcp.analysis.stats.results import (
    NONE_LABEL,
    OTHER_LABEL,
    BucketCell,
    BucketStats,
    GroupStats,
    Percentiles,
    StatsResult,
)

__all__ = [
    "NONE_LABEL",
    "OTHER_LABEL",
    "BucketCell",
    "BucketStats",
    "Comparison",
    "GroupChange",
    "GroupStats",
    "Percentiles",
    "StatsAccumulator",
    "StatsResult",
    "compare",
]
