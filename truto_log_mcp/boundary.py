"""The one boundary between MCP and the use cases.

``TrutoLogServer.call_tool`` refuses unknown tools and arguments with a hint, and converts
errors once: pydantic validation errors and ``TrutoLogError`` become ``isError`` results whose
text starts with the stable ``[code]``; anything unexpected is logged and answered as
``[internal_error]`` without its details. ``call_of`` adapts an MCP request context to the
``tools.context.Call`` the use cases take, and ``answer_result`` their ``Answer`` to a result.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from mcp.server.apps import client_supports_apps
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult, ListToolsResult, PaginatedRequestParams, TextContent
from mcp_types import Tool as MCPTool
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError

from truto_log_mcp.errors import InvalidArgument, TrutoLogError, echo
from truto_log_mcp.render.schema import lean_input_schema, lean_output_schema
from truto_log_mcp.render.table import cap_text
from truto_log_mcp.suggest import did_you_mean, listing
from truto_log_mcp.tools.arguments import ID_ARGUMENTS
from truto_log_mcp.tools.context import Answer, Call, Caller, Services, principal_key
from truto_log_mcp.tools.outputs import output_model, stored_output_schemas
from truto_log_mcp.tools.progress import CallProgress

logger = logging.getLogger(__name__)


class TrutoLogServer(MCPServer[Services]):
    """``MCPServer`` with the error boundary and unknown-argument check in ``call_tool``."""

    _listed: list[MCPTool] | None = None
    _listed_with_views: list[MCPTool] | None = None
    view_of_tool: Mapping[str, str] = {}
    """Tool name -> the ``ui://`` view of its results (``views.apps``): shown only to clients with MCP Apps."""
    max_response_chars: int = 200_000
    """The last guard on the size of one answer's text (set from settings in ``build_server``)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Services, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            await self._check_arguments(name, arguments, views=context is not None and shows_views(context))
            progress = _call_progress(context)
            if progress is None:
                result = await super().call_tool(name, arguments, context)
            else:
                # Every tool, those added later too, gets its heartbeat here; ``call_of`` hands the
                # same stream to the use case (a context variable: the tool runs inside this await).
                reset = _PROGRESS.set(progress)
                try:
                    result = await progress.run(super().call_tool(name, arguments, context))
                finally:
                    _PROGRESS.reset(reset)
            if isinstance(result, CallToolResult):
                if not fits_output_model(name, result):
                    logger.error("Tool %r answered structured content that does not fit its output model", echo(name))
                    return self._internal_error(name)
                for block in result.content:
                    if isinstance(block, TextContent):
                        block.text = cap_text(block.text, self.max_response_chars)
            return result
        except TrutoLogError as error:
            return error_result(error, max_chars=self.max_response_chars)
        except ToolError as error:
            cause = domain_error(error.__cause__)
            if isinstance(cause, TrutoLogError):
                return error_result(cause, max_chars=self.max_response_chars)
            if isinstance(cause, ValidationError):
                return error_result(invalid_argument_from(cause), max_chars=self.max_response_chars)
            logger.error("Tool %r failed unexpectedly", echo(name), exc_info=cause or error)
            return self._internal_error(name)

    def _internal_error(self, name: str) -> CallToolResult:
        return error_result(
            TrutoLogError(
                f"{echo(name)} hit an unexpected server error (logged on the server).",
                "Retry once; if it repeats, simplify the arguments.",
            ),
            code="internal_error",
            max_chars=self.max_response_chars,
        )

    async def list_tools(self) -> list[MCPTool]:
        """The tools with lean schemas (see ``render.schema``): ``tools/list`` is read into every conversation.

        Without the tools only views call (MCP Apps visibility ``["app"]``) and without views' ``_meta``:
        what a client that shows no views lists (``tools_with_views`` is what one that does lists). A
        tool's output schema is the one stored for it (``tools.outputs``) unless its return annotation
        names a model."""
        if self._listed is None:
            self._listed = [_lean(tool) for tool in await super().list_tools() if not _app_only(tool)]
        return self._listed

    async def tools_with_views(self) -> list[MCPTool]:
        """The tools as a client with MCP Apps lists them: each with a view points at it; the app-only tools too."""
        if self._listed_with_views is None:
            listed = []
            for tool in await super().list_tools():
                view = self.view_of_tool.get(tool.name)
                if view is not None:
                    tool = tool.model_copy(update={"meta": {**(tool.meta or {}), "ui": {"resourceUri": view}}})
                listed.append(_lean(tool))
            self._listed_with_views = listed
        return self._listed_with_views

    async def _handle_list_tools(
        self, ctx: ServerRequestContext[Services], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        if shows_views(ctx):
            return ListToolsResult(tools=await self.tools_with_views())
        return await super()._handle_list_tools(ctx, params)

    async def _check_arguments(self, name: str, arguments: Mapping[str, Any], views: bool = False) -> None:
        tools = {tool.name: tool for tool in await (self.tools_with_views() if views else self.list_tools())}
        tool = tools.get(name)
        if tool is None:
            raise InvalidArgument(
                f"There is no tool `{echo(name)}`.{did_you_mean(name, tools)} Tools: {listing(tools)}."
            )
        allowed = tool.input_schema.get("properties", {})
        for argument in arguments:
            if argument not in allowed:
                raise InvalidArgument(
                    f"{name} has no argument `{echo(argument)}`.{did_you_mean(argument, allowed)} "
                    f"Its arguments: {listing(allowed)}."
                )


def fits_output_model(tool: str, result: CallToolResult) -> bool:
    """Whether a successful result's structured content validates against the tool's output model (as the SDK
    checks a model named in a return annotation)."""
    model = output_model(tool)
    if model is None or result.is_error:
        return True
    try:
        model.model_validate(result.structured_content)
    except ValidationError:
        return False
    return True


def _lean(tool: MCPTool) -> MCPTool:
    output_schema = tool.output_schema or stored_output_schemas().get(tool.name)
    return tool.model_copy(
        update={
            "description": inspect.cleandoc(tool.description or ""),
            "input_schema": lean_input_schema(tool.input_schema),
            "output_schema": lean_output_schema(output_schema) if output_schema else None,
        }
    )


def _app_only(tool: MCPTool) -> bool:
    ui = (tool.meta or {}).get("ui")
    return isinstance(ui, dict) and ui.get("visibility") == ["app"]


def shows_views(ctx: Context[Services, Any] | ServerRequestContext[Services]) -> bool:
    """Whether the client negotiated MCP Apps with the ``text/html;profile=mcp-app`` type (views are shown)."""
    try:
        return client_supports_apps(ctx)
    except (AttributeError, ValueError):  # a context outside a request (a call made in process)
        return False


def domain_error(error: BaseException | None) -> BaseException | None:
    """The error a tool raised; one raised inside a task group arrives wrapped in an exception group."""
    while isinstance(error, BaseExceptionGroup):
        matched, _ = error.split(TrutoLogError)
        error = matched.exceptions[0] if matched is not None else error.exceptions[0]
    return error


def error_result(error: TrutoLogError, code: str | None = None, max_chars: int | None = None) -> CallToolResult:
    """The tool error of ``error``; its text cut at ``max_chars`` (the answer cap) like any answer's."""
    text = error.tool_text() if code is None else f"[{code}] {error.message} Next: {error.next_step}"
    if max_chars is not None:
        text = cap_text(text, max_chars)
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def invalid_argument_from(error: ValidationError) -> InvalidArgument:
    problems = []
    for detail in error.errors()[:5]:
        # A location holds the caller's dict keys (`filters.<key>`): each part is cut like any echo.
        where = ".".join(echo(str(part)) for part in detail["loc"]) or "arguments"
        hint = ""
        if detail["type"] == "literal_error" and isinstance(detail.get("input"), str):
            hint = did_you_mean(detail["input"], re.findall(r"'([^']*)'", str(detail.get("ctx", {}).get("expected"))))
        location = detail["loc"]
        if len(location) == 2 and location[0] == "filters" and detail["type"] == "string_type":
            from truto_log_mcp.query.arguments import filter_key_hint  # the rules: not needed to start

            hint = f" Filter values are text, e.g. {json.dumps(str(detail.get('input'))[:60])}." + filter_key_hint(
                str(location[1])
            )
        if len(location) == 1 and location[0] in ID_ARGUMENTS and detail["type"] == "string_too_short":
            hint = " Pass the id as an answer printed it, or a unique prefix of at least 8 characters."
        problems.append(f"`{where}`: {detail['msg']}.{hint}")
    return InvalidArgument(
        "Invalid arguments: " + " ".join(problems),
        "Call again with these arguments corrected as said; describe_log_types lists the log types, "
        "their fields and the filters each accepts.",
    )


def answer_result(answer: Answer) -> CallToolResult:
    """The result; what a view reads beyond it goes in ``_meta`` (only for a client that shows views)."""
    if answer.view is None:
        meta = None
    else:  # imported here: an answer with a view was made by the timelines module, the start needs none of it
        from truto_log_mcp.tools.timelines import VIEW_META

        meta = {VIEW_META: dict(answer.view)}
    return CallToolResult(
        content=[TextContent(type="text", text=answer.text)],
        structured_content=answer.structured.model_dump(mode="json"),
        _meta=meta,
    )


_PROGRESS: ContextVar[CallProgress | None] = ContextVar("truto_log_mcp_call_progress", default=None)
"""The progress stream of the tool call running in this context (set by ``TrutoLogServer.call_tool``)."""


def _call_progress(context: Context[Services, Any] | None) -> CallProgress | None:
    """A progress stream with heartbeats for a call made by a client (None for a call without a request).

    Always built: on the in-process transport a client's progress callback leaves no token in the
    request's ``_meta``, and reporting to a client that did not ask is a no-op."""
    if context is None:
        return None
    try:
        services = context.request_context.lifespan_context
    except ValueError:  # called outside a request
        return None
    return CallProgress(context.report_progress, services.settings.progress_interval_s)


def call_of(ctx: Context[Services, Any]) -> Call:
    """The use cases' view of one MCP request: services, caller, session and progress."""
    services = ctx.request_context.lifespan_context
    caller = services.identify(ctx.headers)
    views = shows_views(ctx)
    stream = _PROGRESS.get()
    if stream is not None:
        return Call(services, caller, session_key(ctx, caller), stream.report, views=views)

    async def progress(done: float, total: float | None, message: str | None) -> None:
        await ctx.report_progress(done, total, message)

    return Call(services, caller, session_key(ctx, caller), progress, views=views)


def session_key(ctx: Context[Services, Any], caller: Caller) -> str:
    """What a request's analyses count against: the MCP session the SDK served it in, else its principal.

    On stdio the one session. Over HTTP, a request on the session protocol reached a tool only because the SDK
    found its ``Mcp-Session-Id`` among the open sessions, opened with the same credential: the header names a
    verified session. Without sessions (protocol 2026-07-28, or ``--stateless``) the SDK ignores that header,
    so a client could send a new one with every call: the principal's cap applies instead (the Truto token's
    hash in multi-user mode, else the one shared identity)."""
    headers = ctx.headers
    if headers is None:
        return f"caller:{caller.principal}"
    lowered = {key.lower(): value for key, value in headers.items()}
    session = lowered.get("mcp-session-id")
    stateless = ctx.request_context.lifespan_context.settings.mcp_stateless
    # The SDK routes a request to its sessions by the protocol-version header: absent or a handshake version.
    in_sessions = (
        ctx.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
        and lowered.get("mcp-protocol-version", ctx.protocol_version) in HANDSHAKE_PROTOCOL_VERSIONS
    )
    if session and in_sessions and not stateless:
        return f"session:{session}"
    return principal_key(caller.principal)
