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

MAX_LINES = 12
LINE_CAP = 200
"""Characters of one printed line; a longer one ends with a visible cut mark."""


async def run_demo(settings: Settings, out: TextIO = sys.stdout) -> int:
    from truto_log_mcp.cli.launch import demo_upstream
    from truto_log_mcp.sandbox import STORIES
    from truto_log_mcp.server import build_server

    demo_settings, transport = demo_upstream(settings)
    async with Client(build_server(demo_settings, transport)) as client:
        say = Narrator(client, out)
        say.title("truto-log-mcp demo: debugging integrations on the embedded sandbox (14 days of generated logs)")
        await say.step(
            "What is failing right now? One call reads every log type of the last 24h and groups errors by cause.",
            "summarize_errors",
            {"top": 5},
            max_lines=24,
        )
        await say.step(
            "Why did the HubSpot sync run fail? Trace it: its events, deliveries and cron trigger.",
            "trace_sync_run",
            {"sync_job_run_id": STORIES["expired_auth"].ids["sync_job_run_id"]},
            max_lines=18,
        )
        await say.step(
            "Is any integration slower or failing more today than yesterday?",
            "log_stats",
            {"log_type": "unified_proxy_api", "group_by": ["integration"], "compare_previous": True},
            max_lines=18,
        )
        await say.step(
            "Which MCP tool calls error, and since when?",
            "summarize_errors",
            {"log_type": "mcp", "since": "3d", "filters": {"mcp_method": "tools/call"}, "group_by": ["tool_name"]},
            max_lines=8,
        )
        rejected = await say.step(
            "Which webhook deliveries does the customer's endpoint reject? The rows themselves:",
            "search_logs",
            {"log_type": "webhook", "since": "2d", "match": {"status": ">=400"}, "limit": 5},
        )
        if rejected.structured_content and rejected.structured_content["rows"]:
            ref = rejected.structured_content["rows"][0][0]
            await say.step("Open one of them whole:", "get_log", {"ref": ref}, max_lines=4)
        await say.step(
            "A question the upstream would refuse is caught before any request, with the fix:",
            "search_logs",
            {"log_type": "mcp", "since": "45d"},
        )
        say.title(
            "Next: `truto-log-mcp install claude-desktop` (or claude-code, cursor) adds it to your assistant, "
            "with `--demo` for this sandbox; then ask in your own words."
        )
    return 0


class Narrator:
    def __init__(self, client: Client, out: TextIO) -> None:
        self._client = client
        self._out = out
        self._number = 0

    def title(self, text: str) -> None:
        print(f"\n== {text}", file=self._out)

    async def step(
        self, question: str, tool: str, arguments: dict[str, Any], max_lines: int = MAX_LINES
    ) -> CallToolResult:
        self._number += 1
        result = await self._client.call_tool(tool, arguments)
        print(f"\n{self._number}. {question}", file=self._out)
        print(f"   > {tool} {json.dumps(arguments, separators=(',', ':'))}", file=self._out)
        text = "\n".join(block.text for block in result.content if block.type == "text")
        lines = text.splitlines()
        for line in lines[:max_lines]:
            print(f"   {line if len(line) <= LINE_CAP else line[: LINE_CAP - 1] + '…'}", file=self._out)
        if len(lines) > max_lines:
            print(f"   … ({len(lines) - max_lines} more lines)", file=self._out)
        return result
