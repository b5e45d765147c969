"""--redact: IP and e-mail addresses replaced in rows as they arrive, wherever they are shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from mcp import Client

from tests.helpers import server_on
from truto_log_mcp.redact import SECRET_MARK, RowRedactor, redact_text
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET from 86.48.10.39 (ray)", "GET from <ip> (ray)"),
        ("user john.doe+x@acme.co.uk failed", "user <email> failed"),
        ("from 2001:db8::1 now", "from <ip> now"),
        ("::1", "<ip>"),
    ],
)
def test_addresses_are_replaced(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-05-16T06:28:27.040Z INFO", "version 1.2.3", "not an ip 10.0.0.256", "12:30:45", "ray 9fc8527ebf27a066"],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_nested_values_are_redacted_and_others_kept() -> None:
    row: dict[str, Any] = {"http_ip": "1.2.3.4", "logs": ["to a@b.io"], "headers": {"x": "5.6.7.8"}, "duration": 5}
    assert RowRedactor(personal=True).row(row) == {
        "http_ip": "<ip>",
        "logs": ["to <email>"],
        "headers": {"x": "<ip>"},
        "duration": 5,
    }


async def test_with_redact_no_address_reaches_the_assistant(sandbox: Sandbox) -> None:
    ips = {row["http_ip"] for row in sandbox.rows(LogType.UNIFIED_PROXY_API)[:5]}
    async with Client(server_on(sandbox, redact=True)) as client:
        found = await client.call_tool(
            "search_logs", {"log_type": "unified_proxy_api", "limit": 5, "fields": ["http_ip", "message"]}
        )
        assert isinstance(found.structured_content, dict)
        opened = await client.call_tool("get_log", {"ref": found.structured_content["rows"][0][0]})
    shown = found.content[0].text + opened.content[0].text + str(opened.structured_content)  # type: ignore[union-attr]
    assert ips and not any(ip in shown for ip in ips)
    assert "<ip>" in shown


async def test_without_redact_rows_are_shown_as_they_are(client: Client, sandbox: Sandbox) -> None:
    ip = sandbox.rows(LogType.UNIFIED_PROXY_API)[0]["http_ip"]
    found = await client.call_tool("search_logs", {"log_type": "unified_proxy_api", "limit": 1, "fields": ["http_ip"]})
    assert isinstance(found.structured_content, dict)
    assert found.structured_content["rows"][0][1] == ip


# ---- tokens: always redacted from rows ------------------------------------------------------------------------

TOKEN = "tk/9f8e+7d6c5b4a=="
TOKENS = RowRedactor([TOKEN])


@pytest.mark.parametrize(
    "form", [TOKEN, quote(TOKEN, safe=""), quote(TOKEN, safe="").lower(), quote_plus(TOKEN), quote(TOKEN)]
)
def test_a_token_is_redacted_as_it_is_and_percent_encoded(form: str) -> None:
    assert TOKENS.text(f"GET /x?api_token={form}&page=2") == f"GET /x?api_token={SECRET_MARK}&page=2"


def test_a_token_after_bearer_is_redacted() -> None:
    assert TOKENS.text(f"Authorization: Bearer {TOKEN}") == f"Authorization: Bearer {SECRET_MARK}"


def test_a_token_is_redacted_in_nested_values_and_keys() -> None:
    row: dict[str, Any] = {"headers": {TOKEN: [f"Bearer {TOKEN}"]}, "duration": 5}
    assert TOKENS.row(row) == {"headers": {SECRET_MARK: [f"Bearer {SECRET_MARK}"]}, "duration": 5}


def test_a_token_shorter_than_any_real_one_is_not_redacted() -> None:
    assert RowRedactor(["abc"]).text("abc def") == "abc def"


def test_a_page_without_the_token_s_anchor_skips_the_row_pass() -> None:
    assert not TOKENS.needed(b'{"result": [{"message": "tk/9f8e+7d6c5b4"}]}')


def test_a_page_that_could_spell_the_token_in_json_escapes_gets_the_row_pass() -> None:
    assert TOKENS.needed(b'{"result": [{"message": "tk/9f8e+7d6c5b4\\u0061=="}]}')


def test_a_token_and_personal_data_are_redacted_together() -> None:
    both = RowRedactor([TOKEN], personal=True)
    assert both.text(f"GET /x?api_token={TOKEN} from 1.2.3.4") == f"GET /x?api_token={SECRET_MARK} from <ip>"


def test_with_personal_data_asked_every_page_gets_the_row_pass() -> None:
    assert RowRedactor(personal=True).needed(b'{"result": []}')
