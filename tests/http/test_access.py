"""Who may reach the server: /healthz, the bearer token, Host and Origin, the body size."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.http.deployment import ALICE, BEARER, INITIALIZE, MCP_HEADERS, USERS, Servers, Truto, auth, connect, post
from truto_log_mcp.version import __version__

pytestmark = pytest.mark.anyio


async def test_healthz_says_ok_and_the_version_and_nothing_else(servers: Servers, truto: Truto) -> None:
    async with httpx2.AsyncClient(timeout=10) as http:
        answer = await http.get(f"{servers.team.base}/healthz")  # no credentials needed: a load balancer's probe
        assert answer.status_code == 200
        assert answer.json() == {"ok": True, "version": __version__}
        for secret in (BEARER, truto.url, "127.0.0.1", *USERS):
            assert secret not in answer.text
        assert (await http.head(f"{servers.team.base}/healthz")).status_code == 200
        assert (await http.post(f"{servers.team.base}/healthz")).status_code == 405


async def test_the_bearer_token_is_required_and_checked(servers: Servers) -> None:
    url = servers.team.url
    missing = await post(url, INITIALIZE, auth(bearer=None, user=ALICE))
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer ")
    wrong = await post(url, INITIALIZE, auth(bearer=BEARER[:-1] + "X", user=ALICE))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    basic = await post(url, INITIALIZE, {"Authorization": f"Basic {BEARER}"})
    assert basic.status_code == 401
    async with httpx2.AsyncClient(timeout=10) as http:  # every method and path, not only POST /mcp
        assert (await http.get(url)).status_code == 401
        assert (await http.get(f"{servers.team.base}/anything")).status_code == 401
        # no OAuth here: discovery answers 404, so that a refused client does not start a login
        assert (await http.get(f"{servers.team.base}/.well-known/oauth-protected-resource/mcp")).status_code == 404
    async with connect(url, auth(user=ALICE)) as client:
        assert "search_logs" in {tool.name for tool in (await client.list_tools()).tools}


async def test_foreign_host_and_origin_are_refused(servers: Servers) -> None:
    url = servers.team.url
    assert (await post(url, INITIALIZE, {**auth(user=ALICE), "Origin": "http://evil.example"})).status_code == 403
    assert (await post(url, INITIALIZE, {**auth(user=ALICE), "Host": "evil.example:80"})).status_code == 421
    # the Host check comes before authentication: a rebinding attempt learns nothing about it
    assert (await post(url, INITIALIZE, {"Host": "evil.example"})).status_code == 421
    local = await post(url, INITIALIZE, {**auth(user=ALICE), "Origin": "http://localhost:5173"})
    assert local.status_code == 200


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "logs.example.com", "proxy.example.com"])
async def test_an_allowed_name_matches_a_host_header_without_a_port(servers: Servers, host: str) -> None:
    # Behind a proxy on port 80 or 443 the Host header carries no port. The team server allows
    # logs.example.com (no port) and proxy.example.com:443 besides the loopback names.
    assert (await post(servers.team.url, INITIALIZE, {**auth(user=ALICE), "Host": host})).status_code == 200


async def test_request_bodies_over_one_mib_are_refused_with_413(servers: Servers) -> None:
    url = servers.team.url
    big = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * (1024 * 1024)}}
    assert (await post(url, big, auth(user=ALICE))).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(24):
            yield b" " * 65536

    async with httpx2.AsyncClient(timeout=30) as http:
        streamed = await http.post(url, content=chunks(), headers={**MCP_HEADERS, **auth(user=ALICE)})
        assert streamed.status_code == 413
    assert (await post(url, big, {})).status_code == 401  # without credentials the body is not even read
