"""Output models of the tools: their JSON schemas are the tools' ``outputSchema``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

StoppedBy = Literal["limit", "end", "scan_budget", "token_budget"]


class Coverage(BaseModel):
    window: str | None = Field(description="ISO 8601 interval searched; null: no time filter (all retained logs).")
    rows_scanned: int = Field(description="Upstream rows read by this call (before `match`).")
    pages: int = Field(description="Upstream pages read by this call.")
    complete: bool = Field(description="True when no rows of the query remain beyond this answer.")
    stopped_by: StoppedBy = Field(
        description="limit: `limit` rows returned; end: no more rows; scan_budget: page budget reached "
        "before `limit` rows matched; token_budget: rows left for the next page to keep the answer small."
    )


class SearchLogsResult(BaseModel):
    log_type: str
    columns: list[str] = Field(description="Column names of `rows`; the first is always `ref` (for get_log).")
    rows: list[list[Any]]
    next_cursor: str | None = Field(description="Pass as `cursor` to continue this exact query; null when done.")
    coverage: Coverage
    notes: list[str] = Field(default_factory=list, description="What the server changed or cut, stated.")


class GetLogResult(BaseModel):
    ref: str
    log_type: str
    row: dict[str, Any] = Field(description="Every field of the row (long strings and lists cut, as the text says).")


class LogTypeDescription(BaseModel):
    log_type: str
    summary: str
    filter_keys: list[str] = Field(description="Keys allowed in `filters` (sent upstream as log_type_filter).")
    status_field: str | None = Field(description="Field that `match.status` tests; null: none.")
    default_columns: list[str]
    fields: dict[str, str] = Field(description="Row field -> kind.")


class DescribeLogTypesResult(BaseModel):
    log_types: list[LogTypeDescription]
    filter_enums: dict[str, list[str]]
    rules: list[str]


class ScanCoverageModel(BaseModel):
    log_type: str
    window: str
    rows_scanned: int
    pages: int
    complete: bool = Field(description="True when every row of the window was read.")
    stopped_by: Literal["end", "row_budget", "page_budget", "time_budget"]
    unread: list[str] = Field(description="ISO intervals not read (budget stops, failures).")
    failed: list[str] = Field(description="Sub-windows that failed, with the error.")


class TopCounts(BaseModel):
    top: dict[str, int]
    distinct: int


class ErrorGroupModel(BaseModel):
    log_type: str
    key: dict[str, str | None]
    template: str
    cause: str
    count: int
    share: float
    first_seen: str | None
    last_seen: str | None
    status_codes: dict[str, int]
    integrations: TopCounts
    resources: TopCounts
    accounts: TopCounts
    example_refs: list[str] = Field(description="Refs of the newest rows of the group, for get_log.")
    sample_message: str


class LogTypeTotals(BaseModel):
    log_type: str
    rows_scanned: int
    errors: int
    error_rate: float


class SummarizeErrorsResult(BaseModel):
    window: str
    group_by: list[str]
    rows_scanned: int
    errors: int
    error_rate: float
    per_type: list[LogTypeTotals]
    groups: list[ErrorGroupModel]
    groups_total: int = Field(description="Groups before `top` was applied.")
    next_steps: dict[str, str] = Field(description="Cause class -> what to do, for the causes shown.")
    coverage: list[ScanCoverageModel]
    notes: list[str] = Field(default_factory=list)


class GroupStatsModel(BaseModel):
    key: dict[str, str]
    count: int
    errors: int
    error_rate: float
    duration: dict[str, float] | None = Field(
        description="`duration` in ms: p50, p95, p99, min, max, mean, count; null when rows carry none."
    )
    fetch_duration: dict[str, float] | None


class BucketModel(BaseModel):
    start: str
    count: int
    errors: int
    error_rate: float
    p50: float | None
    p95: float | None


class ComparisonModel(BaseModel):
    previous_window: str
    total: str = Field(description="One line: rows, error rate, p50/p95 then -> now, with flags.")
    changes: list[str] = Field(description="One line per group, flagged changes first.")
    criteria: str


class LogStatsResult(BaseModel):
    log_type: str
    window: str
    group_by: list[str]
    bucket: str | None
    total: GroupStatsModel
    groups: list[GroupStatsModel]
    buckets: list[BucketModel]
    comparison: ComparisonModel | None
    percentile_method: str
    coverage: list[ScanCoverageModel]
    notes: list[str] = Field(default_factory=list)


class EvidenceModel(BaseModel):
    text: str
    refs: list[str]


class DiagnosisModel(BaseModel):
    cause: str | None = Field(description="Cause class; null when nothing went wrong.")
    next_step: str
    summary: str
    evidence: list[EvidenceModel]
    other_causes: list[str]


TIMELINE_COLUMNS = ["time", "source", "event", "status", "resource", "num_records", "note", "error", "ref"]


class TraceSyncRunResult(BaseModel):
    sync_job_run_id: str
    sync_job_id: str | None
    integration: str | None
    integrated_account_id: str | None
    outcome: str
    started_at: str | None
    ended_at: str | None
    last_event_at: str | None
    duration_seconds: float | None
    records: int
    record_errors: int
    rate_limited_events: int
    last_event: str | None
    last_resource: str | None
    diagnosis: DiagnosisModel
    timeline: list[list[str | int | bool | None]] = Field(description="Rows of TIMELINE_COLUMNS.")
    timeline_omitted: int
    webhook_deliveries: dict[str, int] = Field(description="count, accepted, unanswered, and rejected per status.")
    cron_trigger: dict[str, str | int | bool | None]
    searched: list[str] = Field(description="Where the server looked (log type, filter, window, pages).")
    notes: list[str] = Field(default_factory=list)
