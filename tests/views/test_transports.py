"""MCP Apps negotiation over stdio and streamable HTTP, against one real sandbox upstream: a client that
shows views finds and reads them; one that does not gets the same text and structured content, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters

from tests.test_stdio import free_port, sandbox_url
from tests.views.apps_client import APPS
from truto_log_mcp.sandbox import SANDBOX_TOKEN
from truto_log_mcp.tools.timelines import VIEW_META
from truto_log_mcp.views import timeline

pytestmark = pytest.mark.anyio
__all__ = ["sandbox_url"]  # the fixture, shared with test_stdio


def arguments() -> dict[str, Any]:
    """A fixed window (minutes aligned) that both clients' calls read alike."""
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    return {
        "log_type": "unified_proxy_api",
        "start": (end - timedelta(hours=12)).isoformat(),
        "end": end.isoformat(),
        "group_by": ["integration"],
        "compare_previous": True,
    }


def env(url: str) -> dict[str, str]:
    # No scan cache: over HTTP one server answers both clients, and the second answer would say which
    # part came from the cache (the comparison is of views, not of the cache).
    return {
        "PATH": os.environ.get("PATH", ""),
        "TRUTO_API_TOKEN": SANDBOX_TOKEN,
        "TRUTO_BASE_URL": url,
        "TRUTO_SCAN_CACHE": "off",
    }


@pytest.fixture(scope="module")
def http_url(sandbox_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "truto_log_mcp", "serve", "--transport", "http", "--port", str(port)],
        env=env(sandbox_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _both(target: Any, other: Any) -> None:
    call = arguments()
    async with Client(target, extensions=[APPS]) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert (tools["log_stats"].meta or {}).get("ui") == {"resourceUri": timeline.URI}
        page = (await client.read_resource(timeline.URI)).contents[0]
        assert page.mime_type == "text/html;profile=mcp-app"
        with_views = await client.call_tool("log_stats", call)
        assert VIEW_META in (with_views.meta or {})
    async with Client(other) as client:
        assert "error_timeline" not in {tool.name for tool in (await client.list_tools()).tools}
        without = await client.call_tool("log_stats", call)
    assert not with_views.is_error
    assert [block.model_dump_json() for block in with_views.content] == [
        block.model_dump_json() for block in without.content
    ]
    assert with_views.structured_content == without.structured_content


async def test_over_stdio(sandbox_url: str) -> None:
    def server() -> StdioServerParameters:
        return StdioServerParameters(
            command=sys.executable, args=["-m", "truto_log_mcp", "serve"], env=env(sandbox_url)
        )

    await _both(server(), server())


async def test_over_http(http_url: str) -> None:
    await _both(http_url, http_url)
