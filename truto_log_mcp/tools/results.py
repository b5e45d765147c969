"""Output models of the tools: their JSON schemas are the tools' ``outputSchema``.

Strings that come from rows are typed ``Shown`` (``render.table``): cleaned and capped when a model
is built and when it is dumped, so the text written from a model and its structured content are.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from truto_log_mcp.analysis.runs.results import ListedRun, RunFacts
from truto_log_mcp.analysis.stats.results import BucketStats, GroupStats
from truto_log_mcp.render.table import LABEL_CAP, CellText, KeyText, NoteText, Shown
from truto_log_mcp.tools.scans import ScanCoverageModel


class TopCounts(BaseModel):
    top: dict[Annotated[str, Shown(LABEL_CAP)], int]
    distinct: int


class ErrorGroupModel(BaseModel):
    log_type: str
    key: dict[str, KeyText | None]
    template: KeyText
    cause: str
    count: int
    share: float
    first_seen: CellText | None
    last_seen: CellText | None
    status_codes: dict[str, int]
    integrations: TopCounts
    resources: TopCounts
    accounts: TopCounts
    ids: dict[str, TopCounts] = Field(
        default_factory=dict, description="Runs, jobs, webhooks, MCP servers of the rows, by id field (full ids)."
    )
    example_refs: list[str] = Field(description="Refs of the newest rows of the group, for get_log.")
    sample_message: NoteText
    new: bool | None = Field(
        None, description="True: no row of it in the look-back before the window; false: rows there; null: unknown."
    )
    began: str | None = Field(None, description="The minute it began (UTC, YYYY-MM-DDTHH:MM).")
    began_exact: bool = Field(
        False, description="False: `began` is the latest it can have begun (look-back cut short, or rows at its start)."
    )
    environments: dict[Annotated[str, Shown(LABEL_CAP)], int] | None = Field(
        None, description="environment_id -> rows, when the answer read more than one environment (else null)."
    )


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
    lookback: list[ScanCoverageModel] = Field(
        default_factory=list, description="What was read before the window to date the groups (empty: nothing)."
    )
    notes: list[str] = Field(default_factory=list)


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
    total: GroupStats
    groups: list[GroupStats]
    buckets: list[BucketStats]
    comparison: ComparisonModel | None
    percentile_method: str
    coverage: list[ScanCoverageModel]
    notes: list[str] = Field(default_factory=list)


class EvidenceModel(BaseModel):
    text: NoteText
    refs: list[str]


class DiagnosisModel(BaseModel):
    cause: str | None = Field(description="Cause class; null when nothing went wrong.")
    next_step: str
    summary: NoteText
    evidence: list[EvidenceModel]
    other_causes: list[str]


TIMELINE_COLUMNS = ["time", "source", "event", "status", "resource", "num_records", "note", "error", "ref"]


class TraceSyncRunResult(RunFacts):
    sync_job_run_id: str
    diagnosis: DiagnosisModel
    timeline: list[list[KeyText | int | bool | None]] = Field(description="Rows of TIMELINE_COLUMNS.")
    timeline_omitted: int
    webhook_deliveries: dict[str, int] = Field(description="count, accepted, unanswered, and rejected per status.")
    cron_trigger: dict[str, CellText | int | bool | None]
    searched: list[str] = Field(description="Where the server looked (log type, filter, window, pages).")
    notes: list[str] = Field(default_factory=list)


class ListSyncRunsResult(BaseModel):
    window: str = Field(description="The runs started in this window.")
    filters: dict[str, str]
    outcome: str | None
    as_of: str = Field(description="The moment running and stuck were judged from.")
    totals: dict[str, int] = Field(description="Runs per outcome; undelivered: completed runs also counted there.")
    matched: int = Field(description="Runs of the `outcome` asked (all runs without it).")
    offset: int = Field(description="Matched runs shown by earlier pages of this listing.")
    runs: list[ListedRun] = Field(description="Newest first.")
    next_cursor: str | None
    coverage: list[ScanCoverageModel]
    notes: list[str] = Field(default_factory=list)
