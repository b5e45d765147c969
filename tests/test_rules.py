"""The rule table against its sources: the API reference of GET /log and DOMAIN.md, as extracted once
into ``tests/data/truto_log_api_reference.json`` (data this project owns: the tests read nothing outside it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest

from tests.helpers import reference_data
from truto_log_mcp.docs import causes_markdown, error_rules_markdown
from truto_log_mcp.rules import (
    FILTER_ALIASES,
    FILTER_ENUMS,
    MCP_METHODS,
    REQUEST_TYPES,
    RULES,
    SYNC_JOB_RUN_EVENTS,
    FieldKind,
    LogType,
    LogTypeName,
    markdown_table,
)

# The facts come from tests/data/truto_log_api_reference.json (``reference_data``): Truto's API reference of
# GET /log and DOMAIN.md, extracted once (its ``source`` header says which and when), never derived from rules.py.

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


def per_log_type(table: str) -> dict[str, Any]:
    """One of the data file's per-log-type tables, keyed by log type name."""
    table_data = reference_data()[table]["log_types"]
    assert isinstance(table_data, dict)
    return table_data


@cache
def reference_fields() -> dict[str, tuple[int, dict[str, FieldKind]]]:
    """Per log type section of the API reference: the announced property count and the listed top-level
    fields with their kinds."""
    return {
        log_type: (
            int(section["announced_property_count"]),
            {name: _REFERENCE_KINDS[written] for name, written in section["fields"].items()},
        )
        for log_type, section in per_log_type("reference_fields").items()
    }


def possible_values(key: str) -> tuple[tuple[str, ...], str | None]:
    """A parameter's possible values as listed, and as the reference's text runs them together (None:
    the reference lists none; the values come from DOMAIN.md)."""
    entry = reference_data()["enums"]["keys"][key]
    return tuple(entry["values"]), entry["reference_text"]


# DOMAIN.md, "The rows": how many fields the API reference lists per log type.
DOCUMENTED_FIELD_COUNTS = {
    LogType(log_type): int(count) for log_type, count in per_log_type("domain_field_counts").items()
}

# DOMAIN.md, "The rows": fields that real rows carry but the API reference does not list.
EXTRA_FIELDS = {
    LogType(log_type): tuple(name for name in names if name not in reference_fields()[log_type][1])
    for log_type, names in per_log_type("domain_extra_fields").items()
}

# DOMAIN.md, "The filter rules": accepted `log_type_filter` keys per log type.
FILTER_KEYS = {LogType(log_type): set(keys) for log_type, keys in per_log_type("domain_filter_keys").items()}

# The API reference: the `log_type_filter` keys it documents, per log type it says they can be used with.
REFERENCE_FILTER_KEYS = {
    LogType(log_type): set(keys) for log_type, keys in per_log_type("reference_filter_keys").items()
}


# --- the data file -----------------------------------------------------------------------------


def test_the_reference_data_says_where_it_came_from_and_when() -> None:
    source = reference_data()["source"]
    assert "GET /log" in source["api_reference"]
    assert "DOMAIN.md" in source["domain"]
    assert date.fromisoformat(source["extracted_on"])


def test_the_domain_tables_cover_every_log_type() -> None:
    every_type = set(LogType)
    assert set(DOCUMENTED_FIELD_COUNTS) == set(EXTRA_FIELDS) == set(FILTER_KEYS) == every_type


# --- the API reference -------------------------------------------------------------------------


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


def test_mcp_methods_match_the_reference_possible_values() -> None:
    values, reference_text = possible_values("mcp_method")
    assert "".join(MCP_METHODS) == reference_text
    assert MCP_METHODS == values


def test_request_types_match_the_reference_possible_values() -> None:
    values, reference_text = possible_values("request_type")
    assert "".join(REQUEST_TYPES) == reference_text
    assert REQUEST_TYPES == values


def test_log_types_match_the_reference_possible_values() -> None:
    values, reference_text = possible_values("log_type")
    assert "".join(log_type.value for log_type in LogType) == reference_text
    assert tuple(log_type.value for log_type in LogType) == values


def test_sync_job_run_events_match_the_domain_values() -> None:
    values, _text = possible_values("sync_job_run_event")
    assert SYNC_JOB_RUN_EVENTS == values


@pytest.mark.parametrize("key", sorted(FILTER_ENUMS))
def test_enum_filter_values_are_the_documented_values(key: str) -> None:
    values, _text = possible_values(key)
    assert FILTER_ENUMS[key] == values


@pytest.mark.parametrize(
    ("log_type", "keys"), REFERENCE_FILTER_KEYS.items(), ids=[log_type.value for log_type in REFERENCE_FILTER_KEYS]
)
def test_filter_keys_the_reference_documents_are_accepted(log_type: LogType, keys: set[str]) -> None:
    assert keys <= set(RULES[log_type].filter_keys)


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
