"""summarize_errors through the SDK client, over planted scenarios whose answers are known."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest
from mcp import Client

from bench.answer_tokens import GUARD_NOW, TEXT_BUDGET, day_before, text_tokens
from tests.helpers import server_on, structured, text_of
from tests.tools.scenario import NOW, STAGING_ROWS_IN_A_DAY, planted, unified
from truto_log_mcp.render.table import KEY_CAP
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import STORIES, Sandbox, SandboxConfig
from truto_log_mcp.sandbox.world import ENVIRONMENT_ID, HUBSPOT_ACME_STAGING, STAGING_ENVIRONMENT_ID

pytestmark = pytest.mark.anyio


async def test_summarize_errors_counts_every_planted_error_by_cause(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = structured(await client.call_tool("summarize_errors", {"since": "24h"}))
    assert summary["rows_scanned"] == 40
    assert summary["errors"] == 19
    by_cause = {group["cause"]: group for group in summary["groups"]}
    assert by_cause["auth"]["count"] == 10
    assert by_cause["auth"]["integrations"]["top"] == {"hubspot": 10}
    assert by_cause["provider_error"]["count"] == 5
    assert by_cause["webhook_endpoint"]["count"] == 4
    assert by_cause["auth"]["share"] == pytest.approx(10 / 19, abs=1e-3)
    assert "reconnect" in summary["next_steps"]["auth"]
    assert all(coverage["complete"] for coverage in summary["coverage"])


async def test_one_cause_with_varying_ids_is_one_group(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = structured(await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"}))
    provider = [group for group in summary["groups"] if group["cause"] == "provider_error"]
    assert len(provider) == 1
    assert "<" in provider[0]["template"]


async def test_example_refs_open_the_rows_with_get_log(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = structured(await client.call_tool("summarize_errors", {"log_type": "webhook"}))
        ref = summary["groups"][0]["example_refs"][0]
        row = structured(await client.call_tool("get_log", {"ref": ref}))
    assert row["row"]["webhook_endpoint_status"] == 503


async def test_group_by_a_field_groups_by_its_values(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = structured(
            await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api", "group_by": ["integration"]})
        )
    assert {group["key"]["integration"]: group["count"] for group in summary["groups"]} == {
        "hubspot": 10,
        "salesforce": 5,
    }


async def test_a_window_longer_than_a_month_is_analysed_whole(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = structured(
            await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api", "since": "45d"})
        )
    assert summary["rows_scanned"] == 31
    assert any(group["integrations"]["top"] == {"jira": 1} for group in summary["groups"])


async def test_filters_skip_log_types_that_cannot_take_them(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("summarize_errors", {"filters": {"integration": "hubspot"}})
    summary = structured(result)
    assert summary["errors"] == 10
    assert "skipped: webhook (cannot filter by integration)" in text_of(result)


async def test_a_row_budget_stop_is_stated(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "since": "14d", "max_rows": 300}
        )
    summary = structured(result)
    assert not summary["coverage"][0]["complete"]
    assert summary["coverage"][0]["stopped_by"] == "row_budget"
    assert "PARTIAL" in text_of(result)


async def test_summaries_send_progress_to_clients_that_ask(sandbox: Sandbox) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    async with Client(server_on(sandbox)) as client:
        await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "since": "7d"}, progress_callback=on_progress
        )
    assert seen
    assert seen[-1][0] == seen[-1][1]


async def test_the_look_back_reports_progress_after_the_window(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Client(server_on(sandbox)) as client:
        await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"}, progress_callback=on_progress)
    day = 24 * 3600
    assert [done for done, _, _ in seen] == sorted({done for done, _, _ in seen})  # strictly increasing
    assert any(done > day and "look-back" in (message or "") for done, _, message in seen)
    assert seen[-1][:2] == (2 * day, 2 * day)


async def test_a_cancelled_summary_stops_reading_promptly() -> None:
    slow = Sandbox(SandboxConfig(latency_s=0.2, rate_limit=None))
    async with Client(server_on(slow)) as client:
        with anyio.move_on_after(1.0):
            await client.call_tool("summarize_errors", {"since": "14d"})
        await anyio.sleep(0.5)
        after_cancel = len(slow.requests)
        await anyio.sleep(1.0)
        assert len(slow.requests) == after_cancel
        still_works = await client.call_tool("describe_log_types", {})
        assert not still_works.is_error


async def test_a_session_over_its_scan_limit_is_told_it_is_busy() -> None:
    slow = Sandbox(SandboxConfig(latency_s=0.3, rate_limit=None))
    async with Client(server_on(slow, max_scans_per_session=1)) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "summarize_errors", {"log_type": "webhook", "since": "2d"})
            await anyio.sleep(0.2)
            second = await client.call_tool("log_stats", {"log_type": "webhook"})
            assert second.is_error
            assert text_of(second).startswith("[busy]")


def _with_integration(integration: str) -> Sandbox:
    rows = planted()
    rows[LogType.UNIFIED_PROXY_API].append(unified(3, 503, integration))
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=rows, rate_limit=None))


async def test_a_group_key_from_a_row_is_shown_cleaned() -> None:
    sandbox = _with_integration("\x1b[31mred\x1b]0;title\x07\x1b[2J\n|ref|fake row\u202e")
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "group_by": ["integration"]}
        )
    keys = [group["key"]["integration"] for group in structured(result)["groups"]]
    assert "red |ref|fake row" in keys
    assert "integration=red |ref|fake row: 1" in text_of(result)
    assert not [line for line in text_of(result).split("\n") if line.startswith("|ref|")]


async def test_a_huge_group_key_is_capped() -> None:
    async with Client(server_on(_with_integration("x" * 1_000_000))) as client:
        result = await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "group_by": ["integration"]}
        )
    keys = [group["key"]["integration"] for group in structured(result)["groups"]]
    assert "x" * (KEY_CAP - 1) + "…" in keys
    assert len(json.dumps(result.structured_content)) < 20_000
    assert len(text_of(result)) < 20_000


# ---- is it new? when did it begin? which environment? (issue 10, gaps 4 and 9) ---------------------------------

STAGING_ACCOUNT = HUBSPOT_ACME_STAGING.id
MAPPING = "lifecyclestage"
SCOPE = "missing scope"


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _group(summary: dict[str, Any], clue: str) -> dict[str, Any]:
    return next(group for group in summary["groups"] if clue in group["template"])


async def test_a_failure_that_began_before_the_window_says_when(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, now = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", {})
    group = _group(structured(result), MAPPING)
    began = now - STORIES["staging_mapping"].since
    assert group["count"] == 48
    assert (group["new"], group["began"], group["began_exact"]) == (False, _minute(began), True)
    assert f"began {_minute(began)[5:]}" in text_of(result)


async def test_a_failure_new_in_the_window_says_so(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, now = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", {})
    group = _group(structured(result), SCOPE)
    assert group["count"] == 10
    assert (group["new"], group["began"]) == (True, _minute(now - STORIES["staging_scope"].since))
    assert group["first_seen"].startswith(group["began"])


async def test_the_look_back_is_one_window_before_it_and_counted(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", {"filters": {"integrated_account_id": STAGING_ACCOUNT}})
    summary = structured(result)
    [lookback] = summary["lookback"]
    start = summary["window"].split("/")[0]
    assert lookback["window"].split("/")[1] == start
    assert lookback["log_type"] == "unified_proxy_api"
    assert lookback["rows_scanned"] == STAGING_ROWS_IN_A_DAY
    assert lookback["complete"]
    assert f"Look-back 24h (onsets): {STAGING_ROWS_IN_A_DAY} rows" in text_of(result)


async def test_a_look_back_cut_short_says_began_by_and_onset_unknown(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, now = staged
    arguments = {"filters": {"integrated_account_id": STAGING_ACCOUNT}, "max_rows": 200}
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", arguments)
    summary = structured(result)
    assert summary["coverage"][0]["complete"]
    assert not summary["lookback"][0]["complete"]
    mapping, scope = _group(summary, MAPPING), _group(summary, SCOPE)
    began = _minute(now - STORIES["staging_mapping"].since)
    assert (mapping["new"], mapping["began"], mapping["began_exact"]) == (False, began, False)
    assert (scope["new"], scope["began"]) == (None, None)
    assert f"began by {began[5:]}" in text_of(result)
    assert "onset unknown" in text_of(result)


async def test_a_shorter_look_back_setting_dates_only_at_the_latest(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox, onset_lookback_h=5)) as client:
        summary = structured(await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"}))
    [lookback] = summary["lookback"]
    start, end = (datetime.fromisoformat(bound) for bound in lookback["window"].split("/"))
    assert end - start == timedelta(hours=5)
    mapping = _group(summary, MAPPING)
    # Failing since 31 h ago: present all through a look-back reaching 29 h back, so only "by" its earliest row.
    assert (mapping["new"], mapping["began_exact"]) == (False, False)
    assert datetime.fromisoformat(mapping["began"] + "Z") - start < timedelta(minutes=30)


async def test_no_look_back_when_the_setting_is_0(staged: tuple[Sandbox, datetime]) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox, onset_lookback_h=0)) as client:
        result = await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"})
    summary = structured(result)
    assert summary["lookback"] == []
    assert all(group["new"] is None and group["began"] is None for group in summary["groups"])
    assert "Look-back: not read (turned off: TRUTO_ONSET_LOOKBACK_H is 0)" in text_of(result)


async def test_two_environments_are_listed_with_their_rows_and_split_per_group(
    staged: tuple[Sandbox, datetime],
) -> None:
    sandbox, _ = staged
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", {})
    summary = structured(result)
    coverage = {item["log_type"]: item for item in summary["coverage"]}
    unified = coverage["unified_proxy_api"]
    assert unified["environments"] == {
        ENVIRONMENT_ID: unified["rows_scanned"] - STAGING_ROWS_IN_A_DAY,
        STAGING_ENVIRONMENT_ID: STAGING_ROWS_IN_A_DAY,
    }
    assert coverage["webhook"]["environments"] == {ENVIRONMENT_ID: coverage["webhook"]["rows_scanned"]}
    assert _group(summary, MAPPING)["environments"] == {STAGING_ENVIRONMENT_ID: 48}
    assert _group(summary, SCOPE)["environments"] == {STAGING_ENVIRONMENT_ID: 10}
    # Every other group is in the main environment alone (which groups make the top depends on the hour).
    others = [
        group for group in summary["groups"] if MAPPING not in group["template"] and SCOPE not in group["template"]
    ]
    assert others and all(group["environments"] == {ENVIRONMENT_ID: group["count"]} for group in others)
    text = text_of(result)
    assert f"{STAGING_ENVIRONMENT_ID} ({STAGING_ROWS_IN_A_DAY} rows)" in text
    assert f"env {STAGING_ENVIRONMENT_ID[:8]}; ref " in text
    assert f"; groups without env: {ENVIRONMENT_ID[:8]}." in text


async def test_one_environment_adds_nothing(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("summarize_errors", {"since": "24h"})
    summary = structured(result)
    assert all(item["environments"] is None for item in summary["coverage"])
    assert all(group["environments"] is None for group in summary["groups"])
    assert "environments" not in text_of(result)


async def test_a_hostile_environment_id_is_shown_cleaned() -> None:
    rows = planted()
    for index, row in enumerate(rows[LogType.UNIFIED_PROXY_API]):
        row["environment_id"] = "\x1b[31mevil\nInjected line" if index % 2 else "env-a"
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=rows, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"})
    text = text_of(result)
    assert "evil Injected line (" in text
    assert not [line for line in text.split("\n") if line.startswith("Injected")]
    assert "\x1b" not in text
    assert "evil Injected line" in structured(result)["coverage"][0]["environments"]


# ---- ids in full (issue 10, gap 3) -----------------------------------------------------------------------------


async def test_a_default_summary_of_the_sandboxs_day_stays_within_its_token_budget() -> None:
    sandbox = Sandbox(SandboxConfig(now=GUARD_NOW, rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("summarize_errors", day_before(GUARD_NOW))
    assert len(structured(result)["groups"]) == 10  # the default `top`, all shown
    assert text_tokens(result) <= TEXT_BUDGET
