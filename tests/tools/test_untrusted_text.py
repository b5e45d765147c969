"""Untrusted row text, end to end: every tool that ``tools/list`` returns, asked so that it shows the
hostile values planted in every field of the rule table (``hostile.py``), answers without control
characters, escape sequences, zero-width or bidi characters, forged table columns or lines, and
without any value longer than its cap: in its text and in its structured content.

The tools and their arguments come from ``tools/list``: a tool added later is called too, and an
argument this test does not know how to fill fails the test until it is taught (``_arguments``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, Tool

from tests.helpers import server_on, text_of
from tests.tools.hostile import (
    RUN_ID,
    hostile_rows,
    longest_filler,
    strings_in,
    table_problems,
    unshown_characters,
)
from tests.tools.scenario import NOW
from tests.views.apps_client import APPS
from truto_log_mcp.render.table import FULL_VALUE_CAP
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import Fault, Sandbox, SandboxConfig
from truto_log_mcp.tools.timelines import VIEW_META

pytestmark = pytest.mark.anyio

ANALYSIS_TEXT_CAP = 300
"""The longest cut of a row value outside get_log (samples and evidence; keys and templates 200)."""
GROUP_BY_ITEMS = 3
"""Fields per `group_by` (the tools' bound): the fields of a log type are grouped by in chunks."""


@dataclass(frozen=True, slots=True)
class Asked:
    tool: str
    arguments: dict[str, Any]


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), GROUP_BY_ITEMS):
        yield names[start : start + GROUP_BY_ITEMS]


def _arguments(tool: Tool) -> list[dict[str, Any]]:
    """Argument sets that make ``tool`` show row values: every log type, every field of the rule table
    (as columns, or grouped by where the tool groups). Refs are filled in later (``_refs``)."""
    properties = set(tool.input_schema.get("properties", {}))
    known = {"log_type", "since", "fields", "limit", "group_by", "top", "bucket", "compare_previous"}
    known |= {"sync_job_run_id", "ref", "start", "end", "filters", "match", "cursor", "max_rows"}
    # list_sync_runs' filters select runs; its default listing shows the planted runs' values.
    known |= {"sync_job_id", "integration", "integrated_account_id", "outcome"}
    # The app-only tool of views (a client with MCP Apps lists it) reads timelines by the handles answers give.
    known |= {"timeline"}
    assert properties <= known, f"teach this test how {tool.name}'s {sorted(properties - known)} show row values"
    if {"ref", "timeline"} & properties:
        return []
    if "sync_job_run_id" in properties:
        return [{"sync_job_run_id": RUN_ID}]
    if "log_type" not in properties:
        return [{}]
    sets = []
    for log_type in LogType:
        base: dict[str, Any] = {"log_type": log_type.value}
        base |= {"since": "24h"} if "since" in properties else {}
        base |= {"limit": 100} if "limit" in properties else {}
        base |= {"top": 50} if "top" in properties else {}
        base |= {"bucket": "1h", "compare_previous": True} if "bucket" in properties else {}
        # The timestamp, the one field that cannot be hostile (the upstream orders rows by it), goes first:
        # grouped by with two fields that are.
        fields = sorted(RULES[log_type].field_names, key=lambda name: (name != "timestamp", name))
        if "fields" in properties:
            sets.append({**base, "fields": fields})
        if "group_by" in properties:
            sets += [{**base, "group_by": chunk} for chunk in _chunks(fields)]
        if not {"fields", "group_by"} & properties:
            sets.append(base)
    return sets


def _refs(content: Any) -> set[str]:
    """The refs an answer gives: `ref`/`refs`/`example_refs` values and the `ref` column of its tables."""
    found: set[str] = set()
    if isinstance(content, dict):
        for key, value in content.items():
            if key in ("ref", "refs", "example_refs"):
                found |= {value} if isinstance(value, str) else set(value)
            else:
                found |= _refs(value)
        columns = content.get("columns")
        if isinstance(columns, list) and "ref" in columns:
            found |= {row[columns.index("ref")] for row in content.get("rows", [])}
    elif isinstance(content, list):
        for item in content:
            found |= _refs(item)
    return found


def _problems(asked: Asked, result: CallToolResult) -> list[str]:
    """What is wrong with one answer, one line per kind of problem."""
    text = text_of(result)
    shown = {key: value for key, value in asked.arguments.items() if key in ("log_type", "group_by", "ref")}
    where = f"{asked.tool} {shown}"
    if result.is_error:
        return [f"{where}: answered an error: {text[:200]!r}"]
    problems = [f"{where}: text has {found}" for found in [unshown_characters(text, lines=True)] if found]
    problems += [f"{where}: {problem}" for problem in table_problems(text)[:3]]
    strings = list(strings_in(result.structured_content))
    unshown = sorted({char for string in strings for char in unshown_characters(string, lines=False)})
    problems += [f"{where}: structured content has {unshown}"] if unshown else []
    cap = FULL_VALUE_CAP if "ref" in asked.arguments else ANALYSIS_TEXT_CAP
    longest = max([longest_filler(text), *map(longest_filler, strings)])
    if longest > cap:
        problems.append(f"{where}: a row value of {longest} characters got through (cap {cap})")
    # An error timeline shows row text in its labels only, and only when grouped by a row field (not by cause).
    if asked.arguments and "timeline" not in asked.arguments and "fake row" not in text:
        problems.append(f"{where}: showed no row value (the test asks the wrong question)")
    return problems


async def test_no_tool_shows_untrusted_row_text_raw_or_uncapped() -> None:
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=hostile_rows(NOW), rate_limit=None))
    problems: list[str] = []
    refs: set[str] = set()
    timelines: list[str] = []
    labels_shown = False
    async with Client(server_on(sandbox), extensions=[APPS]) as client:
        tools = (await client.list_tools()).tools
        asked = [Asked(tool.name, arguments) for tool in tools for arguments in _arguments(tool)]
        for question in asked:
            result = await client.call_tool(question.tool, question.arguments)
            problems += _problems(question, result)
            refs |= _refs(result.structured_content)
            timelines += [handle for handle in [((result.meta or {}).get(VIEW_META) or {}).get("timeline")] if handle]
        assert timelines and "error_timeline" in {tool.name for tool in tools}
        for handle in timelines:
            question = Asked("error_timeline", {"timeline": handle})
            result = await client.call_tool("error_timeline", question.arguments)
            problems += _problems(question, result)
            refs |= _refs(result.structured_content)
            labels_shown |= "fake row" in " ".join(strings_in(result.structured_content))
        assert labels_shown, "no error timeline showed a row value (the test asks the wrong question)"
        by_ref = [tool.name for tool in tools if "ref" in tool.input_schema.get("properties", {})]
        assert refs and by_ref
        for name in by_ref:
            for ref in sorted(refs):
                question = Asked(name, {"ref": ref})
                problems += _problems(question, await client.call_tool(name, question.arguments))
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"


async def test_a_lone_surrogate_in_a_row_is_dropped_rather_than_failing_the_answer() -> None:
    # JSON may escape half a surrogate pair, which no UTF-8 answer can carry.
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, rate_limit=None))
    row = b'{"timestamp":"' + NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z").encode() + b'","event":"half\\ud800pair"}'
    sandbox.faults.append(Fault(body=b'{"result":[' + row + b'],"next_cursor":null}'))
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool("search_logs", {"log_type": "webhook", "fields": ["event"]})
    assert "halfpair" in text_of(result)
