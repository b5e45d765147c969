"""What ``diagnose_run`` concludes about one sync run: facts, timeline entries, evidence and diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from truto_log_mcp.analysis.causes import Cause
from truto_log_mcp.render.table import CellText
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

RunOutcome = Literal[
    "completed",
    "failed",
    "running",
    "rate_limited",
    "stuck",
    "stopped",
    "never_started",
    "created",
    "not_found",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    time: str | None
    source: LogType
    event: str | None
    """rapid_bridge: sync_job_run_event; webhook: the webhook event; cron: "cron_trigger"."""
    status: str | None
    """rapid_bridge: the run state; webhook: the endpoint's HTTP status (or the delivery status)."""
    resource: str | None
    num_records: int | None
    note: str | None
    """Short: the error text, "retry after 30s", "endpoint answered 503", delivery flags."""
    is_error: bool
    row: Row
    """The source row (the tool layer turns it into a ref)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    rows: tuple[Row, ...]
    """The rows the statement comes from (at most ``EVIDENCE_ROWS``)."""


@dataclass(frozen=True, slots=True)
class WebhookDeliveries:
    count: int
    accepted: int
    """Deliveries that the customer's endpoint answered with 2xx."""
    rejected: tuple[tuple[int, int], ...]
    """Non-2xx endpoint status -> deliveries, most common first."""
    unanswered: int
    """Failed deliveries without an endpoint status (timeouts, connection errors)."""


@dataclass(frozen=True, slots=True)
class CronTrigger:
    found: bool
    count: int
    first_at: str | None
    needs_reauth: bool
    errors: int


@dataclass(frozen=True, slots=True)
class Diagnosis:
    cause: Cause | None
    """None when nothing went wrong (a clean completion, a run still progressing, a stopped run)."""
    next_step: str
    summary: str
    """One line: outcome, cause and where, e.g. "failed (auth) on crm/contacts: Token refresh failed: ..."."""
    evidence: tuple[Evidence, ...]
    other_causes: tuple[Cause, ...] = ()
    """Further problems the rows show beside ``cause`` (e.g. rate limiting, rejected webhook deliveries);
    their next steps are ``NEXT_STEP[c]`` and their evidence is in ``evidence``."""


class RunFacts(BaseModel):
    """What is known of one run: ``trace_sync_run`` states it as it is (its output model extends this).

    Its texts come from rows: ``CellText`` cleans and caps them when the output model is built
    (``RunDiagnosis`` is built with ``model_construct``, so the analysis keeps them as they are)."""

    sync_job_run_id: CellText | None
    sync_job_id: CellText | None
    integration: CellText | None
    integrated_account_id: CellText | None
    outcome: str
    """One of ``RunOutcome``; typed as text so the output schema in tools/list stays small."""
    started_at: CellText | None
    ended_at: CellText | None
    """The completed/failed event's time; None while the run has not ended."""
    last_event_at: CellText | None
    duration_seconds: float | None
    """From started_at to ended_at (or to the last event while the run has not ended)."""
    records: int
    record_errors: int
    rate_limited_events: int
    last_event: CellText | None
    last_resource: CellText | None
    """Where the run stopped (or is): the last event and the last resource it worked on."""


class RunDiagnosis(RunFacts):
    """A run's facts, its timeline (with the source rows, for refs) and the diagnosis.

    Built with ``model_construct`` from values the analysis computed: rows stay the very objects
    they were (the tool layer gives each row one ref), and nothing is validated twice."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    timeline: tuple[TimelineEntry, ...]
    timeline_omitted: int
    webhooks: WebhookDeliveries
    cron: CronTrigger
    diagnosis: Diagnosis


class ListedRun(RunFacts):
    """One run as ``list_sync_runs`` lists it: the facts ``trace_sync_run`` states of it (same rules), with
    ``outcome`` coarsened to the listing's classes and ``trace_sync_run``'s outcome kept as ``state``."""

    sync_job_run_id: CellText  # from row text like every fact: cleaned and capped (never None: runs are keyed by it)
    outcome: str = Field(description="completed, failed, running or stuck.")
    state: str = Field(description="trace_sync_run's outcome, e.g. rate_limited, never_started, stopped.")
    first_error: str | None = Field(description="The first record_error/failed text of the run.")
    undelivered_to: list[str] = Field(description="webhook/datastore: delivery targets its rows report failed.")
    undelivered_records: int | None = Field(description="Records of the batches reported undelivered.")


@dataclass(frozen=True, slots=True)
class ListingRest:
    """What a ``list_sync_runs`` cursor keeps: the listing's query (its arguments as given), its summary
    (window, totals, coverage: as of the first call) and the runs not yet shown, so that the next page
    needs no upstream request."""

    arguments: tuple[tuple[str, str], ...]
    summary: dict[str, Any]
    pending: tuple[dict[str, Any], ...]
    """The runs still to show, newest first, as ``ListedRun`` dumps (the cursor store sizes them)."""
    shown: int
    limit: int
