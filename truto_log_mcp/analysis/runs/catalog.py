"""The engine of ``list_sync_runs``: the rapid_bridge rows of a window folded into one tally per run.

Why a tally and not the rows: a window holds thousands of runs and each run dozens of rows. A
``RunTally`` is fixed-size (counts, small sets of event names and states, and the few rows the rules
read, cut down to the fields they read), so memory grows with runs, never with rows. A tally is a
``facts.RunView``: its outcome, records, deliveries and times come from ``facts``' rules, the ones
``trace_sync_run`` applies to every row of a run, so the two tools agree on every run.

Which runs a window lists: those that started in it (their start event, ``started`` else
``created``, inside it). The caller may read rows past the window's end, so that runs started near
it show how they ended; runs seen only by later events began before the window and are counted
apart, not listed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from truto_log_mcp.analysis.runs.facts import (
    Batches,
    OrderKey,
    cap_note,
    event_of,
    failed_targets,
    is_terminal,
    order_key,
    run_facts,
    text_field,
    undelivered_of,
)
from truto_log_mcp.analysis.runs.results import ListedRun, RunOutcome
from truto_log_mcp.analysis.templates import error_text
from truto_log_mcp.rows import Row, parse_row_time
from truto_log_mcp.rules import LogType

STUCK_AFTER: Final = timedelta(minutes=5)
"""No end event and no progress for longer than this: stuck (DOMAIN.md)."""
MAX_RUNS: Final = 20_000
"""Runs one catalog tallies at most (a tally is about 3 KB: 60 MB at most); rows of further runs are
counted, not tallied, and the listing says it is partial."""
ERROR_CAP: Final = 100
"""Characters of a run's first error in the listing."""
_SET_CAP: Final = 32
"""Distinct event names or states kept per run (Truto has 9 and 6): bounds a run's memory whatever the rows say."""
_RULE_FIELDS: Final = (
    "timestamp",
    "sync_job_run_event",
    "status",
    "num_records",
    "retry_after",
    "webhook_successful",
    "datastore_successful",
    "resource",
)
"""What ``facts``' rules read of a run's start, last and end rows: the rest of a row is not kept."""
_ID_FIELDS: Final = ("sync_job_id", "integration", "integrated_account_id")

COARSE: Final[dict[RunOutcome, str]] = {
    "completed": "completed",
    "failed": "failed",
    "stopped": "failed",
    "running": "running",
    "rate_limited": "running",
    "created": "running",
    "unknown": "running",
    "stuck": "stuck",
    "never_started": "stuck",
}
"""``trace_sync_run``'s outcome (a listed run's ``state``) -> the listing's outcome class. A stopped run
did not complete; a run only created more than the threshold ago is stuck before it started."""
OUTCOMES: Final = ("completed", "failed", "running", "stuck")


def _slim(row: Row) -> Row:
    return {name: row[name] for name in _RULE_FIELDS if name in row}


def _is_run_error(row: Row) -> bool:
    """An error of the run itself; records fetched but not delivered are the delivery column's."""
    return event_of(row) in ("record_error", "failed") or row.get("status") == "failed"


@dataclass(slots=True)
class RunTally:
    """One run folded from its rows in any order (a ``facts.RunView``)."""

    run_id: str
    now: datetime
    stuck_after: timedelta = STUCK_AFTER
    events: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    last: Row | None = None
    terminal: Row | None = None
    batches: Batches = Batches()
    failed_targets: frozenset[str] = frozenset()
    record_errors: int = 0
    rate_limited_events: int = 0
    first_error: str | None = None
    _first: dict[str, tuple[OrderKey, Row]] = field(default_factory=dict)
    """``started``, ``created`` and ``any``: the first such row (slim) with its order key."""
    _keys: dict[str, OrderKey] = field(default_factory=dict)
    """The order keys of ``last``, ``terminal``, ``resource`` and ``first_error``."""
    _resource: str | None = None
    _ids: dict[str, tuple[OrderKey, str]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        key, event = order_key(row), event_of(row)
        status = text_field(row, "status")
        if event is not None and len(self.events) < _SET_CAP:
            self.events.add(event)
        if status is not None and len(self.statuses) < _SET_CAP:
            self.statuses.add(status)
        slim = _slim(row)
        # Ties keep the later row for "last" and the earlier for "first", as a stable sort of the rows would.
        if self._later("last", key):
            self.last = slim
        if is_terminal(row) and self._later("terminal", key):
            self.terminal = slim
        for kind in ("any", event):
            if kind in ("any", "started", "created") and (kind not in self._first or key < self._first[kind][0]):
                self._first[kind] = (key, slim)
        if event == "record":
            self.batches = self.batches.plus(row)
        self.record_errors += event == "record_error"
        self.rate_limited_events += event == "rate_limited"
        self.failed_targets |= failed_targets(row)
        if (resource := text_field(row, "resource")) is not None and self._later("resource", key):
            self._resource = resource
        if _is_run_error(row) and ("first_error" not in self._keys or key < self._keys["first_error"]):
            self._keys["first_error"] = key
            self.first_error = cap_note(error_text(LogType.RAPID_BRIDGE, row), ERROR_CAP)
        for name in _ID_FIELDS:
            value = text_field(row, name)
            if value is not None and (name not in self._ids or key < self._ids[name][0]):
                self._ids[name] = (key, value)

    def _later(self, what: str, key: OrderKey) -> bool:
        if what in self._keys and key < self._keys[what]:
            return False
        self._keys[what] = key
        return True

    @property
    def start(self) -> Row | None:
        for kind in ("started", "created", "any"):
            if kind in self._first:
                return self._first[kind][1]
        return None

    @property
    def began_here(self) -> bool:
        """Whether its start event was seen (else the run began before the rows read)."""
        return "started" in self._first or "created" in self._first

    @property
    def idle(self) -> timedelta | None:
        moment = parse_row_time(self.last.get("timestamp")) if self.last is not None else None
        return None if moment is None else self.now - moment

    @property
    def last_resource(self) -> str | None:
        return self._resource

    def id_field(self, name: str) -> str | None:
        """The first value of an id field (``sync_job_id``, ``integration``, ``integrated_account_id``)."""
        found = self._ids.get(name)
        return found[1] if found is not None else None

    def listed(self) -> ListedRun:
        facts = run_facts(self)
        undelivered = undelivered_of(self)
        return ListedRun(
            sync_job_run_id=self.run_id,
            sync_job_id=self.id_field("sync_job_id"),
            integration=self.id_field("integration"),
            integrated_account_id=self.id_field("integrated_account_id"),
            **{**facts, "outcome": COARSE[facts["outcome"]]},
            state=facts["outcome"],
            first_error=self.first_error,
            undelivered_to=list(undelivered.targets) if undelivered else [],
            undelivered_records=undelivered.records if undelivered else None,
        )


@dataclass(frozen=True, slots=True)
class Listing:
    """The runs that started in a window, newest first, and what the rows read said beside them."""

    runs: list[ListedRun]
    began_before: int
    """Runs seen only by events after their start: they began before the window (not listed)."""
    began_after: int
    """Runs that started after the window's end (seen in rows read past it; not listed)."""
    rows: int
    rows_without_run: int
    rows_not_tallied: int
    """Rows of runs beyond ``MAX_RUNS`` (counted, not tallied): the listing is then partial."""

    def totals(self) -> dict[str, int]:
        """Runs per outcome class, and ``undelivered``: completed runs whose records were not all delivered."""
        counts = Counter(run.outcome for run in self.runs)
        totals = {outcome: counts[outcome] for outcome in OUTCOMES}
        totals["undelivered"] = sum(1 for run in self.runs if is_undelivered(run))
        return totals


def is_undelivered(run: ListedRun) -> bool:
    return run.outcome == "completed" and bool(run.undelivered_to)


def select(runs: list[ListedRun], outcome: str | None) -> list[ListedRun]:
    """The runs of one outcome class (``undelivered``: completed runs whose delivery failed); None: all."""
    if outcome is None:
        return runs
    if outcome == "undelivered":
        return [run for run in runs if is_undelivered(run)]
    return [run for run in runs if run.outcome == outcome]


class RunCatalog:
    """A row sink: each rapid_bridge row into its run's tally (at most ``max_runs`` runs)."""

    def __init__(self, now: datetime, stuck_after: timedelta = STUCK_AFTER, max_runs: int = MAX_RUNS) -> None:
        self.now = now
        self.stuck_after = stuck_after
        self.max_runs = max_runs
        self.tallies: dict[str, RunTally] = {}
        self.rows = 0
        self.rows_without_run = 0
        self.rows_not_tallied = 0

    def __call__(self, row: Row) -> None:
        self.rows += 1
        run_id = text_field(row, "sync_job_run_id")
        if run_id is None:
            self.rows_without_run += 1
            return
        tally = self.tallies.get(run_id)
        if tally is None:
            if len(self.tallies) >= self.max_runs:
                self.rows_not_tallied += 1
                return
            tally = self.tallies[run_id] = RunTally(run_id[:64], self.now, self.stuck_after)
        tally.add(row)

    def listing(self, start: datetime, end: datetime) -> Listing:
        """The runs whose start lies in [start, end), newest first (then by run id)."""
        listed: list[tuple[datetime, RunTally]] = []
        before = after = 0
        for tally in self.tallies.values():
            begun = parse_row_time(tally.start.get("timestamp")) if tally.start is not None else None
            if not tally.began_here or begun is None or begun < start:
                before += 1
            elif begun >= end:
                after += 1
            else:
                listed.append((begun, tally))
        listed.sort(key=lambda item: (item[0], item[1].run_id), reverse=True)
        return Listing(
            [tally.listed() for _, tally in listed],
            before,
            after,
            self.rows,
            self.rows_without_run,
            self.rows_not_tallied,
        )
