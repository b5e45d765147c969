"""Each tool's output model, imported on first use, and its JSON schema, stored.

Importing the output models and deriving their schemas took about 60 ms of every stdio start
(issue 12: a start may cost at most 10 % over a minimal MCP server, about 70 ms). So ``tools/list``
shows the schemas stored in ``output_schemas.json`` beside this module, and a call validates its
structured content against the model, imported then. ``tests/tools/test_outputs.py`` keeps the
file equal to the models' schemas (as the SDK derives them); after changing an output model, run
``python -m truto_log_mcp.tools.outputs`` to rewrite it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

OUTPUT_MODELS: Final[dict[str, tuple[str, str]]] = {
    "search_logs": ("truto_log_mcp.tools.search_logs", "SearchLogsResult"),
    "get_log": ("truto_log_mcp.tools.get_log", "GetLogResult"),
    "describe_log_types": ("truto_log_mcp.tools.describe_log_types", "DescribeLogTypesResult"),
    "summarize_errors": ("truto_log_mcp.tools.results", "SummarizeErrorsResult"),
    "log_stats": ("truto_log_mcp.tools.results", "LogStatsResult"),
    "trace_sync_run": ("truto_log_mcp.tools.results", "TraceSyncRunResult"),
    "list_sync_runs": ("truto_log_mcp.tools.results", "ListSyncRunsResult"),
    "error_timeline": ("truto_log_mcp.tools.timelines", "ErrorTimelineResult"),
}
"""Tool name -> (module, class) of its output model."""

STORED_SCHEMAS = Path(__file__).with_name("output_schemas.json")


def output_model(tool: str) -> type[BaseModel] | None:
    """The output model of ``tool`` (its module imported now), None for a tool without one."""
    where = OUTPUT_MODELS.get(tool)
    if where is None:
        return None
    model = getattr(import_module(where[0]), where[1])
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


@cache
def stored_output_schemas() -> dict[str, dict[str, Any]]:
    """Tool name -> its output model's JSON schema, as stored."""
    schemas: dict[str, dict[str, Any]] = json.loads(STORED_SCHEMAS.read_text(encoding="utf-8"))
    return schemas


def output_schemas() -> dict[str, dict[str, Any]]:
    """Tool name -> its output model's JSON schema, from the models (every one imported)."""
    schemas = {}
    for tool in OUTPUT_MODELS:
        model = output_model(tool)
        assert model is not None
        schemas[tool] = model.model_json_schema()
    return schemas


def write_stored_schemas() -> None:
    STORED_SCHEMAS.write_text(json.dumps(output_schemas(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_stored_schemas()
    print(f"wrote {STORED_SCHEMAS}")
