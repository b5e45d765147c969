"""Tokens of one ``list_sync_runs`` answer: a default page of the sandbox's default 24 h window.

What the model reads (the text) and what programs read (``structuredContent``), in o200k_base
tokens, through the SDK's in-memory ``Client`` on the sandbox with a fixed ``now``; and the next page
through the cursor, with the upstream requests it sent (none: the cursor keeps the listing).

Target (issue 10): the text at most 1,500 tokens. Run: ``python -m bench.run_listing``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from bench.common import BenchResult, compact, count_tokens, report, table
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

TEXT_BUDGET = 1500
BASE_URL = "http://sandbox.test"


def _measured(result: CallToolResult) -> tuple[int, int, dict[str, Any]]:
    if result.is_error or result.structured_content is None:
        raise RuntimeError("list_sync_runs failed: " + " ".join(b.text for b in result.content if b.type == "text"))
    text = "\n".join(block.text for block in result.content if block.type == "text")
    return count_tokens(text), count_tokens(compact(result.structured_content)), result.structured_content


async def measure(sandbox: Sandbox) -> list[tuple[str, int, int, int, int]]:
    settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=BASE_URL)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    server = build_server(settings, httpx2.ASGITransport(app=sandbox.app))
    rows = []
    async with Client(server) as client:
        before = len(sandbox.requests)
        text, structured, first = _measured(await client.call_tool("list_sync_runs", {}))
        rows.append(("first page (`{}`)", len(first["runs"]), text, structured, len(sandbox.requests) - before))
        before = len(sandbox.requests)
        text, structured, second = _measured(await client.call_tool("list_sync_runs", {"cursor": first["next_cursor"]}))
        rows.append(("next page (`cursor`)", len(second["runs"]), text, structured, len(sandbox.requests) - before))
    return rows


def run() -> BenchResult:
    started = time.perf_counter()
    # The server judges running/stuck at the real clock: the sandbox's "now" is the real one too.
    sandbox = Sandbox(SandboxConfig(rate_limit=None))
    measured = anyio.run(measure, sandbox)
    elapsed = time.perf_counter() - started
    rows = [[what, str(runs), f"{text:,}", f"{tokens:,}", str(sent)] for what, runs, text, tokens, sent in measured]
    header = ["call", "runs", "text tokens", "structured tokens", "upstream requests"]
    return BenchResult(
        title="`list_sync_runs` answer (default `limit`, the sandbox's default 24 h window)",
        target=f"text at most {TEXT_BUDGET:,} o200k tokens",
        met=all(text <= TEXT_BUDGET for _, _, text, _, _ in measured),
        table=table(header, rows),
        summary=[f"Tokens: o200k_base. Sandbox seed 7, `now` the current time; measured in {elapsed:.1f} s."],
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
