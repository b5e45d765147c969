"""The one HTTP client every caller shares (``shared_http_client``): nothing of one caller's exchange
may reach another's. The sandbox sends the ``Set-Cookie`` (a fault's extra headers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.helpers import truto_client
from truto_log_mcp.errors import AuthFailed
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, Sandbox
from truto_log_mcp.upstream.client import Deadline, shared_http_client

pytestmark = pytest.mark.anyio

PARAMS = wire_params(LogType.WEBHOOK, None, (), 5)
SESSION_COOKIE = Fault(headers={"Set-Cookie": "session=user-a-session; Path=/; HttpOnly"})


@pytest.fixture
async def shared(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    async with shared_http_client(
        "http://sandbox.test", 5.0, "truto-log-mcp/test", httpx2.ASGITransport(app=sandbox.app)
    ) as client:
        yield client


async def test_a_cookie_the_upstream_sets_is_not_kept(shared: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.append(SESSION_COOKIE)
    await truto_client(shared, token=SANDBOX_TOKEN).fetch_page(PARAMS, Deadline(5))
    assert sandbox.requests[-1].status == 200
    assert list(shared.cookies.jar) == []


async def test_a_cookie_set_for_one_user_is_not_sent_with_another_user_s_request(
    shared: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.faults.append(SESSION_COOKIE)
    await truto_client(shared, token=SANDBOX_TOKEN).fetch_page(PARAMS, Deadline(5))
    with pytest.raises(AuthFailed):
        await truto_client(shared, token="user-b-token").fetch_page(PARAMS, Deadline(5))
    assert "cookie" not in sandbox.requests[-1].headers
