"""A token inside the rows themselves (an echoed URL, a logged header): the caller's and the server's
Truto tokens never come back from a tool, plain, percent-encoded or after ``Bearer``.

Rows that carry the token are planted in the sandbox; the token has characters that percent-encoding
changes, so that each form is a different string.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, quote_plus

import httpx2
import pytest
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from tests.helpers import sandbox_settings, structured, text_of
from tests.tools.scenario import NOW, stamp
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.tools.context import Services
from truto_log_mcp.upstream.client import Deadline

pytestmark = pytest.mark.anyio

CORE = secrets.token_hex(12)
TOKEN = f"tk/rows+{CORE}=="
"""The caller's token (the one the sandbox accepts); its random core is in every form of it."""
SERVER_CORE = secrets.token_hex(12)
SERVER_TOKEN = f"srv/{SERVER_CORE}+="
"""The server's own token, in multi-user mode, when the caller reads with theirs."""


def forms(token: str) -> list[str]:
    """How a token shows up in logged text: as is, percent-encoded (either case), form-encoded, as a bearer."""
    encoded = quote(token, safe="")
    return [
        token,
        encoded,
        re.sub("%[0-9A-F]{2}", lambda found: found.group(0).lower(), encoded),
        quote_plus(token),
        quote(token),
        f"Bearer {token}",
    ]


def leaky_rows(*tokens: str) -> list[dict[str, Any]]:
    """Failed requests whose URL, headers, message and logs (and a group key) hold every form of the tokens."""
    rows = []
    for index, token in enumerate(form for secret in tokens for form in forms(secret)):
        rows.append(
            {
                "timestamp": stamp(index + 1),
                "http_status_code": 500,
                "integration": f"acme-{token}",
                "resource": "contacts",
                "method": "list",
                "duration": 120.0,
                "integrated_account_id": "acct-acme",
                "http_url": f"https://api.truto.one/unified/crm/contacts?api_token={token}",
                "response_headers": {"authorization": f"Bearer {token}", "x-echo": token},
                "message": f"{stamp(index + 1)} ERROR GET /unified/crm/contacts?token={token} 500",
                "logs": [f"Provider error: request with Authorization: {token} failed"],
            }
        )
    return rows


@pytest.fixture(scope="module")
def leaky() -> Sandbox:
    return Sandbox(
        SandboxConfig(
            now=NOW,
            token=TOKEN,
            generate=False,
            rate_limit=None,
            extra_rows={LogType.UNIFIED_PROXY_API: leaky_rows(TOKEN)},
        )
    )


@pytest.fixture
async def client(leaky: Sandbox) -> AsyncIterator[Client]:
    async with Client(
        build_server(sandbox_settings(api_token=SecretStr(TOKEN)), httpx2.ASGITransport(app=leaky.app))
    ) as c:
        yield c


def shown(result: CallToolResult) -> str:
    return text_of(result) + "\n" + json.dumps(structured(result))


SEARCH = {"log_type": "unified_proxy_api", "since": "24h", "limit": 50}
FIELDS = ["timestamp", "integration", "http_url", "response_headers", "message", "logs"]


async def test_search_logs_shows_no_form_of_the_token(client: Client) -> None:
    text = shown(await client.call_tool("search_logs", {**SEARCH, "fields": FIELDS}))
    assert "[redacted]" in text
    assert CORE not in text


async def test_get_log_shows_no_form_of_the_token(client: Client) -> None:
    found = structured(await client.call_tool("search_logs", SEARCH))
    opened = [shown(await client.call_tool("get_log", {"ref": row[0]})) for row in found["rows"]]
    assert len(opened) == len(forms(TOKEN))
    assert [text for text in opened if CORE in text] == []


@pytest.mark.parametrize("group_by", [None, ["integration"], ["http_url"]])
async def test_summarize_errors_shows_no_form_of_the_token(client: Client, group_by: list[str] | None) -> None:
    arguments: dict[str, Any] = {"log_type": "unified_proxy_api", "since": "24h"}
    if group_by:
        arguments["group_by"] = group_by
    text = shown(await client.call_tool("summarize_errors", arguments))
    assert CORE not in text


@pytest.mark.parametrize("group_by", [["integration"], ["http_url"]])
async def test_log_stats_shows_no_form_of_the_token(client: Client, group_by: list[str]) -> None:
    text = shown(
        await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "since": "24h", "group_by": group_by})
    )
    assert CORE not in text


async def test_rows_read_with_a_caller_s_token_hold_neither_it_nor_the_server_s() -> None:
    """Multi-user: the caller reads with their own token; the server's (if it has one) is redacted as well."""
    both = Sandbox(
        SandboxConfig(
            now=NOW,
            token=TOKEN,
            generate=False,
            rate_limit=None,
            extra_rows={LogType.UNIFIED_PROXY_API: leaky_rows(TOKEN, SERVER_TOKEN)},
        )
    )
    settings = sandbox_settings(api_token=SecretStr(SERVER_TOKEN), multi_user=True)
    services = Services.create(
        settings,
        lambda: httpx2.AsyncClient(transport=httpx2.ASGITransport(app=both.app), base_url="http://sandbox.test"),
    )
    try:
        page = await services.client(SecretStr(TOKEN)).fetch_page(
            wire_params(LogType.UNIFIED_PROXY_API, None, (), 100), Deadline(5)
        )
    finally:
        await services.aclose()
    text = json.dumps(page.rows)
    assert len(page.rows) == 2 * len(forms(TOKEN))
    assert CORE not in text
    assert SERVER_CORE not in text
