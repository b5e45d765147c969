"""summarize_errors names what its groups affect so that the next call can use it: ids in full (then by
prefix), and the MCP tools that fail by name."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.helpers import server_on, structured, text_of
from tests.tools.scenario import NOW, stamp, unified
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.sandbox.world import FAILING_MCP_TOOL

pytestmark = pytest.mark.anyio

ACCOUNT_ID = "c3000000-0000-4000-8000-00000000000a"
JOB_ID = "c3000000-0000-4000-8000-00000000000b"
RUNS = [f"c3000000-0000-4000-8000-00000000010{index}" for index in range(4)]
MCP_SERVER_ID = "c3000000-0000-4000-8000-00000000000c"


def _ids_scenario() -> Sandbox:
    """One account failing on unified calls (4 rows), in 4 runs of one job (6 failed rows: 3, 1, 1, 1) and on
    an MCP server (2 rows): every count and id known."""
    auth = ["Refreshing token", "Token refresh failed: invalid_grant"]
    unified_rows = [unified(i + 1, 401, "hubspot", integrated_account_id=ACCOUNT_ID, logs=auth) for i in range(4)]
    runs = [RUNS[0]] * 3 + RUNS[1:]
    rapid_bridge = [
        {
            "timestamp": stamp(10 + i),
            "sync_job_run_event": "failed",
            "sync_job_run_id": run,
            "sync_job_id": JOB_ID,
            "integrated_account_id": ACCOUNT_ID,
            "integration": "hubspot",
            "logs": ["Mapping error: cannot read property 'fields' of undefined"],
        }
        for i, run in enumerate(runs)
    ]
    mcp = [
        {
            "timestamp": stamp(20 + i),
            "http_status_code": 500,
            "mcp_server_id": MCP_SERVER_ID,
            "tool_name": "list_all_hub_spot_deals",
            "integrated_account_id": ACCOUNT_ID,
            "integration": "hubspot",
            "logs": ["TypeError: Cannot read properties of undefined (reading 'properties') at mapDeal"],
        }
        for i in range(2)
    ]
    rows = {LogType.UNIFIED_PROXY_API: unified_rows, LogType.RAPID_BRIDGE: rapid_bridge, LogType.MCP: mcp}
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=rows, rate_limit=None))


async def test_each_group_names_its_runs_jobs_accounts_and_mcp_servers_in_full() -> None:
    async with Client(server_on(_ids_scenario())) as client:
        summary = structured(await client.call_tool("summarize_errors", {}))
    groups = {group["log_type"]: group for group in summary["groups"]}
    runs = groups["rapid_bridge"]
    assert runs["accounts"]["top"] == {ACCOUNT_ID: 6}
    assert runs["ids"]["sync_job_id"] == {"top": {JOB_ID: 6}, "distinct": 1}
    assert runs["ids"]["sync_job_run_id"]["top"] == {RUNS[0]: 3, RUNS[1]: 1, RUNS[2]: 1, RUNS[3]: 1}
    assert groups["mcp"]["ids"] == {
        "mcp_server_id": {"top": {MCP_SERVER_ID: 2}, "distinct": 1},
        "tool_name": {"top": {"list_all_hub_spot_deals": 2}, "distinct": 1},
    }


async def test_the_text_gives_each_id_in_full_once_then_by_its_prefix() -> None:
    async with Client(server_on(_ids_scenario())) as client:
        text = text_of(await client.call_tool("summarize_errors", {}))
    lines = text.split("\n")
    # rapid_bridge first (6 rows; its first run has 3), then unified (4), then mcp (2)
    assert f"accounts {ACCOUNT_ID}; jobs {JOB_ID}; runs {RUNS[0]}(3) +3;" in lines[3]
    assert f"accounts {ACCOUNT_ID[:8]};" in lines[6]
    assert f"tools list_all_hub_spot_deals; accounts {ACCOUNT_ID[:8]}; MCP servers {MCP_SERVER_ID};" in lines[9]
    assert text.count(ACCOUNT_ID) == 1


async def test_a_prefix_the_summary_printed_is_an_id_the_next_call_takes() -> None:
    sandbox = _ids_scenario()
    async with Client(server_on(sandbox)) as client:
        await client.call_tool("summarize_errors", {})
        sandbox.requests.clear()
        listing = structured(await client.call_tool("list_sync_runs", {"integrated_account_id": ACCOUNT_ID[:8]}))
    assert listing["filters"] == {"integrated_account_id": ACCOUNT_ID}
    assert {dict(request.params)["log_type"] for request in sandbox.requests} == {"rapid_bridge"}
    assert not [note for note in listing["notes"] if "To resolve" in note]  # no look-up: the summary named it


async def test_the_failing_mcp_tool_is_named_by_its_group() -> None:
    """ "Which MCP tool fails most?" is answered by one call: the group names the planted tool."""
    async with Client(server_on(Sandbox(SandboxConfig(now=NOW)))) as client:
        result = await client.call_tool("summarize_errors", {"log_type": "mcp"})
    top = structured(result)["groups"][0]
    assert list(top["ids"]["tool_name"]["top"]) == [FAILING_MCP_TOOL]
    assert f"tools {FAILING_MCP_TOOL};" in text_of(result)
