"""``truto-log-mcp call --html FILE``: the tool's view with its result embedded, one file that opens offline.

The call is made as a client that shows views (it advertises MCP Apps), so the result is the one a
chat host would draw; what the view would fetch from app-only tools is fetched now and embedded too.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp_types import CallToolResult

from truto_log_mcp.server import TrutoLogServer
from truto_log_mcp.tools.timelines import VIEW_META
from truto_log_mcp.views import timeline
from truto_log_mcp.views.apps import VIEW_OF_TOOL, VIEWS, view_page

APPS_CLIENT = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})


def view_of(tool: str) -> ModuleType | None:
    """The view that draws ``tool``'s results (None for a tool without one)."""
    return next((view for view in VIEWS if tool in view.TOOLS), None)


def _wire(result: CallToolResult) -> dict[str, Any]:
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


VIEWED_TOOLS = ", ".join(VIEW_OF_TOOL)


async def write_view(server: TrutoLogServer, tool: str, arguments: dict[str, Any], path: str) -> CallToolResult:
    """Call ``tool``, write its view with the result (and what the view reads from app tools) to ``path``."""
    view = view_of(tool)
    assert view is not None
    async with Client(server, extensions=[APPS_CLIENT]) as client:
        result = await client.call_tool(tool, arguments)
        kept: dict[str, Any] = {}
        handle = ((result.meta or {}).get(VIEW_META) or {}).get("timeline")
        if view is timeline and isinstance(handle, str):
            kept[timeline.APP_TOOL] = _wire(await client.call_tool(timeline.APP_TOOL, {"timeline": handle}))
    embedded = {"tool": tool, "arguments": arguments, "result": _wire(result), "tools": kept}
    # It holds log rows: readable by its owner only, like the state file.
    with os.fdopen(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w", encoding="utf-8") as file:
        file.write(view_page(view, embedded))
    return result
