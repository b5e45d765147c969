"""The output schemas ``tools/list`` shows are stored: they stay equal to the models' own."""

from __future__ import annotations

import pytest
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata

from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.tools.outputs import OUTPUT_MODELS, output_model, stored_output_schemas

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("tool", sorted(OUTPUT_MODELS))
def test_the_stored_schema_is_the_one_the_sdk_derives_from_the_model(tool: str) -> None:
    derived = FuncMetadata(arg_model=ArgModelBase, output_model=output_model(tool)).output_schema
    assert stored_output_schemas()[tool] == derived, "run `python -m truto_log_mcp.tools.outputs` to rewrite them"


async def test_every_tool_has_a_stored_output_schema_and_no_other_is_stored() -> None:
    tools = {tool.name for tool in await build_server(Settings()).tools_with_views()}  # the app-only tools too
    assert tools == set(OUTPUT_MODELS) == set(stored_output_schemas())


def test_a_tool_without_a_model_has_none() -> None:
    assert output_model("no_such_tool") is None
