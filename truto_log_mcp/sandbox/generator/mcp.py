"""``mcp`` rows: AI clients' sessions with Truto's MCP servers.

A session initializes, lists the tools (Cursor lists prompts and resources too), calls a few
tools and sometimes pings. Stories: the HubSpot tool that answers 500 since a day ago and the
people who keep asking for it (``mcp_tool_errors``), Salesforce's 5xx bursts
(``salesforce_5xx``), Zendesk's slowness (``slow_zendesk``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import DASHBOARD_IPS, DASHBOARD_UA, HTTP_METHODS, TRUTO_ORIGIN, Generation
from truto_log_mcp.sandbox.generator.stories import StoryTimeline
from truto_log_mcp.sandbox.world import (
    DASHBOARD_USER_IDS,
    ENVIRONMENT_ID,
    FAILING_MCP_TOOL,
    MCP_HUBSPOT_GLOBEX,
    MCP_SERVERS,
    SALESFORCE,
    TRUTO_HOST,
    McpServer,
    McpTool,
)

_MCP_MASK: Final = "********"
_MCP_CLIENTS: Final[tuple[tuple[str, tuple[str, ...], str, float], ...]] = (
    # name, versions, user agent, weight
    ("Claude-User", ("0.10.1", "0.11.6"), "Claude-User (+https://support.anthropic.com/)", 0.40),
    ("Cursor", ("1.2.4", "1.3.9"), "Cursor/1.3.9 (darwin arm64)", 0.28),
    ("claude-code", ("2.0.14",), "claude-code/2.0.14", 0.15),
    ("mcp-remote", ("0.1.29",), "node", 0.12),
    ("truto-dashboard", ("1.0.0",), DASHBOARD_UA, 0.05),
)
_MCP_CLIENT_WEIGHTS: Final = tuple(client[3] for client in _MCP_CLIENTS)
_MCP_PEOPLE: Final = (
    ("73.162.44.201", "US"),
    ("81.2.69.142", "GB"),
    ("91.64.12.77", "DE"),
    ("49.207.51.3", "IN"),
    ("24.48.0.1", "CA"),
    ("73.93.120.18", "US"),
)


@dataclass(frozen=True, slots=True)
class _McpContext:
    server: McpServer
    client: str
    version: str
    agent: str
    ip: str
    country: str
    user_id: str | None
    headers: dict[str, str]
    query: dict[str, str] | None


class McpTraffic:
    """Every MCP request: sessions per server, then the planted ones."""

    def __init__(self, gen: Generation, timeline: StoryTimeline) -> None:
        self.gen = gen
        self.timeline = timeline

    def run(self) -> None:
        gen = self.gen
        for server in MCP_SERVERS:
            n = gen.count(server.sessions_per_day, gen.start, gen.now)
            for at in gen.times(n, gen.start, gen.now):
                self._session(server, at, None)
        # Story: people keep asking for deals after the tool broke.
        for at in gen.times(14, max(self.timeline.mcp_failing_at, gen.start), gen.now):
            self._session(MCP_HUBSPOT_GLOBEX, at, FAILING_MCP_TOOL)

    def _session(self, server: McpServer, at: int, wanted_tool: str | None) -> None:
        rng = self.gen.rng
        name, versions, agent, _ = rng.choices(_MCP_CLIENTS, weights=_MCP_CLIENT_WEIGHTS)[0]
        dashboard = name == "truto-dashboard"
        ip, country = rng.choice(DASHBOARD_IPS if dashboard else _MCP_PEOPLE)
        session = f"{rng.getrandbits(128):032x}"
        context = _McpContext(
            server=server,
            client=name,
            version=rng.choice(versions),
            agent=agent,
            ip=ip,
            country=country,
            user_id=rng.choice(DASHBOARD_USER_IDS) if dashboard else None,
            headers={"content-type": "application/json", "mcp-session-id": session},
            query={"session_id": session} if name == "mcp-remote" else None,
        )
        at = self._call(context, at, "initialize", None)
        at = self._call(context, at + self.gen.between(20, 300), "notifications/initialized", None)
        at = self._call(context, at + self.gen.between(20, 300), "tools/list", None)
        if name == "Cursor":
            at = self._call(context, at + self.gen.between(20, 300), "prompts/list", None)
            at = self._call(context, at + self.gen.between(20, 300), "resources/list", None)
        calls = [rng.choice(server.tools) for _ in range(self.gen.between(1, 5))]
        if wanted_tool is not None:
            calls[0] = next(tool for tool in server.tools if tool.name == wanted_tool)
        for tool in calls:
            at = self._call(context, at + self.gen.between(1500, 40_000), "tools/call", tool)
        if rng.random() < 0.3:
            self._call(context, at + self.gen.between(10_000, 60_000), "ping", None)

    def _call(self, ctx: _McpContext, at: int, mcp_method: str, tool: McpTool | None) -> int:
        """Emit one MCP request row; returns when its response was sent."""
        rng = self.gen.rng
        server = ctx.server
        account = server.account
        integration = account.integration
        error = ""
        fetch: int | None = None
        result_count: int | None = None
        if tool is None:
            status = 202 if mcp_method == "notifications/initialized" else 200
            duration = self.gen.between(4, 25) if status == 202 else self.gen.between(15, 120)
            logs = {
                "initialize": [f"MCP session initialized for {ctx.client} {ctx.version} (protocol 2025-06-18)"],
                "notifications/initialized": ["Client initialized notification acknowledged"],
                "tools/list": [f"Listed {len(server.tools)} tools for {server.name}"],
                "prompts/list": ["Listed 0 prompts"],
                "resources/list": ["Listed 0 resources"],
                "ping": ["pong"],
            }[mcp_method]
        else:
            lo, hi = integration.latency_ms
            fetch = lo + int((hi - lo) * rng.random() ** 1.6)
            duration = fetch + self.gen.between(20, 80)
            paths = integration.unified.get(tool.resource) or integration.proxy.get(tool.resource)
            path = paths[0] if paths else f"/{tool.resource}"
            provider = f"https://{account.provider_host}{path}"
            logs = [f"Calling tool {tool.name}", f"{HTTP_METHODS[tool.method]} {provider} 200 ({fetch}ms)"]
            if server is MCP_HUBSPOT_GLOBEX and tool.name == FAILING_MCP_TOOL and at >= self.timeline.mcp_failing_at:
                status = 500
                error = "TypeError: Cannot read properties of undefined (reading 'properties') at mapDeal"
            elif integration is SALESFORCE and self.timeline.in_burst(at) and rng.random() < 0.7:
                status = 502
                error = f"Salesforce responded 503 Service Unavailable (request id {rng.getrandbits(48):012x})"
                logs[1] = f"GET {provider} 503 ({fetch}ms)"
            elif rng.random() < 0.01:
                status = 502
                error = f"Upstream request to {account.provider_host} failed: socket hang up"
            else:
                status = 200
                if tool.method == "list":
                    result_count = self.gen.between(0, 50)
                    logs.append(f"Returned {result_count} {tool.resource}")
            if error:
                logs.append(error)
        ray = self.gen.ray()
        stamp = self.gen.iso(at)
        level = "INFO" if status < 400 else "ERROR"
        url = f"{TRUTO_ORIGIN}/mcp/{_MCP_MASK}"
        message = f"{stamp} {level} {ctx.ip} ({ray}) POST {url} {status}"
        if error:
            message += f" - {error}"
        if ctx.query:
            url += f"?session_id={ctx.query['session_id']}"
        row: Row = {
            "app_env": "production",
            "authentication_type": "session" if ctx.user_id else "integrated_account",
            "client_name": ctx.client,
            "client_version": ctx.version,
            "duration": duration,
            "environment_id": ENVIRONMENT_ID,
            "host": TRUTO_HOST,
            "http_country": ctx.country,
            "http_ip": ctx.ip,
            "http_method": "POST",
            "http_request_id": ray,
            "http_status_category": f"{status // 100}xx",
            "http_status_code": status,
            "http_url": url,
            "http_url_details_host": TRUTO_HOST,
            "http_url_details_path": f"/mcp/{_MCP_MASK}",
            "http_url_details_scheme": "https:",
            "http_useragent": ctx.agent,
            "http_version": "HTTP/2",
            "integrated_account_id": account.id,
            "integration": integration.name,
            "log_type": "mcp",
            "logs": logs,
            "mcp_method": mcp_method,
            "mcp_server_id": server.id,
            "mcp_server_name": server.name,
            "message": message,
            "request_type": "mcp",
            "response_headers": ctx.headers,
            "service": "truto-api",
            "tenant_id": account.tenant.id,
            "timestamp": stamp,
        }
        if ctx.query:
            row["http_url_details_query_string"] = ctx.query
        if fetch is not None:
            row["fetch_duration"] = fetch
        if tool is not None:
            row["tool_name"] = tool.name
            row["method"] = tool.method
            row["resource"] = tool.resource
        if result_count is not None:
            row["result_count"] = result_count
        if ctx.user_id:
            row["user_id"] = ctx.user_id
        self.gen.emit(LogType.MCP, at, row)
        return at + duration
