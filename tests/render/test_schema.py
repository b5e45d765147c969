"""Compact tool schemas: fewer tokens in tools/list, the same constraints."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from mcp import Client

from tests.helpers import error_of
from truto_log_mcp.render.schema import compact_output_schema, compact_schema, lean_input_schema, lean_output_schema
from truto_log_mcp.sandbox import STORIES

pytestmark = pytest.mark.anyio


def test_titles_and_null_defaults_are_dropped() -> None:
    schema = {
        "title": "Args",
        "type": "object",
        "properties": {"title": {"title": "Title", "type": "string", "default": None}},
    }
    assert compact_schema(schema, keep_descriptions=True) == {
        "type": "object",
        "properties": {"title": {"type": "string"}},
    }


def test_a_nullable_enum_keeps_null_among_its_values() -> None:
    schema = {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}], "description": "d"}
    compacted = compact_schema(schema, keep_descriptions=True)
    assert compacted == {"description": "d", "enum": ["a", "b", None], "type": ["string", "null"]}
    jsonschema.validate(None, compacted)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("c", compacted)


def test_output_schemas_drop_descriptions_and_inline_single_use_definitions() -> None:
    schema = {
        "$defs": {
            "Inner": {
                "title": "Inner",
                "type": "object",
                "properties": {"x": {"type": "integer"}},
                "required": ["x"],
                "description": "inner",
            }
        },
        "type": "object",
        "properties": {"inner": {"$ref": "#/$defs/Inner"}},
        "required": ["inner"],
    }
    assert compact_output_schema(schema) == {
        "type": "object",
        "properties": {"inner": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    }


def test_lean_inputs_keep_meanings_and_rules_and_drop_null_and_length_caps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[a-z]+$", "description": "An id."},
            "kind": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}], "default": None},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "group_by": {"anyOf": [{"type": "array", "items": {"type": "string"}, "maxItems": 3}, {"type": "null"}]},
        },
        "required": ["id"],
    }
    assert lean_input_schema(schema) == {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "An id."},
            "kind": {"enum": ["a", "b"], "type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "group_by": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
        "required": ["id"],
    }


def test_lean_outputs_are_the_top_level_properties_and_their_types() -> None:
    schema = {
        "$defs": {"Inner": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "type": "object",
        "properties": {
            "inner": {"$ref": "#/$defs/Inner"},
            "maybe": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}]},
            "names": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"$ref": "#/$defs/Inner"}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "anything": {},
        },
    }
    assert lean_output_schema(schema) == {
        "type": "object",
        "properties": {
            "inner": {"type": "object"},
            "maybe": {"type": ["object", "null"]},
            "names": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array"},
            "counts": {"type": "object"},
            "anything": {},
        },
    }


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_logs", {"log_type": "mcp", "limit": 3}),
    ("describe_log_types", {}),
    ("summarize_errors", {"top": 3}),
    ("log_stats", {"log_type": "webhook", "group_by": ["event"], "bucket": "6h", "compare_previous": True}),
    ("trace_sync_run", {"sync_job_run_id": STORIES["delivery_failure"].ids["sync_job_run_id"]}),
    ("list_sync_runs", {"outcome": "undelivered"}),
]


@pytest.mark.parametrize(("tool", "arguments"), CALLS, ids=[tool for tool, _ in CALLS])
async def test_answers_validate_against_the_listed_schema_and_carry_every_field(
    client: Client, tool: str, arguments: dict[str, Any]
) -> None:
    listed = {entry.name: entry for entry in (await client.list_tools()).tools}[tool]
    assert listed.output_schema is not None
    jsonschema.validate(arguments, listed.input_schema)
    result = await client.call_tool(tool, arguments)
    assert not result.is_error
    jsonschema.validate(result.structured_content, listed.output_schema)
    assert isinstance(result.structured_content, dict)
    assert set(listed.output_schema["properties"]) <= set(result.structured_content)


@pytest.mark.parametrize(
    "arguments",
    [
        {"log_type": "mcp", "limit": 101},
        {"log_type": "nope"},
        {"log_type": "mcp", "fields": ["timestamp"] * 41},
        {"log_type": "mcp", "filters": {"a": 1}},
    ],
)
async def test_listed_input_schema_still_refuses_what_the_server_refuses(
    client: Client, arguments: dict[str, Any]
) -> None:
    listed = {entry.name: entry for entry in (await client.list_tools()).tools}["search_logs"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(arguments, listed.input_schema)
    assert (await client.call_tool("search_logs", arguments)).is_error


async def test_a_length_cap_left_out_of_the_listing_is_still_enforced_naming_the_argument(client: Client) -> None:
    result = await client.call_tool("search_logs", {"log_type": "mcp", "cursor": "x" * 65})
    assert "`cursor`" in error_of(result, "invalid_argument")
