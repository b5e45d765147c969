"""The use cases behind the analysis tools: scan, fold rows into an analysis, render the answer.

Each takes ``Services`` and validated arguments, runs ``scanner.scan_window`` (rows streamed into
a pure accumulator from ``analysis``) and returns an ``Answer``: compact text for the model and a
structured model for programs. Every answer states its coverage.
"""

from truto_log_mcp.tools.log_stats import check_bucket, log_stats
from truto_log_mcp.tools.scans import (
    ScanPlan,
    analysis_window,
    check_group_by,
    plan_scans,
    scan_budget,
)
from truto_log_mcp.tools.summarize_errors import SUMMARY_KEYS, summarize_errors
from truto_log_mcp.tools.trace_sync_run import trace_sync_run

__all__ = [
    "SUMMARY_KEYS",
    "ScanPlan",
    "analysis_window",
    "check_bucket",
    "check_group_by",
    "log_stats",
    "plan_scans",
    "scan_budget",
    "summarize_errors",
    "trace_sync_run",
]
