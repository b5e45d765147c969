"""What the team server logged: no token of any kind.

Runs after the other modules that use the team server (pytest runs a folder's modules in name order), so that
its log holds their requests too."""

from __future__ import annotations

import httpx2
import pytest

from tests.http.deployment import ALICE, BEARER, INITIALIZE, MALLORY, SEARCH, USERS, Servers, auth, connect, post
from truto_log_mcp.settings import TOKEN_HEADER

pytestmark = pytest.mark.anyio


async def test_a_token_sent_in_a_query_string_stays_out_of_the_access_log(servers: Servers) -> None:
    """At DEBUG uvicorn logs each request's path: a client that puts a token in the URL must not put it in the log."""
    canary = "query-string-canary-0123456789abcdefghij"
    async with httpx2.AsyncClient(timeout=10) as http:
        for query in (f"access_token={canary}", f"{TOKEN_HEADER}={canary}&x=1", canary):
            assert (await http.get(f"{servers.team.url}?{query}")).status_code == 401
    log = servers.team.stderr()
    assert '"GET /mcp?' in log  # the access log is on, and logged these requests
    assert canary not in log


async def test_no_token_reaches_the_logs(servers: Servers) -> None:
    """The team server logs at DEBUG: refused and accepted requests, tool calls, upstream errors. No
    bearer token and no Truto token appears in what it logged through the tests of this folder."""
    url = servers.team.url
    assert (await post(url, INITIALIZE, auth(bearer=BEARER[::-1], user=ALICE))).status_code == 401
    for user in (ALICE, MALLORY):
        async with connect(url, auth(user=user)) as client:
            await client.call_tool("search_logs", SEARCH)
    log = servers.team.stderr()
    assert "Refused a request without valid credentials" in log and "DEBUG" in log
    for secret in (BEARER, BEARER[::-1], *USERS, MALLORY):
        assert secret not in log
