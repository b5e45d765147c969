"""The rule table against its sources: the API reference and DOMAIN.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import get_args

import pytest

from truto_log_mcp.docs import causes_markdown, error_rules_markdown
from truto_log_mcp.rules import (
    FILTER_ALIASES,
    FILTER_ENUMS,
    MCP_METHODS,
    REQUEST_TYPES,
    RULES,
    FieldKind,
    LogType,
    LogTypeName,
    markdown_table,
)

REFERENCE = Path(__file__).parents[2] / "shared" / "reference" / "truto-get-log-api.txt"

DOCUMENTED_FIELD_COUNTS = {
    LogType.UNIFIED_PROXY_API: 33,
    LogType.RAPID_BRIDGE: 15,
    LogType.WEBHOOK: 11,
    LogType.MCP: 36,
    LogType.SYNC_JOB_CRON_TRIGGER: 8,
}

# DOMAIN.md, "The rows": fields that real rows carry but the API reference does not list.
EXTRA_FIELDS = {
    LogType.UNIFIED_PROXY_API: ("http_status_category", "tenant_id"),
    LogType.MCP: ("http_status_category", "tenant_id", "result_count"),
    LogType.RAPID_BRIDGE: (
        "status",
        "num_records",
        "resource",
        "retry_after",
        "retry_count",
        "webhook_successful",
        "datastore_successful",
        "sync_job_request_type",
    ),
    LogType.WEBHOOK: ("status", "resource", "method", "id"),
    LogType.SYNC_JOB_CRON_TRIGGER: (
        "entity_id",
        "duration",
        "integrated_account_id",
        "integration",
        "integrated_account_needs_reauth",
    ),
}

# DOMAIN.md, "The filter rules": accepted `log_type_filter` keys per log type.
FILTER_KEYS = {
    LogType.UNIFIED_PROXY_API: {"request_type", "integrated_account_id", "environment_id", "integration"},
    LogType.RAPID_BRIDGE: {
        "sync_job_run_id",
        "sync_job_id",
        "sync_job_run_event",
        "integrated_account_id",
        "webhook_id",
        "environment_id",
        "integration",
    },
    LogType.WEBHOOK: {"webhook_id", "event", "environment_id"},
    LogType.SYNC_JOB_CRON_TRIGGER: {"environment_id"},
    LogType.MCP: {
        "client_name",
        "client_version",
        "environment_id",
        "integrated_account_id",
        "integration",
        "mcp_method",
        "mcp_server_id",
        "method",
        "request_id",
        "resource",
        "tool_name",
    },
}

# --- parsing the API reference -----------------------------------------------------------------

_SECTION = re.compile(r"^(?P<type>[a-z_]+) · (?P<count>\d+) properties$")
_NESTED = re.compile(r"^(?P<count>\d+) properties$")
_FIELD = re.compile(
    r"^(?P<name>[a-z][a-z0-9_]*?)"
    r"(?P<type>string\[\]|object\[\]|string|integer|number|boolean|object|Record<string, any>)"
    r"(?: · [a-z-]+)?$"
)
_REFERENCE_KINDS: dict[str, FieldKind] = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "string[]": "string[]",
    "object": "object",
    "object[]": "object[]",
    "Record<string, any>": "object",
}


@cache
def reference_fields() -> dict[str, tuple[int, dict[str, FieldKind]]]:
    """Per log type section: the announced property count and the listed top-level fields with their kinds."""
    sections: dict[str, tuple[int, dict[str, FieldKind]]] = {}
    current: dict[str, FieldKind] | None = None
    nested_to_skip = 0
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if section := _SECTION.match(line):
            current = {}
            sections[section.group("type")] = (int(section.group("count")), current)
            nested_to_skip = 0
        elif nested := _NESTED.match(line):
            nested_to_skip = int(nested.group("count"))  # properties of an object[] field, not of the row
        elif current is not None and (field := _FIELD.match(line)):
            if nested_to_skip:
                nested_to_skip -= 1
                continue
            current[field.group("name")] = _REFERENCE_KINDS[field.group("type")]
    return sections


def test_reference_has_a_section_for_every_log_type() -> None:
    assert set(reference_fields()) == {log_type.value for log_type in LogType}


@pytest.mark.parametrize("log_type", list(LogType))
def test_reference_parse_finds_the_announced_property_count(log_type: LogType) -> None:
    count, fields = reference_fields()[log_type.value]
    assert len(fields) == count == DOCUMENTED_FIELD_COUNTS[log_type]


@pytest.mark.parametrize("log_type", list(LogType))
def test_every_reference_field_is_in_the_rule_table(log_type: LogType) -> None:
    _count, fields = reference_fields()[log_type.value]
    assert set(fields) - RULES[log_type].field_names == set()


@pytest.mark.parametrize("log_type", list(LogType))
def test_documented_fields_are_exactly_the_reference_fields(log_type: LogType) -> None:
    _count, fields = reference_fields()[log_type.value]
    documented = {spec.name for spec in RULES[log_type].fields if spec.documented}
    assert documented == set(fields)


@pytest.mark.parametrize("log_type", list(LogType))
def test_field_kinds_match_the_reference_types(log_type: LogType) -> None:
    _count, fields = reference_fields()[log_type.value]
    rules = RULES[log_type]
    kinds = {name: spec.kind for name in fields if (spec := rules.field(name)) is not None}
    assert kinds == fields


def _possible_values_after(field_line: str) -> str:
    """The "Possible values:" line of the first field of that name (values run together in the text)."""
    lines = [line.strip() for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    following = lines[lines.index(field_line) :]
    return following[following.index("Possible values:") + 1]


def test_mcp_methods_match_the_reference_possible_values() -> None:
    assert "".join(MCP_METHODS) == _possible_values_after("mcp_methodstring")


def test_request_types_match_the_reference_possible_values() -> None:
    assert "".join(REQUEST_TYPES) == _possible_values_after("request_typestring")


# --- counts and extra fields (DOMAIN.md) -------------------------------------------------------


@pytest.mark.parametrize(("log_type", "count"), DOCUMENTED_FIELD_COUNTS.items())
def test_documented_field_count_matches_the_api_reference(log_type: LogType, count: int) -> None:
    assert sum(spec.documented for spec in RULES[log_type].fields) == count


@pytest.mark.parametrize(
    ("log_type", "name"), [(log_type, name) for log_type, names in EXTRA_FIELDS.items() for name in names]
)
def test_extra_domain_field_is_present_and_undocumented(log_type: LogType, name: str) -> None:
    spec = RULES[log_type].field(name)
    assert spec is not None
    assert spec.documented is False


@pytest.mark.parametrize("log_type", list(LogType))
def test_only_the_domain_extras_are_undocumented(log_type: LogType) -> None:
    undocumented = {spec.name for spec in RULES[log_type].fields if not spec.documented}
    assert undocumented == set(EXTRA_FIELDS[log_type])


@pytest.mark.parametrize("log_type", list(LogType))
def test_field_names_are_unique_and_sorted(log_type: LogType) -> None:
    names = [spec.name for spec in RULES[log_type].fields]
    assert names == sorted(set(names))


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("log_type", "keys"), FILTER_KEYS.items())
def test_filter_keys_are_exactly_the_domain_table(log_type: LogType, keys: set[str]) -> None:
    filter_keys = RULES[log_type].filter_keys
    assert set(filter_keys) == keys
    assert len(filter_keys) == len(keys)


@pytest.mark.parametrize(
    ("log_type", "key"), [(log_type, key) for log_type, rules in RULES.items() for key in rules.filter_keys]
)
def test_every_filter_key_names_a_row_field(log_type: LogType, key: str) -> None:
    assert FILTER_ALIASES.get(key, key) in RULES[log_type].field_names


def test_request_id_filter_matches_the_http_request_id_field() -> None:
    assert FILTER_ALIASES == {"request_id": "http_request_id"}


def test_enum_filters_are_filter_keys_of_some_type() -> None:
    every_key = {key for rules in RULES.values() for key in rules.filter_keys}
    assert set(FILTER_ENUMS) <= every_key


# --- types, columns, status --------------------------------------------------------------------


def test_log_type_name_literal_equals_the_log_type_enum() -> None:
    assert get_args(LogTypeName) == tuple(log_type.value for log_type in LogType)


@pytest.mark.parametrize("log_type", list(LogType))
def test_rules_are_keyed_by_their_own_log_type(log_type: LogType) -> None:
    assert RULES[log_type].log_type is log_type


@pytest.mark.parametrize(
    ("log_type", "column"),
    [(log_type, column) for log_type, rules in RULES.items() for column in rules.default_columns],
)
def test_default_columns_are_fields_of_their_type(log_type: LogType, column: str) -> None:
    assert column in RULES[log_type].field_names


@pytest.mark.parametrize("log_type", list(LogType))
def test_default_columns_start_with_the_timestamp(log_type: LogType) -> None:
    assert RULES[log_type].default_columns[0] == "timestamp"


@pytest.mark.parametrize(
    ("log_type", "status_field"),
    [
        (LogType.UNIFIED_PROXY_API, "http_status_code"),
        (LogType.MCP, "http_status_code"),
        (LogType.WEBHOOK, "webhook_endpoint_status"),
        (LogType.RAPID_BRIDGE, None),
        (LogType.SYNC_JOB_CRON_TRIGGER, None),
    ],
)
def test_status_field_of_each_type(log_type: LogType, status_field: str | None) -> None:
    assert RULES[log_type].status_field == status_field


@pytest.mark.parametrize("log_type", [log_type for log_type, rules in RULES.items() if rules.status_field])
def test_status_field_is_an_integer_field_of_its_type(log_type: LogType) -> None:
    rules = RULES[log_type]
    assert rules.status_field is not None
    spec = rules.field(rules.status_field)
    assert spec is not None
    assert spec.kind == "integer"


TOOLS_PAGE = Path(__file__).parents[1] / "docs" / "tools.md"
"""The tools reference, where the rule table and the analysis tables are pasted."""


def test_the_tools_page_shows_the_rule_table_as_generated() -> None:
    page = TOOLS_PAGE.read_text()
    start = page.index("<!-- rules-table:start -->") + len("<!-- rules-table:start -->")
    end = page.index("<!-- rules-table:end -->")
    assert page[start:end].strip() == markdown_table()


@pytest.mark.parametrize(
    ("marker", "table"),
    [("error-rules", error_rules_markdown), ("causes", causes_markdown)],
)
def test_the_tools_page_shows_the_analysis_tables_as_generated(marker: str, table: Callable[[], str]) -> None:
    page = TOOLS_PAGE.read_text()
    start = page.index(f"<!-- {marker}:start -->") + len(f"<!-- {marker}:start -->")
    end = page.index(f"<!-- {marker}:end -->")
    assert page[start:end].strip() == table()
