"""Tokens of the ``tools/list`` answer: what every conversation pays before the first call.

The answer as the SDK's in-memory ``Client`` receives it, dumped the way it goes on the wire
(``model_dump(mode="json", by_alias=True, exclude_none=True)``) as compact JSON, in o200k_base
tokens. Two budgets (issue 12):

- the model-visible part: each tool's name, description and input schema (what a host puts in the
  model's context), at most 1,500 tokens for all tools;
- the whole answer (output schemas, annotations and the envelope too), at most 2,500 tokens.

Per tool: the description, the input schema, the output schema, the annotations and the whole
entry. Whatever tools are registered are measured. ``tests/test_boundary.py`` keeps both budgets
with the same measure. Run: ``python -m bench.tools_list``.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client

from bench.common import BenchResult, compact, count_tokens, report, table
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

VISIBLE_BUDGET = 1500
WHOLE_BUDGET = 2500
VISIBLE_KEYS = ("name", "description", "inputSchema")


async def list_tools() -> dict[str, Any]:
    async with Client(build_server(Settings())) as client:
        result = await client.list_tools()
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


def visible_tokens(answer: dict[str, Any]) -> int:
    """Tokens of what a model reads of the tools: name, description and input schema of each."""
    tools = [{key: tool[key] for key in VISIBLE_KEYS if key in tool} for tool in answer["tools"]]
    return count_tokens(compact(tools))


def whole_tokens(answer: dict[str, Any]) -> int:
    return count_tokens(compact(answer))


def tokens_of(value: Any) -> int:
    if value is None:
        return 0
    return count_tokens(value if isinstance(value, str) else compact(value))


def run() -> BenchResult:
    answer = anyio.run(list_tools)
    tools: list[dict[str, Any]] = answer["tools"]
    visible, whole = visible_tokens(answer), whole_tokens(answer)
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
    blank = ["", "", "", ""]
    rows.append([f"**model-visible** ({len(tools)} tools: names, descriptions, inputs)", *blank, f"**{visible:,}**"])
    rows.append([f"**whole answer** ({len(tools)} tools)", *blank, f"**{whole:,}**"])
    header = ["tool", "description", "input schema", "output schema", "annotations", "tool entry"]
    return BenchResult(
        title="`tools/list` answer",
        target=f"model-visible part at most {VISIBLE_BUDGET:,} and whole answer at most {WHOLE_BUDGET:,} o200k tokens",
        met=visible <= VISIBLE_BUDGET and whole <= WHOLE_BUDGET,
        table=table(header, rows),
        summary=[
            f"Model-visible: {visible:,} tokens ({visible / VISIBLE_BUDGET:.0%} of its budget); whole answer: "
            f"{whole:,} tokens ({whole / WHOLE_BUDGET:.0%}), {len(compact(answer)):,} characters of compact JSON. "
            "Tokens: o200k_base."
        ],
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
