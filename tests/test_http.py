"""Streamable HTTP as a team deploys it, over real HTTP on 127.0.0.1.

The servers run as ``truto-log-mcp serve --transport http`` subprocesses (the real CLI, flags and
environment). Their upstream is the sandbox served over real HTTP in a thread, behind a small
"Truto that knows two users" which accepts Alice's and Bob's tokens and records whose token each
upstream request carried: that is how the tests see that multi-user mode reads logs with each
client's own token, and that one user's cursor handles and refs never serve another.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from starlette.types import Receive, Scope, Send

from tests.helpers import structured, text_of
from truto_log_mcp import __version__
from truto_log_mcp.cli import main as cli_main
from truto_log_mcp.http import HttpOptions, is_loopback, security_settings
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, Sandbox, SandboxConfig
from truto_log_mcp.tools.context import TOKEN_HEADER

pytestmark = pytest.mark.anyio

BEARER = "test-bearer-token-0123456789-abcdefghij"
USERS = {"alice-truto-token-1": "alice", "bob-truto-token-22": "bob"}
ALICE, BOB = list(USERS)
MALLORY = "mallory-unknown-token"
READY = re.compile(r"serving MCP over streamable HTTP at (http://\S+/mcp)")
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tests", "version": "0"}},
}


# ---- the upstream: the sandbox behind a Truto that knows two users ----------------------------


@dataclass
class Truto:
    sandbox: Sandbox
    seen: list[str] = field(default_factory=list)
    """The user of every upstream request that carried a known token, in arrival order."""
    url: str = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
            if token in USERS:
                self.seen.append(USERS[token])
                headers[b"authorization"] = f"Bearer {SANDBOX_TOKEN}".encode()
                scope = {**scope, "headers": list(headers.items())}
        await self.sandbox.app(scope, receive, send)


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the upstream did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def truto() -> Iterator[Truto]:
    upstream = Truto(Sandbox(SandboxConfig(rate_limit=None)))
    with serve_in_thread(upstream) as url:
        upstream.url = url
        yield upstream


# ---- the servers under test: real CLI subprocesses ------------------------------------------


@dataclass
class Served:
    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    @property
    def base(self) -> str:
        return self.url.removesuffix("/mcp")

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


def start(args: list[str], env: dict[str, str], logs: Path) -> Served:
    log = Path(tempfile.mkstemp(dir=logs, suffix=".log")[1])
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "truto_log_mcp", "serve", "--transport", "http", "--port", "0", *args],
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    return Served(args, env, process, log)


def wait_ready(served: Served, timeout: float = 30.0) -> Served:
    deadline = time.monotonic() + timeout
    while not (found := READY.search(served.stderr())):
        if served.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"server {served.args} did not start:\n{served.stderr()}")
        time.sleep(0.05)
    served.url = found.group(1)
    return served


def stop(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


@dataclass
class Servers:
    team: Served
    """Multi-user with a bearer token; reads logs from ``truto`` with each client's token."""
    limits: Served
    """--demo with room for 2 MCP sessions."""
    replicas: list[Served]
    """Two --stateless --demo replicas, as behind a load balancer."""
    logs: Path


@pytest.fixture(scope="module")
def servers(truto: Truto) -> Iterator[Servers]:
    with tempfile.TemporaryDirectory() as directory:
        logs = Path(directory)
        team_env = {
            "TRUTO_MCP_BEARER_TOKEN": BEARER,
            "TRUTO_BASE_URL": truto.url,
            "TRUTO_LOG_LEVEL": "DEBUG",
            "TRUTO_MAX_ATTEMPTS": "1",
        }
        started = [
            start(["--multi-user"], team_env, logs),
            start(["--demo"], {"TRUTO_MCP_MAX_SESSIONS": "2"}, logs),
            start(["--demo", "--stateless"], {}, logs),
            start(["--demo", "--stateless"], {}, logs),
        ]
        try:
            team, limits, *replicas = (wait_ready(served) for served in started)
            yield Servers(team, limits, replicas, logs)
        finally:
            for served in started:
                stop(served)


# ---- clients --------------------------------------------------------------------------------


def auth(bearer: str | None = BEARER, user: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    if user is not None:
        headers[TOKEN_HEADER] = user
    return headers


@asynccontextmanager
async def connect(url: str, headers: dict[str, str], mode: str = "auto") -> AsyncIterator[Client]:
    """The SDK's Client over streamable HTTP with these headers on every request
    (``auto`` speaks 2026-07-28 without sessions; ``legacy`` opens an MCP session)."""
    timeout = httpx2.Timeout(30.0, read=60.0)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
            yield client


async def post(url: str, body: Any, headers: dict[str, str]) -> httpx2.Response:
    async with httpx2.AsyncClient(timeout=30) as http:
        return await http.post(url, content=json.dumps(body), headers={**MCP_HEADERS, **headers})


SEARCH = {"log_type": "webhook", "since": "7d", "limit": 3}


# ---- /healthz, authentication, Host/Origin, body size -----------------------------------------


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


# ---- multi-user: each client's own Truto token, and handles bound to their user ------------------


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


# ---- limits: concurrent analyses per session, sessions ---------------------------------------


async def test_a_session_runs_at_most_two_analyses_at_once(servers: Servers, truto: Truto) -> None:
    analysis = {"log_type": "webhook", "since": "1h"}
    truto.sandbox.faults.extend([Fault(hang_s=1.5), Fault(hang_s=1.5)])
    results: list[CallToolResult] = []
    async with (
        connect(servers.team.url, auth(user=ALICE), "legacy") as first,
        connect(servers.team.url, auth(user=ALICE), "legacy") as second,
    ):

        async def analyse() -> None:
            results.append(await first.call_tool("summarize_errors", analysis))

        async with anyio.create_task_group() as group:
            group.start_soon(analyse)
            group.start_soon(analyse)
            with anyio.fail_after(10):
                while truto.sandbox.faults:  # both analyses are waiting on the hanging upstream
                    await anyio.sleep(0.02)
            busy = await first.call_tool("summarize_errors", analysis)
            assert busy.is_error and text_of(busy).startswith("[busy]")
            other_session = await second.call_tool("summarize_errors", analysis)
            structured(other_session)
    assert len(results) == 2 and all(not result.is_error for result in results)


async def test_sessions_beyond_the_limit_answer_503_until_one_ends(servers: Servers) -> None:
    url = servers.limits.url
    async with connect(url, {}, "legacy") as first:
        async with connect(url, {}, "legacy"):
            refused = await post(url, INITIALIZE, {})
            assert refused.status_code == 503
            assert "Too many open sessions" in refused.text
            assert (await first.call_tool("describe_log_types", {})).is_error is False
        async with connect(url, {}, "legacy") as third:  # the second session ended (DELETE): room again
            structured(await third.call_tool("search_logs", SEARCH))


# ---- stateless replicas ----------------------------------------------------------------------


def instance_tag(handle: str) -> str:
    return handle[1:4]


async def test_stateless_replicas_refuse_each_others_handles(servers: Servers) -> None:
    a, b = servers.replicas
    opened = await post(a.url, INITIALIZE, {})
    assert opened.status_code == 200 and "mcp-session-id" not in opened.headers
    for _ in range(3):
        async with connect(a.url, {}) as on_a, connect(b.url, {}, "legacy") as on_b:
            first = structured(await on_a.call_tool("search_logs", SEARCH))
            cursor, ref = first["next_cursor"], first["rows"][0][0]
            own = structured(await on_b.call_tool("search_logs", SEARCH))
        if instance_tag(own["next_cursor"]) != instance_tag(cursor):
            break
        # Each process tags its handles with 3 random hex digits: two replicas drew the same tag (1 in 4096),
        # the case handles.py cannot tell apart. Restart one so that the test is about distinct replicas.
        stop(b)
        b = servers.replicas[1] = wait_ready(start(b.args, b.env, servers.logs))
    else:
        raise AssertionError("the replicas kept drawing the same instance tag")
    async with connect(a.url, {}) as on_a, connect(b.url, {}, "legacy") as on_b:
        continued = await on_b.call_tool("search_logs", {"cursor": cursor})
        assert continued.is_error and text_of(continued).startswith("[cursor_expired]")
        assert "not issued by this server instance" in text_of(continued)
        opened_ref = await on_b.call_tool("get_log", {"ref": ref})
        assert opened_ref.is_error and text_of(opened_ref).startswith("[ref_not_found]")
        back = await on_a.call_tool("search_logs", {"cursor": own["next_cursor"]})
        assert back.is_error and text_of(back).startswith("[cursor_expired]")
        # the replica that issued them still holds them between (stateless) requests and clients
        second = structured(await on_a.call_tool("search_logs", {"cursor": cursor}))
        assert {row[0] for row in second["rows"]}.isdisjoint(row[0] for row in first["rows"])
        assert structured(await on_a.call_tool("get_log", {"ref": ref}))["ref"] == ref


# ---- refusing to expose the server -----------------------------------------------------------


def test_non_loopback_bind_without_a_bearer_token_exits_2() -> None:
    for host in ("0.0.0.0", "10.1.2.3"):
        finished = subprocess.run(
            [sys.executable, "-m", "truto_log_mcp", "serve", "--transport", "http", "--host", host, "--multi-user"],
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            timeout=30,
        )
        assert finished.returncode == 2
        assert finished.stdout == b""
        message = finished.stderr.decode()
        assert "needs authentication" in message and "TRUTO_MCP_BEARER_TOKEN" in message
        assert "--multi-user alone does not count" in message


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["--host", "0.0.0.0"], {"TRUTO_MCP_BEARER_TOKEN": BEARER}, "TRUTO_MCP_ALLOWED_HOSTS"),
        (["--host", "::"], {"TRUTO_MCP_BEARER_TOKEN": BEARER}, "without allowed host names"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "short"}, "too short"),
        (["--host", "localhost"], {"TRUTO_MCP_BEARER_TOKEN": " " * 40 + "x"}, "too short"),
    ],
)
def test_exposing_configurations_are_refused(
    argv: list[str], env: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli_main(["serve", "--transport", "http", "--port", "0", *argv]) == 2
    error = capsys.readouterr().err
    assert says in error
    assert BEARER not in error


def test_http_flags_are_refused_on_stdio(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--multi-user", "--stateless"]) == 2
    assert "--multi-user, --stateless needs --transport http" in capsys.readouterr().err


def test_allowed_hosts_and_origins() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.8.0.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("logs.example.com")
    loopback = security_settings(HttpOptions())
    assert loopback.enable_dns_rebinding_protection
    assert "127.0.0.1:*" in loopback.allowed_hosts and "http://localhost:*" in loopback.allowed_origins
    team = security_settings(
        HttpOptions(
            host="10.0.0.5",
            allowed_hosts=("logs.example.com", "proxy.internal:8443"),
            allowed_origins=("https://logs.example.com",),
        )
    )
    assert {"10.0.0.5", "10.0.0.5:*", "logs.example.com", "logs.example.com:*", "proxy.internal:8443"} <= set(
        team.allowed_hosts
    )
    assert "proxy.internal:*" not in team.allowed_hosts
    assert "https://logs.example.com" in team.allowed_origins


# ---- last: what the servers logged -----------------------------------------------------------


async def test_no_token_reaches_the_logs(servers: Servers) -> None:
    """The team server logs at DEBUG: refused and accepted requests, tool calls, upstream errors. No
    bearer token and no Truto token appears in what it logged through this module's tests."""
    url = servers.team.url
    assert (await post(url, INITIALIZE, auth(bearer=BEARER[::-1], user=ALICE))).status_code == 401
    for user in (ALICE, MALLORY):
        async with connect(url, auth(user=user)) as client:
            await client.call_tool("search_logs", SEARCH)
    log = servers.team.stderr()
    assert "Refused a request without valid credentials" in log and "DEBUG" in log
    for secret in (BEARER, BEARER[::-1], *USERS, MALLORY):
        assert secret not in log
