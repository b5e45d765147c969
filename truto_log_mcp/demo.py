"""``truto-log-mcp demo``: a guided investigation on the embedded sandbox, printed for a person.

It drives the real server through the SDK's in-memory client, exactly as an assistant would,
and prints each question, the tool call, and the compact answer the assistant would read.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from mcp import Client
from mcp_types import CallToolResult

from truto_log_mcp.settings import Settings

MAX_LINES = 14


async def run_demo(settings: Settings, out: TextIO = sys.stdout) -> int:
    from truto_log_mcp.cli import demo_upstream
    from truto_log_mcp.server import build_server

    demo_settings, transport = demo_upstream(settings)
    async with Client(build_server(demo_settings, transport)) as client:
        say = Narrator(client, out)
        say.title("truto-log-mcp demo: debugging integrations on the embedded sandbox (14 days of generated logs)")
        failing = await say.step(
            "Are Unified/Proxy API calls failing today? Errors only, newest first.",
            "search_logs",
            {"log_type": "unified_proxy_api", "since": "24h", "match": {"status": ">=400"}, "limit": 8},
        )
        if failing.structured_content and failing.structured_content["rows"]:
            ref = failing.structured_content["rows"][0][0]
            await say.step(
                "Open the newest failure whole: which account, what did the provider say?", "get_log", {"ref": ref}
            )
        await say.step(
            "Is one account's auth expired? 401s on HubSpot with the reauth flag.",
            "search_logs",
            {
                "log_type": "unified_proxy_api",
                "since": "7d",
                "filters": {"integration": "hubspot"},
                "match": {"status": 401, "integrated_account_needs_reauth": True},
                "fields": ["timestamp", "http_status_code", "integrated_account_id", "resource"],
                "limit": 5,
            },
        )
        rejected = await say.step(
            "Which webhook deliveries does the customer's endpoint reject?",
            "search_logs",
            {"log_type": "webhook", "since": "2d", "match": {"status": ">=400"}, "limit": 5},
        )
        if rejected.structured_content and rejected.structured_content["next_cursor"]:
            await say.step(
                "More of them: continue that exact query with its cursor.",
                "search_logs",
                {"cursor": rejected.structured_content["next_cursor"], "limit": 5},
            )
        await say.step(
            "Which MCP tool calls error?",
            "search_logs",
            {
                "log_type": "mcp",
                "since": "2d",
                "filters": {"mcp_method": "tools/call"},
                "match": {"status": "5xx"},
                "limit": 5,
            },
        )
        await say.step(
            "Did any sync run record errors this week?",
            "search_logs",
            {"log_type": "rapid_bridge", "since": "7d", "filters": {"sync_job_run_event": "record_error"}, "limit": 5},
        )
        await say.step(
            "A question the upstream would refuse is caught before any request, with the fix:",
            "search_logs",
            {"log_type": "mcp", "since": "45d"},
        )
        say.title("Next: add it to Claude Desktop (README, 'Claude Desktop') and ask in your own words.")
    return 0


class Narrator:
    def __init__(self, client: Client, out: TextIO) -> None:
        self._client = client
        self._out = out
        self._number = 0

    def title(self, text: str) -> None:
        print(f"\n== {text}", file=self._out)

    async def step(self, question: str, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        self._number += 1
        result = await self._client.call_tool(tool, arguments)
        print(f"\n{self._number}. {question}", file=self._out)
        print(f"   > {tool} {json.dumps(arguments, separators=(',', ':'))}", file=self._out)
        text = "\n".join(block.text for block in result.content if block.type == "text")
        lines = text.splitlines()
        for line in lines[:MAX_LINES]:
            print(f"   {line[:180]}", file=self._out)
        if len(lines) > MAX_LINES:
            print(f"   … ({len(lines) - MAX_LINES} more lines)", file=self._out)
        return result
