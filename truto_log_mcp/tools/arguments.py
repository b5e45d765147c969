"""The tools' arguments as typed, bounded and described once; the server's tool signatures use these.

The descriptions are what a model reads in ``tools/list``: short, and saying the rules a model
would otherwise break. Bounds stop oversized input before any work is done.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from truto_log_mcp.rules import LogTypeName

Name = Annotated[str, Field(max_length=64)]

LogTypeArg = Annotated[LogTypeName, Field()]  # its name and enum say it all
Since = Annotated[str | None, Field(max_length=20, description='Back from `end`: "30m", "24h", "7d".')]
Start = Annotated[str | int | None, Field(description='ISO 8601, "-2h", "now", epoch s/ms.')]
End = Annotated[str | int | None, Field(description="Default now.")]
Filters = Annotated[
    dict[str, str] | None,
    Field(max_length=12, description='Sent upstream, e.g. {"integration":"hubspot"}.'),
]
Match = Annotated[
    dict[str, str | int | float | bool] | None,
    Field(
        max_length=12,
        description='Applied after fetching: status ("5xx", ">=400", 429), text (substring), field=value.',
    ),
]
MaxRows = Annotated[int | None, Field(ge=100, le=200_000, description="Row budget of the scan (default 50,000).")]

# search_logs
SearchLogType = Annotated[LogTypeName | None, Field(description="Log type; required unless `cursor` is given.")]
Fields = Annotated[
    list[Name] | None, Field(max_length=40, description="Columns (default: per-type debugging columns).")
]
Limit = Annotated[int | None, Field(ge=1, le=100, description="Rows to return (default 20; a cursor: its own).")]
Cursor = Annotated[str | None, Field(max_length=64, description="`next_cursor` of an earlier result: continues it.")]

# get_log
Ref = Annotated[str, Field(min_length=1, max_length=32, description="`ref` of a row from search_logs.")]

# summarize_errors
SummaryLogType = Annotated[
    LogTypeName | None, Field(description="Log type; omitted: every type (those that take `filters`).")
]
SummaryGroupBy = Annotated[
    list[Name] | None, Field(max_length=3, description='Default ["template"]; also "cause", "status" or row fields.')
]
Top = Annotated[int, Field(ge=1, le=50, description="Groups to return.")]

# log_stats
StatsGroupBy = Annotated[list[Name] | None, Field(max_length=3, description='Row fields, e.g. ["integration"].')]
Bucket = Annotated[str | None, Field(max_length=8, description='Time buckets, e.g. "1h", "15m".')]
ComparePrevious = Annotated[bool, Field(description="Also compare with the previous window of equal length.")]

# Ids: the full id as answers print it, or a unique prefix of 8+ characters (resolved by tools/ids.py).
_Id = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
ID_ARGUMENTS = ("sync_job_run_id", "sync_job_id", "integrated_account_id")

# trace_sync_run
SyncJobRunId = Annotated[str, _Id, Field(description="Id or 8+ char prefix.")]

# list_sync_runs
SyncJobId = Annotated[str | None, _Id, Field(description="Id or prefix.")]
Integration = Annotated[str | None, Field(min_length=1, max_length=64, description='e.g. "hubspot".')]
IntegratedAccountId = Annotated[str | None, _Id, Field(description="Id or prefix.")]
RunOutcome = Annotated[
    Literal["completed", "failed", "running", "stuck", "undelivered"] | None,
    Field(description="stuck: no progress for 5 min, no end; undelivered: completed, records not all delivered."),
]
RunsLimit = Annotated[int | None, Field(ge=1, le=100, description="Runs to show (default 15).")]
TimelineHandle = Annotated[
    str, Field(min_length=1, max_length=32, description="The `timeline` handle of a result's view `_meta`.")
]
