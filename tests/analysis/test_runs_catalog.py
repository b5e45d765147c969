"""The run catalog (list_sync_runs' engine): a tally per run, by the same rules as trace_sync_run's, bounded."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from tests.analysis.test_runs import LONG_AFTER, RUN, START, completed, event, opening, record
from truto_log_mcp.analysis.runs.catalog import RunCatalog, select
from truto_log_mcp.analysis.runs.diagnosis import diagnose_run
from truto_log_mcp.analysis.runs.results import RunFacts
from truto_log_mcp.rows import Row

RUNS: dict[str, list[Row]] = {
    "completed": [*opening(), record(5, 100), record(10, 150), completed(20, num_records=250)],
    "undelivered": [
        *opening(),
        *(record(5 + i, 50, webhook_successful=False) for i in range(4)),
        completed(20, num_records=200, webhook_successful=False),
    ],
    "failed": [
        *opening(),
        record(5),
        event("record_error", 6, "running", "Mapping error at record 7"),
        event("failed", 9, "failed"),
    ],
    "rate_limited": [*opening(), event("rate_limited", 3, "rate_limited", retry_after=30)],
    "stuck": [*opening(), record(60, resource="crm/deals")],
    "never_started": [event("created", 0, "created")],
}


def catalog_of(rows: list[Row], now: datetime = LONG_AFTER) -> RunCatalog:
    catalog = RunCatalog(now)
    for row in rows:
        catalog(row)
    return catalog


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_tally_of_the_rows_in_any_order_states_what_trace_sync_run_states(name: str) -> None:
    rows = RUNS[name]
    traced = diagnose_run(rows, [], [], LONG_AFTER)
    shuffled = random.Random(7).sample(rows, len(rows))
    (listed,) = catalog_of(shuffled).listing(START, LONG_AFTER).runs
    assert {field: getattr(listed, field) for field in RunFacts.model_fields if field != "outcome"} == {
        field: getattr(traced, field) for field in RunFacts.model_fields if field != "outcome"
    }
    assert listed.state == traced.outcome


def test_undelivered_batches_are_counted_once() -> None:
    (listed,) = catalog_of(RUNS["undelivered"]).listing(START, LONG_AFTER).runs
    assert (listed.records, listed.undelivered_records, listed.undelivered_to) == (200, 200, ["webhook"])


def test_never_started_and_rate_limited_runs_take_the_listing_s_outcome_classes() -> None:
    catalog = catalog_of(RUNS["never_started"])
    (never,) = catalog.listing(START, LONG_AFTER).runs
    (waiting,) = catalog_of(RUNS["rate_limited"], now=START + timedelta(seconds=40)).listing(START, LONG_AFTER).runs
    assert (never.outcome, never.state) == ("stuck", "never_started")
    assert (waiting.outcome, waiting.state) == ("running", "rate_limited")


def test_the_first_error_is_the_run_s_earliest_error_event() -> None:
    (listed,) = catalog_of(RUNS["failed"]).listing(START, LONG_AFTER).runs
    assert listed.first_error == "Mapping error at record 7"


def test_runs_that_began_before_or_after_the_window_are_counted_apart() -> None:
    listing = catalog_of(RUNS["completed"]).listing(START + timedelta(seconds=2), LONG_AFTER)
    later = catalog_of(RUNS["completed"]).listing(START - timedelta(hours=1), START)
    assert (listing.runs, listing.began_before) == ([], 1)
    assert (later.runs, later.began_after) == ([], 1)


def test_a_tally_keeps_only_the_fields_the_rules_read() -> None:
    catalog = catalog_of(RUNS["completed"])
    tally = catalog.tallies[RUN]
    assert tally.last is not None and "logs" not in tally.last and "message" not in tally.last


def test_rows_of_runs_beyond_the_cap_are_counted_not_tallied() -> None:
    catalog = RunCatalog(LONG_AFTER, max_runs=2)
    for index in range(5):
        catalog({**RUNS["completed"][0], "sync_job_run_id": f"run-{index}"})
    assert (len(catalog.tallies), catalog.listing(START, LONG_AFTER).rows_not_tallied) == (2, 3)


def test_select_undelivered_keeps_completed_runs_with_a_failed_delivery() -> None:
    rows = [*RUNS["completed"], *({**row, "sync_job_run_id": "other"} for row in RUNS["undelivered"])]
    runs = catalog_of(rows).listing(START, LONG_AFTER).runs
    assert [run.sync_job_run_id for run in select(runs, "undelivered")] == ["other"]
