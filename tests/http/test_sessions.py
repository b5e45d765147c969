"""MCP sessions per principal, and what a session keeps of its client: one user cannot take every session."""

from __future__ import annotations

import json
import uuid

import anyio
import httpx2
import psutil
import pytest

from tests.http.deployment import INITIALIZE, MCP_HEADERS, Servers, auth, post
from truto_log_mcp.sessions import SessionLedger

pytestmark = pytest.mark.anyio


def user() -> dict[str, str]:
    """A principal of its own (multi-user mode: the hash of the Truto token a client sends)."""
    return auth(bearer=None, user=f"truto-token-{uuid.uuid4().hex}")


async def open_session(url: str, headers: dict[str, str]) -> httpx2.Response:
    return await post(url, INITIALIZE, headers)


async def test_a_user_beyond_their_session_cap_is_refused_while_another_user_opens_one(servers: Servers) -> None:
    url, carol = servers.sessions.url, user()
    for _ in range(2):  # the sessions server allows 2 per principal
        assert (await open_session(url, carol)).status_code == 200
    refused = await open_session(url, carol)
    assert refused.status_code == 429
    message = refused.json()["error"]["message"]
    assert "2 MCP sessions" in message and "TRUTO_MCP_MAX_SESSIONS_PER_PRINCIPAL" in message
    assert (await open_session(url, user())).status_code == 200


async def test_a_session_closed_by_its_client_gives_its_place_back(servers: Servers) -> None:
    url, dave = servers.sessions.url, user()
    opened = [await open_session(url, dave) for _ in range(2)]
    assert (await open_session(url, dave)).status_code == 429
    closing = {**dave, "mcp-session-id": opened[0].headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
    async with httpx2.AsyncClient(timeout=10) as http:
        assert (await http.delete(url, headers=closing)).status_code == 200
    assert (await open_session(url, dave)).status_code == 200


def test_an_idle_session_gives_its_place_back_when_the_sdk_ends_it() -> None:
    now = [0.0]
    ledger = SessionLedger(per_principal=1, idle_s=300, clock=lambda: now[0])
    assert ledger.reserve("erin")
    ledger.opened("s1", "erin")
    ledger.ended("s1")  # the opening request is answered: the session is idle from here
    now[0] = 200.0
    assert ledger.started("s1", "erin")  # a GET stream (or any request) in flight holds the session, however long
    now[0] = 10_000.0
    assert not ledger.reserve("erin")
    ledger.ended("s1")
    now[0] = 10_299.0
    assert not ledger.reserve("erin")
    now[0] = 10_300.0  # idle for the SDK's session_idle_timeout: the SDK has closed it
    assert ledger.reserve("erin")


async def test_memory_stays_flat_when_300_sessions_open_with_1_mb_client_names(servers: Servers) -> None:
    """300 users each open a session with a 1 MB clientInfo.name: none of it may be kept."""
    url, served = servers.sessions.url, servers.sessions
    server = psutil.Process(served.process.pid)
    before = server.memory_info().rss
    name = "n" * 1_000_000  # 1 MB: under the 1 MiB body limit that holds for every request
    params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": name, "version": "0"}}
    body = json.dumps({**INITIALIZE, "params": params})
    statuses: list[int] = []

    async def initialize(http: httpx2.AsyncClient) -> None:
        try:
            answer = await http.post(url, content=body, headers={**MCP_HEADERS, **user()})
            statuses.append(answer.status_code)
        except httpx2.TransportError:  # the server answered 413 and closed before the whole body was sent
            statuses.append(0)

    async with httpx2.AsyncClient(timeout=30) as http:
        for _ in range(30):
            async with anyio.create_task_group() as group:
                for _ in range(10):
                    group.start_soon(initialize, http)
    growth = server.memory_info().rss - before
    assert 200 not in statuses
    assert growth < 30 * 1024 * 1024, f"RSS grew by {growth / 2**20:.0f} MiB"
