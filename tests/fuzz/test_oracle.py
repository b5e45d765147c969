"""The rule oracle itself: it flags each broken upstream rule and accepts what the rules allow."""

from __future__ import annotations

import pytest

from tests.fuzz.oracle import upstream_rule_violations


@pytest.mark.parametrize(
    ("params", "broken"),
    [
        ([("log_type", "webhooks"), ("limit", "10")], "is not a log type"),
        ([("log_type", "mcp"), ("created_at[gt]", "2026-01-01T00:00:00Z")], "must come together"),
        (
            [
                ("log_type", "mcp"),
                ("created_at[gt]", "2026-01-31T00:00:00Z"),
                ("created_at[lt]", "2026-03-01T00:00:00Z"),
            ],
            "calendar month",
        ),
        (
            [
                ("log_type", "mcp"),
                ("created_at[gt]", "2026-01-31T00:00:00"),
                ("created_at[lt]", "2026-02-01T00:00:00Z"),
            ],
            "timezone",
        ),
        ([("log_type", "mcp"), ("limit", "101")], "1..100"),
        ([("log_type", "mcp"), ("limit", "0")], "1..100"),
        ([("log_type", "webhook"), ("log_type_filter[integration]", "hubspot")], "not accepted by webhook"),
        ([("log_type", "mcp"), ("log_type_filter[mcp_method]", "tools/cal")], "not one of its values"),
        ([("log_type", "mcp"), ("log_type_filter[tool_name]", "")], "is empty"),
        ([("log_type", "mcp"), ("page", "2")], "unknown parameter"),
        ([("log_type", "mcp"), ("log_type", "mcp")], "repeated"),
    ],
)
def test_the_rule_oracle_flags_each_broken_upstream_rule(params: list[tuple[str, str]], broken: str) -> None:
    assert any(broken in problem for problem in upstream_rule_violations(params))


def test_the_rule_oracle_accepts_what_the_rules_allow() -> None:
    params = [
        ("log_type", "mcp"),
        ("created_at[gt]", "2026-01-31T00:00:00.000Z"),
        ("created_at[lt]", "2026-02-28T00:00:00.000Z"),
        ("log_type_filter[mcp_method]", "tools/call"),
        ("log_type_filter[request_id]", "abc"),
        ("limit", "100"),
        ("next_cursor", "opaque"),
    ]
    assert upstream_rule_violations(params) == []
