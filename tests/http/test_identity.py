"""Multi-user: each client reads logs with its own Truto token; its handles, scan cache and session serve only it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import structured, text_of
from tests.http.deployment import ALICE, BOB, INITIALIZE, MALLORY, SEARCH, USERS, Servers, Truto, auth, connect, post
from truto_log_mcp.query.timeparse import iso
from truto_log_mcp.settings import TOKEN_HEADER

pytestmark = pytest.mark.anyio


async def test_multi_user_reads_logs_with_each_clients_own_token(servers: Servers, truto: Truto) -> None:
    for token, user in USERS.items():
        truto.seen.clear()
        async with connect(servers.team.url, auth(user=token)) as client:
            assert structured(await client.call_tool("search_logs", SEARCH))["rows"]
        assert truto.seen and set(truto.seen) == {user}
    truto.seen.clear()
    async with connect(servers.team.url, auth(user=MALLORY)) as client:
        refused = await client.call_tool("search_logs", SEARCH)
    assert refused.is_error and text_of(refused).startswith("[auth_failed]")
    assert truto.seen == []  # the unknown token reached Truto (which refused it) and nobody else's was used
    async with connect(servers.team.url, auth()) as client:
        missing = await client.call_tool("search_logs", SEARCH)
    assert missing.is_error and text_of(missing).startswith("[auth_failed]")
    assert TOKEN_HEADER in text_of(missing)


async def test_rows_one_user_read_never_answer_another_from_the_scan_cache(servers: Servers, truto: Truto) -> None:
    end = datetime.now(UTC) - timedelta(hours=1, seconds=7)  # long settled: the cache can answer all of it
    span = {"log_type": "webhook", "start": iso(end - timedelta(hours=3)), "end": iso(end)}
    answers: dict[str, dict[str, Any]] = {}
    for token, user in [(ALICE, "alice"), (ALICE, "alice again"), (BOB, "bob")]:
        truto.seen.clear()
        async with connect(servers.team.url, auth(user=token)) as client:
            answers[user] = structured(await client.call_tool("summarize_errors", span))
        answers[user]["seen"] = list(truto.seen)
    assert answers["alice"]["seen"] and set(answers["alice"]["seen"]) == {"alice"}
    assert answers["alice again"]["seen"] == [] and answers["alice again"]["coverage"][0]["cached"]
    assert answers["bob"]["seen"] and set(answers["bob"]["seen"]) == {"bob"}  # read with his own token
    assert not answers["bob"]["coverage"][0]["cached"]
    truto.seen.clear()
    async with connect(servers.team.url, auth(user=MALLORY)) as client:
        refused = await client.call_tool("summarize_errors", span)
    assert refused.is_error and text_of(refused).startswith("[auth_failed]") and truto.seen == []


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_one_users_cursor_and_refs_never_serve_another(servers: Servers, mode: str) -> None:
    async with connect(servers.team.url, auth(user=ALICE), mode) as alice:
        first = structured(await alice.call_tool("search_logs", SEARCH))
        cursor, ref = first["next_cursor"], first["rows"][0][0]
        assert cursor
        async with connect(servers.team.url, auth(user=BOB), mode) as bob:
            continued = await bob.call_tool("search_logs", {"cursor": cursor})
            opened = await bob.call_tool("get_log", {"ref": ref})
            assert continued.is_error and text_of(continued).startswith("[cursor_expired]")
            assert opened.is_error and text_of(opened).startswith("[ref_not_found]")
            assert continued.structured_content is None and opened.structured_content is None
            own = structured(await bob.call_tool("search_logs", SEARCH))
            assert own["next_cursor"] != cursor
            assert (await alice.call_tool("get_log", {"ref": own["rows"][0][0]})).is_error
        # the handles were live all along: their owner still pages and opens them
        second = structured(await alice.call_tool("search_logs", {"cursor": cursor}))
        assert {row[0] for row in second["rows"]}.isdisjoint(row[0] for row in first["rows"])
        assert structured(await alice.call_tool("get_log", {"ref": ref}))["ref"] == ref


async def test_an_mcp_session_answers_only_the_user_who_opened_it(servers: Servers) -> None:
    url = servers.team.url
    opened = await post(url, INITIALIZE, auth(user=ALICE))
    session = opened.headers["mcp-session-id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    in_session = {"mcp-session-id": session, "mcp-protocol-version": "2025-06-18"}
    assert (await post(url, ping, {**auth(user=BOB), **in_session})).status_code == 404
    assert (await post(url, ping, {**auth(user=ALICE), **in_session})).status_code == 200
