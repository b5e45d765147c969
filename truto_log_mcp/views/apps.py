"""The views as the MCP Apps extension: the ``ui://`` resources, which tool each view draws, the app-only tool.

A client that negotiated Apps (``boundary.shows_views``) sees ``_meta.ui.resourceUri`` on the tools that
have a view (``VIEW_OF_TOOL``), and the app-only tool ``error_timeline`` (visibility ``["app"]``); every
other client's ``tools/list`` is exactly what it was without views (``boundary.TrutoLogServer`` filters). The pages are
built on the first ``resources/read``, not at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, Final

from mcp.server.apps import APP_MIME_TYPE, Apps
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resources import FunctionResource
from mcp_types import CallToolResult, ToolAnnotations

from truto_log_mcp.boundary import answer_result, call_of
from truto_log_mcp.tools import arguments as a
from truto_log_mcp.tools.context import Services
from truto_log_mcp.views import sync_run, timeline
from truto_log_mcp.views.page import build_page

VIEWS: Final = (timeline, sync_run)
VIEW_OF_TOOL: Final[Mapping[str, str]] = {tool: view.URI for view in VIEWS for tool in view.TOOLS}
APP_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def view_page(view: ModuleType, embedded: Any = None) -> str:
    """The page of ``view`` (a module of this package: ``TITLE``, ``SCRIPT``), ``embedded``: a result to draw."""
    return build_page(view.TITLE, view.SCRIPT, embedded)


def apps_extension() -> Apps:
    """The resources (built when first read) and the app-only tool."""
    apps = Apps()
    for view in VIEWS:
        apps.add_resource(
            FunctionResource(
                uri=view.URI,
                name=view.URI.removeprefix("ui://truto-logs/").removesuffix(".html"),
                title=view.TITLE,
                description=f"Interactive view of {', '.join(view.TOOLS)} results.",
                mime_type=APP_MIME_TYPE,
                fn=lambda view=view: view_page(view),
            )
        )

    @apps.tool(
        resource_uri=timeline.URI,
        visibility=["app"],
        name=timeline.APP_TOOL,
        annotations=APP_READ_ONLY,
        structured_output=True,
    )
    async def error_timeline_tool(ctx: Context[Services, Any], timeline: a.TimelineHandle) -> CallToolResult:
        """For the error timeline view: errors per bucket and group, with refs (the handle is in a result's _meta)."""
        from truto_log_mcp.tools.timelines import error_timeline  # on first use, as the tools' (see server.py)

        return answer_result(await error_timeline(call_of(ctx), timeline))

    return apps
