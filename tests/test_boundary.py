"""``tools/list`` as ``TrutoLogServer.list_tools`` lists it: within its token budgets (a size guard, not a
timing test), and lean without losing what a model or a client needs."""

from __future__ import annotations

from typing import Any

import pytest
from mcp_types import CallToolResult, TextContent

from bench.tools_list import VISIBLE_BUDGET, WHOLE_BUDGET, list_tools, visible_tokens, whole_tokens
from truto_log_mcp.boundary import TrutoLogServer
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.tools.outputs import output_schemas

pytestmark = pytest.mark.anyio

READ_ONLY_TOOLS = 7


async def test_the_model_visible_part_of_tools_list_stays_within_its_budget() -> None:
    answer = await list_tools()
    assert len(answer["tools"]) == READ_ONLY_TOOLS
    assert visible_tokens(answer) <= VISIBLE_BUDGET


async def test_the_whole_tools_list_stays_within_its_budget() -> None:
    assert whole_tokens(await list_tools()) <= WHOLE_BUDGET


def _types(spec: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    """The JSON types a property of a full pydantic schema allows."""
    found: set[str] = set()
    for option in spec.get("anyOf", [spec]):
        if "$ref" in option:
            option = definitions[option["$ref"].rsplit("/", 1)[-1]]
        kind = option.get("type", "object" if "properties" in option else None)
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found


async def test_each_output_schema_keeps_its_top_level_properties_and_their_types() -> None:
    full = output_schemas()  # the models' own, complete schemas
    for tool in await build_server(Settings()).list_tools():
        schema = full[tool.name]
        assert schema is not None and tool.output_schema is not None
        listed = tool.output_schema["properties"]
        assert list(listed) == list(schema["properties"]), tool.name
        for name, spec in schema["properties"].items():
            kind = listed[name].get("type")
            assert set(kind if isinstance(kind, list) else [kind] if kind else []) == _types(
                spec, schema.get("$defs", {})
            ), f"{tool.name}.{name}"


async def test_every_argument_says_what_it_means() -> None:
    for tool in await build_server(Settings()).list_tools():
        for name, spec in tool.input_schema.get("properties", {}).items():
            assert spec.get("description") or spec.get("enum"), f"{tool.name}.{name}"


async def test_descriptions_carry_no_source_indentation() -> None:
    for tool in await build_server(Settings()).list_tools():
        assert "  " not in (tool.description or ""), tool.name


async def test_structured_content_that_does_not_fit_the_tool_s_output_model_is_an_internal_error() -> None:
    server = TrutoLogServer("test")

    @server.tool(name="get_log", structured_output=True)
    async def wrong_answer() -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text="a row")], structured_content={"rows": 1})

    result = await server.call_tool("get_log", {})
    assert isinstance(result, CallToolResult) and result.is_error
    assert isinstance(block := result.content[0], TextContent) and block.text.startswith("[internal_error]")
