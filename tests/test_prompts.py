"""The prompts: listed with their arguments, and each one starts from the tool that answers it."""

from __future__ import annotations

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

EXPECTED = {
    "triage_errors": ({}, "summarize_errors"),
    "investigate_sync_run": ({"sync_job_run_id": "run-1"}, "trace_sync_run"),
    "check_sync_health": ({"integration": "bamboohr"}, "list_sync_runs"),
    "debug_webhook_delivery": ({"webhook_id": "wh-1"}, "log_stats"),
    "debug_mcp_tool_calls": ({}, "log_stats"),
}


async def test_the_five_investigations_are_listed(client: Client) -> None:
    names = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert set(EXPECTED) <= names


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_each_prompt_starts_with_the_tool_that_answers_it(client: Client, name: str) -> None:
    arguments, tool = EXPECTED[name]
    prompt = await client.get_prompt(name, arguments)
    content = prompt.messages[0].content
    assert content.type == "text"
    assert f"Call {tool}" in content.text
    for value in arguments.values():
        assert value in content.text


async def test_instructions_name_the_answering_tools(client: Client) -> None:
    instructions = client.instructions
    assert instructions is not None
    for tool in ("summarize_errors", "trace_sync_run", "list_sync_runs", "log_stats", "search_logs", "get_log"):
        assert tool in instructions
