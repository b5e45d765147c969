"""The streaming ErrorSummarizer (summarize_errors' engine): groups, counts, bounds."""

from __future__ import annotations

import pytest

from tests.analysis.error_rows import API, HOOK, api_row
from truto_log_mcp.analysis.causes import Cause
from truto_log_mcp.analysis.grouping import DISTINCT_CAP, OTHER, ErrorSummarizer
from truto_log_mcp.rules import LogType

# ---- ErrorSummarizer: totals and groups --------------------------------------------------------


def test_summary_counts_rows_scanned_and_errors_per_type() -> None:
    summarizer = ErrorSummarizer()
    for status in (200, 200, 502, 401):
        summarizer.add(API, api_row(status))
    summarizer.add(HOOK, {"webhook_endpoint_status": 200})
    summary = summarizer.summary(10)
    assert summary.rows_scanned == {API: 4, HOOK: 1}
    assert summary.rows_scanned_total == 5
    assert summary.errors == {API: 2}
    assert summary.errors_total == 2
    assert summary.error_rate == pytest.approx(0.4)
    assert summary.error_rate_of(API) == pytest.approx(0.5)
    assert summary.error_rate_of(HOOK) == 0.0


def test_groups_are_sorted_by_count_with_shares_of_all_errors() -> None:
    summarizer = ErrorSummarizer()
    for _ in range(3):
        summarizer.add(API, api_row(503))
    summarizer.add(API, api_row(401, logs=["Token refresh failed: invalid_grant"]))
    summary = summarizer.summary(10)
    assert [group.count for group in summary.groups] == [3, 1]
    assert [group.share for group in summary.groups] == [0.75, 0.25]
    assert summary.groups[0].template == "Provider error: Salesforce responded 503"
    assert summary.groups[0].cause is Cause.PROVIDER_ERROR
    assert summary.groups[1].cause is Cause.AUTH


def test_rows_differing_only_in_ids_fall_into_one_group() -> None:
    summarizer = ErrorSummarizer()
    for n in range(20):
        summarizer.add(API, api_row(503, logs=[f"Salesforce responded 503 (request id {n:012x}a) at record {n}"]))
    assert summarizer.summary(10).groups_total == 1


def test_top_limits_the_groups_and_groups_total_counts_them_all() -> None:
    summarizer = ErrorSummarizer()
    for status in (500, 502, 503, 504):
        summarizer.add(API, api_row(status))
    summary = summarizer.summary(top=2)
    assert len(summary.groups) == 2
    assert summary.groups_total == 4


def test_first_and_last_seen_compare_timestamps_as_datetimes() -> None:
    summarizer = ErrorSummarizer()
    for stamp in ("2026-05-16T09:30:00Z", "2026-05-16T10:00:00+02:00", "2026-05-16T09:45:00.000Z"):
        summarizer.add(API, api_row(stamp=stamp))
    group = summarizer.summary(1).groups[0]
    assert group.first_seen == "2026-05-16T10:00:00+02:00"
    assert group.last_seen == "2026-05-16T09:45:00.000Z"


def test_examples_are_bounded_and_the_newest_first() -> None:
    summarizer = ErrorSummarizer(examples_per_group=3)
    stamps = [f"2026-05-16T06:{minute:02d}:00Z" for minute in (5, 40, 12, 55, 30, 1)]
    for stamp in stamps:
        summarizer.add(API, api_row(stamp=stamp))
    group = summarizer.summary(1).groups[0]
    assert [example["timestamp"] for example in group.examples] == [
        "2026-05-16T06:55:00Z",
        "2026-05-16T06:40:00Z",
        "2026-05-16T06:30:00Z",
    ]


def test_sample_message_is_the_error_text_of_the_newest_row() -> None:
    summarizer = ErrorSummarizer(group_by=("integration",))
    summarizer.add(API, api_row(stamp="2026-05-16T06:00:00Z", logs=["Salesforce responded 502 (old)"]))
    summarizer.add(API, api_row(stamp="2026-05-16T07:00:00Z", logs=["Salesforce responded 503 (new)"]))
    summarizer.add(API, api_row(stamp="2026-05-16T05:00:00Z", logs=["Salesforce responded 500 (oldest)"]))
    assert summarizer.summary(1).groups[0].sample_message == "Salesforce responded 503 (new)"


def test_group_counts_status_codes_integrations_resources_and_accounts() -> None:
    summarizer = ErrorSummarizer(group_by=("cause",))
    summarizer.add(API, api_row(502, integration="salesforce", resource="contacts", integrated_account_id="a"))
    summarizer.add(API, api_row(503, integration="salesforce", resource="deals", integrated_account_id="b"))
    summarizer.add(API, api_row(503, integration="hubspot", resource="deals", integrated_account_id="b"))
    group = summarizer.summary(1).groups[0]
    assert group.key == {"cause": "provider_error"}
    assert group.status_codes == ((503, 2), (502, 1))
    assert group.integrations.top == (("salesforce", 2), ("hubspot", 1))
    assert group.resources.top == (("deals", 2), ("contacts", 1))
    assert group.integrated_account_ids.distinct == 2
    assert group.integrated_account_ids.distinct_is_exact


def test_distinct_values_per_group_are_bounded_and_say_so() -> None:
    summarizer = ErrorSummarizer(group_by=("cause",))
    for n in range(DISTINCT_CAP + 25):
        summarizer.add(API, api_row(integrated_account_id=f"acc-{n}"))
    accounts = summarizer.summary(1).groups[0].integrated_account_ids
    assert not accounts.distinct_is_exact
    assert accounts.untracked_rows == 25
    assert accounts.distinct >= DISTINCT_CAP


def test_group_by_a_row_field_splits_groups_by_its_value() -> None:
    summarizer = ErrorSummarizer(group_by=("template", "integration"))
    summarizer.add(API, api_row(integration="salesforce", logs=["upstream failed 503"]))
    summarizer.add(API, api_row(integration="hubspot", logs=["upstream failed 503"]))
    summarizer.add(API, api_row(integration="hubspot", logs=["upstream failed 503"]))
    keys = [group.key for group in summarizer.summary(10).groups]
    assert keys == [
        {"template": "upstream failed 503", "integration": "hubspot"},
        {"template": "upstream failed 503", "integration": "salesforce"},
    ]


def test_groups_of_different_log_types_stay_apart() -> None:
    summarizer = ErrorSummarizer(group_by=("cause",))
    summarizer.add(API, api_row(503))
    summarizer.add(LogType.MCP, api_row(503))
    assert {group.log_type for group in summarizer.summary(10).groups} == {API, LogType.MCP}


def test_group_cause_is_the_most_common_cause_of_its_rows() -> None:
    summarizer = ErrorSummarizer(group_by=("integration",))
    summarizer.add(API, api_row(401))
    summarizer.add(API, api_row(503))
    summarizer.add(API, api_row(502))
    group = summarizer.summary(1).groups[0]
    assert group.cause is Cause.PROVIDER_ERROR
    assert dict(group.causes) == {Cause.PROVIDER_ERROR: 2, Cause.AUTH: 1}


def test_new_keys_beyond_max_groups_fold_into_one_other_group_per_log_type() -> None:
    summarizer = ErrorSummarizer(group_by=("integration",), max_groups=2)
    for integration in ("a", "b", "c", "d", "d"):
        summarizer.add(API, api_row(integration=integration))
    summarizer.add(HOOK, {"webhook_endpoint_status": 500, "event": "x", "integration": "e"})
    summarizer.add(API, api_row(integration="a"))
    summary = summarizer.summary(10)
    others = {group.log_type: group for group in summary.groups if group.is_other}
    assert others[API].count == 3
    assert others[API].key == {"integration": OTHER}
    assert others[API].template == OTHER
    assert others[HOOK].count == 1
    assert summary.rows_in_other == 4
    assert summary.groups_total == 4
    assert next(group for group in summary.groups if group.key == {"integration": "a"}).count == 2


def test_memory_stays_bounded_over_100k_distinct_messages() -> None:
    summarizer = ErrorSummarizer(max_groups=100, examples_per_group=3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in range(100_000):
        word = letters[n % 26] + letters[n // 26 % 26] + letters[n // 676 % 26] + letters[n // 17576 % 26]
        summarizer.add(
            API, {"http_status_code": 401, "logs": [f"unauthorized {word}"], "integrated_account_id": str(n)}
        )
    assert summarizer.group_count <= 100 + 1
    assert summarizer.example_count <= (100 + 1) * 3
    summary = summarizer.summary(5)
    assert summary.errors_total == 100_000
    assert summary.rows_in_other == 100_000 - 100
    other = next(group for group in summary.groups if group.is_other)
    assert other.integrated_account_ids.untracked_rows == other.count - DISTINCT_CAP


def test_each_group_counts_its_rows_per_environment() -> None:
    summarizer = ErrorSummarizer()
    for environment in ("prod", "prod", "staging"):
        summarizer.add(API, api_row(503, environment_id=environment))
    summarizer.add(API, api_row(401, environment_id="staging", logs=["Token refresh failed: invalid_grant"]))
    groups = {group.cause: group for group in summarizer.summary().groups}
    assert groups[Cause.PROVIDER_ERROR].environments.top == (("prod", 2), ("staging", 1))
    assert groups[Cause.AUTH].environments.top == (("staging", 1),)


def test_group_counts_the_runs_jobs_webhooks_and_mcp_servers_its_rows_carry() -> None:
    summarizer = ErrorSummarizer(group_by=("cause",))
    summarizer.add(API, api_row(502, sync_job_run_id="run-1", sync_job_id="job-1"))
    summarizer.add(API, api_row(502, sync_job_run_id="run-2", sync_job_id="job-1", mcp_server_id="mcp-1"))
    summarizer.add(API, api_row(502, sync_job_run_id="run-2", webhook_id=""))
    ids = summarizer.summary(1).groups[0].ids
    assert {name: values.top for name, values in ids.items()} == {
        "sync_job_run_id": (("run-2", 2), ("run-1", 1)),
        "sync_job_id": (("job-1", 2),),
        "mcp_server_id": (("mcp-1", 1),),
    }
