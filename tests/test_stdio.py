"""End to end as Claude Desktop runs it: the server as a stdio subprocess, the sandbox as a real
HTTP server in another subprocess, the SDK's Client speaking MCP over the pipes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client, StdioServerParameters

from tests.helpers import structured
from truto_log_mcp.sandbox import SANDBOX_TOKEN

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "truto_log_mcp", "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def stdio_server(env: dict[str, str]) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "truto_log_mcp", "serve"],
        env={"PATH": os.environ.get("PATH", ""), **env},
    )


async def test_search_and_get_log_over_stdio_against_real_http(sandbox_url: str) -> None:
    params = stdio_server({"TRUTO_API_TOKEN": SANDBOX_TOKEN, "TRUTO_BASE_URL": sandbox_url})
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"search_logs", "get_log", "describe_log_types"} <= tools
        first = structured(await client.call_tool("search_logs", {"log_type": "webhook", "since": "7d", "limit": 3}))
        assert len(first["rows"]) == 3
        second = structured(await client.call_tool("search_logs", {"cursor": first["next_cursor"], "limit": 3}))
        assert {row[0] for row in first["rows"]}.isdisjoint(row[0] for row in second["rows"])
        opened = structured(await client.call_tool("get_log", {"ref": first["rows"][0][0]}))
        assert opened["row"]["log_type"] == "webhook"


async def test_missing_token_is_a_tool_error_not_a_crash(sandbox_url: str) -> None:
    async with Client(stdio_server({"TRUTO_BASE_URL": sandbox_url})) as client:
        result = await client.call_tool("search_logs", {"log_type": "webhook"})
        assert result.is_error
        assert result.content[0].type == "text"
        assert result.content[0].text.startswith("[auth_failed]")
        assert "TRUTO_API_TOKEN" in result.content[0].text


async def test_demo_mode_serves_the_embedded_sandbox_without_a_token() -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "truto_log_mcp", "serve", "--demo"],
        env={"PATH": os.environ.get("PATH", "")},
    )
    async with Client(params) as client:
        data = structured(await client.call_tool("search_logs", {"log_type": "mcp", "limit": 2}))
        assert len(data["rows"]) == 2
