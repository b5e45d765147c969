"""The generated dataset: deterministic, complete (every documented field), realistic in shape and size."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.sandbox.generator import generate_rows

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW))


def test_same_config_generates_the_same_rows() -> None:
    config = SandboxConfig(now=NOW, days=3, scale=0.5)
    first, second = Sandbox(config), Sandbox(config)
    assert all(first.rows(log_type) == second.rows(log_type) for log_type in LogType)


def test_another_seed_generates_other_rows() -> None:
    first = generate_rows(seed=7, now=NOW, days=3, scale=0.5)
    other = generate_rows(seed=8, now=NOW, days=3, scale=0.5)
    assert first[LogType.UNIFIED_PROXY_API] != other[LogType.UNIFIED_PROXY_API]


def test_naive_now_means_utc() -> None:
    naive = generate_rows(seed=7, now=NOW.replace(tzinfo=None), days=1, scale=0.2)
    assert naive == generate_rows(seed=7, now=NOW, days=1, scale=0.2)


@pytest.mark.parametrize("log_type", list(LogType))
def test_every_documented_field_appears_in_some_row(world: Sandbox, log_type: LogType) -> None:
    seen = {name for row in world.rows(log_type) for name in row}
    documented = {spec.name for spec in RULES[log_type].fields if spec.documented}
    assert documented - seen == set()


@pytest.mark.parametrize("log_type", list(LogType))
def test_every_undocumented_field_of_the_rule_table_appears_too(world: Sandbox, log_type: LogType) -> None:
    seen = {name for row in world.rows(log_type) for name in row}
    assert RULES[log_type].field_names - seen == set()


@pytest.mark.parametrize("log_type", list(LogType))
def test_rows_carry_only_fields_of_the_rule_table(world: Sandbox, log_type: LogType) -> None:
    seen = {name for row in world.rows(log_type) for name in row}
    assert seen - RULES[log_type].field_names == set()


@pytest.mark.parametrize("log_type", list(LogType))
def test_rows_have_no_empty_values(world: Sandbox, log_type: LogType) -> None:
    empty = [
        (name, row["timestamp"])
        for row in world.rows(log_type)
        for name, value in row.items()
        if value is None or value == "" or value == [] or value == {}
    ]
    assert empty == []


@pytest.mark.parametrize("log_type", list(LogType))
def test_rows_are_newest_first_within_the_generated_days(world: Sandbox, log_type: LogType) -> None:
    stamps = [datetime.fromisoformat(row["timestamp"]) for row in world.rows(log_type)]
    assert stamps == sorted(stamps, reverse=True)
    assert NOW - timedelta(days=14) <= stamps[-1] and stamps[0] < NOW
    assert {row["log_type"] for row in world.rows(log_type)} == {log_type.value}


def test_volume_at_scale_1_is_a_few_thousand_rows_per_type_with_unified_the_most(world: Sandbox) -> None:
    counts = {log_type: len(world.rows(log_type)) for log_type in LogType}
    assert max(counts, key=lambda log_type: counts[log_type]) is LogType.UNIFIED_PROXY_API
    assert 5_000 <= counts[LogType.UNIFIED_PROXY_API] <= 8_000
    assert all(count >= 500 for count in counts.values()), counts


def test_scale_multiplies_the_volume() -> None:
    small = generate_rows(seed=7, now=NOW, days=2, scale=0.5)
    large = generate_rows(seed=7, now=NOW, days=2, scale=2.0)
    for log_type in (LogType.UNIFIED_PROXY_API, LogType.RAPID_BRIDGE, LogType.WEBHOOK):
        assert len(large[log_type]) > 2.5 * len(small[log_type])


def test_unified_rows_are_about_as_big_as_real_ones(world: Sandbox) -> None:
    full = [row for row in world.rows(LogType.UNIFIED_PROXY_API) if len(row) >= 33]
    sizes = sorted(len(json.dumps(row)) for row in full)
    assert full
    assert 1_500 <= sizes[len(sizes) // 2] <= 3_000


def test_http_messages_follow_truto_format(world: Sandbox) -> None:
    row: dict[str, Any] = next(row for row in world.rows(LogType.UNIFIED_PROXY_API) if row["http_status_code"] < 400)
    expected = (
        f"{row['timestamp']} INFO {row['http_ip']} ({row['http_request_id']}) {row['http_method']} "
        f"https://api.truto.one{row['http_url_details_path']} {row['http_status_code']}"
    )
    assert row["message"] == expected


def test_planted_rows_are_merged_with_generated_ones() -> None:
    planted = {"timestamp": "2026-05-16T11:59:59.999Z", "webhook_id": "planted", "event": "test"}
    sandbox = Sandbox(SandboxConfig(now=NOW, days=1, scale=0.1, extra_rows={LogType.WEBHOOK: [planted]}))
    rows = sandbox.rows(LogType.WEBHOOK)
    assert rows[0] == {**planted, "log_type": "webhook"}
    assert len(rows) > 1


def test_generate_false_serves_only_planted_rows() -> None:
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False))
    assert all(sandbox.rows(log_type) == [] for log_type in LogType)
