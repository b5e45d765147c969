"""The MCP server: it registers the tools, prompts and resource, nothing more.

Each tool is one short function: its signature (types from ``tools.arguments``) is the tool's
input schema, its docstring the description, its return annotation the output schema; its body
hands the arguments to the tool's use case in ``tools/``. Errors are converted in ``boundary``.
Each tool's use case (and its output model) is imported on its first call, and ``tools/list``
shows the output schemas stored in ``tools/output_schemas.json`` (see ``tools.outputs``): the stdio
start imports and builds no more than the registration needs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx2
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, ToolAnnotations

from truto_log_mcp.boundary import TrutoLogServer, answer_result, call_of
from truto_log_mcp.prompts import (
    INSTRUCTIONS,
    check_sync_health,
    debug_mcp_tool_calls,
    debug_webhook_delivery,
    investigate_sync_run,
    triage_errors,
)
from truto_log_mcp.render.table import compact_json
from truto_log_mcp.settings import Settings
from truto_log_mcp.tools import arguments as a
from truto_log_mcp.tools.context import Services, serving
from truto_log_mcp.version import __version__
from truto_log_mcp.views.apps import VIEW_OF_TOOL, apps_extension

__all__ = ["TrutoLogServer", "build_server"]

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True)
LOCAL_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
Ctx = Context[Services, Any]


def build_server(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> TrutoLogServer:
    """The server with its tools; ``transport`` replaces the network (the sandbox in --demo and tests);
    ``clock``: what "now" is for the tools (``call --demo``: the sandbox's fixed moment)."""

    server = TrutoLogServer(
        "truto-logs",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lambda _: serving(settings, transport, clock),
        extensions=[apps_extension()],
    )
    server.max_response_chars = settings.max_response_chars
    server.view_of_tool = VIEW_OF_TOOL

    @server.tool(name="search_logs", annotations=READ_ONLY, structured_output=True)
    async def search_logs_tool(
        ctx: Ctx,
        log_type: a.SearchLogType = None,
        since: a.Since = None,
        start: a.Start = None,
        end: a.End = None,
        filters: a.Filters = None,
        match: a.Match = None,
        fields: a.Fields = None,
        limit: a.Limit = None,
        cursor: a.Cursor = None,
    ) -> CallToolResult:
        """Search one Truto log type: a compact table of rows, newest first, with refs and a cursor."""
        from truto_log_mcp.tools.search_logs import search_logs

        return answer_result(
            await search_logs(
                call_of(ctx),
                log_type=log_type,
                since=since,
                start=start,
                end=end,
                filters=filters,
                match=match,
                fields=fields,
                limit=limit,
                cursor=cursor,
            )
        )

    @server.tool(name="get_log", annotations=LOCAL_READ_ONLY, structured_output=True)
    async def get_log_tool(ctx: Ctx, ref: a.Ref) -> CallToolResult:
        """One log row whole (every field), by the `ref` an answer gave it."""
        from truto_log_mcp.tools.get_log import get_log

        return answer_result(await get_log(call_of(ctx), ref))

    @server.tool(name="describe_log_types", annotations=LOCAL_READ_ONLY, structured_output=True)
    async def describe_log_types_tool() -> CallToolResult:
        """The log types, their fields, the upstream filters each accepts, and the query rules."""
        from truto_log_mcp.tools.describe_log_types import describe_log_types

        return answer_result(describe_log_types())

    @server.tool(name="summarize_errors", annotations=READ_ONLY, structured_output=True)
    async def summarize_errors_tool(
        ctx: Ctx,
        log_type: a.SummaryLogType = None,
        since: a.Since = None,
        start: a.Start = None,
        end: a.End = None,
        filters: a.Filters = None,
        group_by: a.SummaryGroupBy = None,
        top: a.Top = 10,
        max_rows: a.MaxRows = None,
    ) -> CallToolResult:
        """Group the errors of a window by cause: counts, first/last seen, who is affected, next step.

        Reads every row of the window (default 24h)."""
        from truto_log_mcp.tools.summarize_errors import summarize_errors

        return answer_result(
            await summarize_errors(
                call_of(ctx),
                log_type=log_type,
                since=since,
                start=start,
                end=end,
                filters=filters,
                group_by=group_by,
                top=top,
                max_rows=max_rows,
            )
        )

    @server.tool(name="log_stats", annotations=READ_ONLY, structured_output=True)
    async def log_stats_tool(
        ctx: Ctx,
        log_type: a.LogTypeArg,
        since: a.Since = None,
        start: a.Start = None,
        end: a.End = None,
        filters: a.Filters = None,
        match: a.Match = None,
        group_by: a.StatsGroupBy = None,
        bucket: a.Bucket = None,
        compare_previous: a.ComparePrevious = False,
        max_rows: a.MaxRows = None,
    ) -> CallToolResult:
        """Counts, error rates and p50/p95/p99 of duration and fetch_duration, per group and time bucket.

        Reads every row of the window (default 24h)."""
        from truto_log_mcp.tools.log_stats import log_stats

        return answer_result(
            await log_stats(
                call_of(ctx),
                log_type=log_type,
                since=since,
                start=start,
                end=end,
                filters=filters,
                match=match,
                group_by=group_by,
                bucket=bucket,
                compare_previous=compare_previous,
                max_rows=max_rows,
            )
        )

    @server.tool(name="trace_sync_run", annotations=READ_ONLY, structured_output=True)
    async def trace_sync_run_tool(
        ctx: Ctx, sync_job_run_id: a.SyncJobRunId, since: a.Since = None, start: a.Start = None, end: a.End = None
    ) -> CallToolResult:
        """A sync run's timeline (run events, webhook deliveries, cron trigger), outcome and diagnosis.

        Without a time it finds the run in all retained logs."""
        from truto_log_mcp.tools.trace_sync_run import trace_sync_run

        answer = await trace_sync_run(call_of(ctx), sync_job_run_id=sync_job_run_id, since=since, start=start, end=end)
        return answer_result(answer)

    @server.tool(name="list_sync_runs", annotations=READ_ONLY, structured_output=True)
    async def list_sync_runs_tool(
        ctx: Ctx,
        since: a.Since = None,
        start: a.Start = None,
        end: a.End = None,
        sync_job_id: a.SyncJobId = None,
        integration: a.Integration = None,
        integrated_account_id: a.IntegratedAccountId = None,
        outcome: a.RunOutcome = None,
        limit: a.RunsLimit = None,
        cursor: a.Cursor = None,
    ) -> CallToolResult:
        """Sync runs started in a window (default 24h), newest first, with outcome, records, first error, undelivered.

        Totals per outcome."""
        from truto_log_mcp.tools.list_sync_runs import list_sync_runs

        answer = await list_sync_runs(
            call_of(ctx),
            since=since,
            start=start,
            end=end,
            sync_job_id=sync_job_id,
            integration=integration,
            integrated_account_id=integrated_account_id,
            outcome=outcome,
            limit=limit,
            cursor=cursor,
        )
        return answer_result(answer)

    prompts = (triage_errors, investigate_sync_run, check_sync_health, debug_webhook_delivery, debug_mcp_tool_calls)
    for prompt in prompts:
        server.prompt(description=(prompt.__doc__ or "").strip())(prompt)

    @server.resource(
        "truto://log-types",
        name="log-types",
        description="The log types, fields, filters and rules (same as describe_log_types).",
        mime_type="application/json",
    )
    def log_types_resource() -> str:
        from truto_log_mcp.tools.describe_log_types import describe_log_types

        return compact_json(describe_log_types().structured.model_dump(mode="json"))

    return server
