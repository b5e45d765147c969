"""The canary: a unique token as TRUTO_API_TOKEN must appear in no tool result (text or structured),
no error, no exception, no log line (DEBUG included), and no output of the ``demo`` and ``call``
commands, whatever the upstream answers, including error bodies that echo the token and its
Authorization header back.

In process: every tool through the SDK's in-memory Client, over a sandbox that accepts the canary
(success paths), one that rejects it (401), and the sandbox's fault queue (403, 400, 5xx, 503,
429, malformed bodies, and error bodies that echo the token), with every log record captured at
DEBUG. Out of process: the stdio server (``TRUTO_LOG_LEVEL=DEBUG``, its stderr captured), and the
``demo`` and ``call`` commands, against the sandbox served over real HTTP.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import tempfile
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import CallToolResult
from pydantic import SecretStr

from tests.helpers import text_of
from truto_log_mcp.sandbox import STORIES, Fault, Sandbox, SandboxConfig, serving
from truto_log_mcp.server import TrutoLogServer, build_server
from truto_log_mcp.settings import Settings

pytestmark = pytest.mark.anyio

CANARY = "tk_canary_" + secrets.token_hex(16)
"""Unique to this run: finding it anywhere can only mean a leak."""
CANARY_CORE = CANARY[len("tk_canary_") :][:16]
"""Its random part: a cut-off copy of the token still leaks this."""

RUN_ID = STORIES["expired_auth"].ids["sync_job_run_id"]
PASS = Fault(hang_s=0)

UPSTREAM_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_logs", {"log_type": "webhook", "limit": 5}),
    ("summarize_errors", {"log_type": "webhook", "since": "3d"}),
    ("log_stats", {"log_type": "webhook", "since": "3d", "group_by": ["event"]}),
    ("trace_sync_run", {"sync_job_run_id": RUN_ID}),
    ("list_sync_runs", {"since": "3d"}),
]
UPSTREAM_IDS = [tool for tool, _ in UPSTREAM_CALLS]


def leaks(text: str) -> bool:
    return CANARY in text or CANARY_CORE in text


def echo_body(status: int, field: str = "message") -> bytes:
    """An upstream error body that echoes the token and the Authorization header it received."""
    return json.dumps(
        {
            "statusCode": status,
            "error": "Error",
            field: f"limit must be at most 100; request had Authorization: Bearer {CANARY} (token {CANARY})",
        }
    ).encode()


class Transcript:
    """Everything the assistant, a log reader or a terminal could see, as text."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def result(self, what: str, result: CallToolResult) -> None:
        self.parts.append(f"{what}: " + text_of(result) + "\n" + json.dumps(result.structured_content))

    def exception(self, what: str, error: BaseException) -> None:
        self.parts.append(f"{what} raised: " + "".join(traceback.format_exception(error)))

    def logs(self, records: list[logging.LogRecord]) -> None:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        self.parts += [formatter.format(record) for record in records]

    def text(self) -> str:
        return "\n".join(self.parts)

    def leaked(self) -> list[str]:
        return [part[:400] for part in self.parts if leaks(part)]


@pytest.fixture(scope="module")
def canary_sandbox() -> Sandbox:
    """A sandbox that accepts only the canary (a tenth of the default volume: quick to build)."""
    return Sandbox(SandboxConfig(token=CANARY, rate_limit=None, scale=0.1))


@pytest.fixture
def upstream(canary_sandbox: Sandbox) -> Sandbox:
    canary_sandbox.requests.clear()
    canary_sandbox.faults.clear()
    return canary_sandbox


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def canary_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_token": SecretStr(CANARY),
        "base_url": "http://sandbox.test",
        "max_attempts": 2,
        "retry_after_cap_s": 0.5,
        "call_deadline_s": 5.0,
        "request_timeout_s": 2.0,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
        "scan_concurrency": 1,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(**values)


def canary_server(sandbox: Sandbox, **overrides: Any) -> TrutoLogServer:
    return build_server(canary_settings(**overrides), httpx2.ASGITransport(app=sandbox.app))


@pytest.fixture
async def client(upstream: Sandbox) -> AsyncIterator[Client]:
    async with Client(canary_server(upstream)) as connected:
        yield connected


async def call(client: Client, transcript: Transcript, tool: str, arguments: dict[str, Any]) -> CallToolResult | None:
    try:
        result = await client.call_tool(tool, arguments)
    except Exception as error:
        transcript.exception(f"{tool} {arguments}", error)
        return None
    transcript.result(f"{tool} {arguments}", result)
    return result


async def every_tool(client: Client, transcript: Transcript) -> None:
    """Every tool, the prompts and the resource, following a cursor and opening a ref."""
    found = await call(client, transcript, "search_logs", {"log_type": "webhook", "since": "3d", "limit": 3})
    data = found.structured_content if found is not None and not found.is_error else None
    if data:
        await call(client, transcript, "search_logs", {"cursor": data["next_cursor"], "limit": 3})
        await call(client, transcript, "get_log", {"ref": data["rows"][0][0]})
    for tool, arguments in UPSTREAM_CALLS[1:]:
        await call(client, transcript, tool, arguments)
    await call(client, transcript, "summarize_errors", {"since": "24h"})
    await call(client, transcript, "describe_log_types", {})
    await call(client, transcript, "search_logs", {"log_type": "webhooks"})
    await call(client, transcript, "get_log", {"ref": "r000000"})
    for prompt in (await client.list_prompts()).prompts:
        arguments = {argument.name: "x" for argument in prompt.arguments or []}
        got = await client.get_prompt(prompt.name, arguments)
        transcript.parts += [str(message.content) for message in got.messages]
    resource = await client.read_resource("truto://log-types")
    transcript.parts += [str(content) for content in resource.contents]


# ---- in process ---------------------------------------------------------------------------------------------


async def test_the_token_is_sent_only_in_the_authorization_header(client: Client, upstream: Sandbox) -> None:
    await every_tool(client, Transcript())
    assert upstream.requests
    assert all(request.headers.get("authorization") == f"Bearer {CANARY}" for request in upstream.requests)
    assert not any(leaks(request.raw_query) for request in upstream.requests)
    assert not any(
        leaks(value)
        for request in upstream.requests
        for name, value in request.headers.items()
        if name != "authorization"
    )


async def test_no_result_or_log_of_any_tool_contains_the_token(
    client: Client, upstream: Sandbox, debug_logs: pytest.LogCaptureFixture
) -> None:
    transcript = Transcript()
    await every_tool(client, transcript)
    transcript.logs(debug_logs.records)
    assert "GET /log" in transcript.text(), "the client's DEBUG request log was captured"
    assert transcript.leaked() == []


async def test_no_error_or_log_contains_the_token_when_the_upstream_rejects_it(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    rejecting = Sandbox(SandboxConfig(token="another-token", rate_limit=None, generate=False))
    transcript = Transcript()
    async with Client(canary_server(rejecting)) as client:
        await every_tool(client, transcript)
    transcript.logs(debug_logs.records)
    assert "[auth_failed]" in transcript.text()
    assert transcript.leaked() == []


FAULTS: dict[str, list[Fault]] = {
    "403": [Fault(status=403)],
    "400": [Fault(status=400)],
    "404": [Fault(status=404)],
    "persistent_500": [Fault(status=500), Fault(status=500)],
    "503": [Fault(status=503)],
    "429_beyond_the_cap": [Fault(status=429, retry_after=60)],
    "not_json": [Fault(body=b"<html>Bearer leaked?</html>")],
    "wrong_shape": [Fault(body=b'{"result": "nope"}')],
    "sub_window_503": [PASS, Fault(status=503)],
}


@pytest.mark.parametrize("faults", FAULTS.values(), ids=list(FAULTS))
@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=UPSTREAM_IDS)
async def test_no_answer_or_log_contains_the_token_when_the_upstream_fails(
    client: Client,
    upstream: Sandbox,
    debug_logs: pytest.LogCaptureFixture,
    faults: list[Fault],
    tool: str,
    arguments: dict[str, Any],
) -> None:
    upstream.faults.extend(faults)
    transcript = Transcript()
    await call(client, transcript, tool, arguments)
    transcript.logs(debug_logs.records)
    assert transcript.leaked() == []


ECHOING_STATUSES = [400, 401, 403, 404, 429, 500, 503]


@pytest.mark.parametrize("status", ECHOING_STATUSES)
@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=UPSTREAM_IDS)
async def test_an_upstream_error_body_echoing_the_token_reaches_no_answer_and_no_log(
    client: Client,
    upstream: Sandbox,
    debug_logs: pytest.LogCaptureFixture,
    status: int,
    tool: str,
    arguments: dict[str, Any],
) -> None:
    upstream.faults.extend(Fault(status=status, body=echo_body(status), retry_after=60) for _ in range(2))
    transcript = Transcript()
    await call(client, transcript, tool, arguments)
    transcript.logs(debug_logs.records)
    assert transcript.leaked() == []


@pytest.mark.parametrize("tool", ["summarize_errors", "log_stats"])
async def test_a_failed_sub_window_echoing_the_token_is_not_shown_in_the_coverage(
    client: Client, upstream: Sandbox, tool: str
) -> None:
    upstream.faults.extend([PASS, Fault(status=503, body=echo_body(503))])
    transcript = Transcript()
    result = await call(client, transcript, tool, {"log_type": "webhook", "since": "3d"})
    assert result is not None
    assert "PARTIAL" in transcript.text()
    assert transcript.leaked() == []


async def test_an_echoed_error_message_is_shown_with_the_token_redacted(client: Client, upstream: Sandbox) -> None:
    """What the server shows of an upstream error body: its message, less the secret."""
    upstream.faults.append(Fault(status=400, body=echo_body(400)))
    result = await client.call_tool("search_logs", {"log_type": "webhook"})
    text = text_of(result)
    assert text.startswith("[upstream_rejected]")
    assert "limit must be at most 100" in text
    assert not leaks(text)


async def test_an_echo_in_the_error_field_is_redacted_too(client: Client, upstream: Sandbox) -> None:
    upstream.faults.append(Fault(status=400, body=echo_body(400, field="error")))
    result = await client.call_tool("search_logs", {"log_type": "webhook"})
    text = text_of(result)
    assert text.startswith("[upstream_rejected]")
    assert not leaks(text)


async def test_an_echo_cut_by_the_message_cap_leaks_no_part_of_the_token(client: Client, upstream: Sandbox) -> None:
    """The token straddles the 300-character cap on upstream messages: no prefix of it may remain."""
    message = "x" * 270 + f" {CANARY} was refused"
    upstream.faults.append(Fault(status=400, body=json.dumps({"statusCode": 400, "message": message}).encode()))
    result = await client.call_tool("search_logs", {"log_type": "webhook"})
    text = text_of(result)
    assert text.startswith("[upstream_rejected]")
    assert not leaks(text), text[-120:]


# ---- out of process: the stdio server, `demo` and `call` -----------------------------------------------------


def command_env(**variables: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "TRUTO_LOG_LEVEL": "DEBUG", "TRUTO_API_TOKEN": CANARY, **variables}


async def run_cli(*arguments: str, env: dict[str, str]) -> str:
    """Run ``truto-log-mcp`` (as ``python -m truto_log_mcp``); its stdout and stderr together."""
    done = await anyio.run_process([sys.executable, "-m", "truto_log_mcp", *arguments], env=env, check=False)
    return done.stdout.decode(errors="replace") + "\n" + done.stderr.decode(errors="replace")


async def test_the_stdio_server_s_debug_stderr_never_contains_the_token(upstream: Sandbox) -> None:
    async with serving(upstream) as url:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "truto_log_mcp", "serve"], env=command_env(TRUTO_BASE_URL=url)
        )
        transcript = Transcript()
        with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
            async with Client(stdio_client(params, errlog=stderr)) as client:
                await call(client, transcript, "search_logs", {"log_type": "webhook", "limit": 2})
                await call(client, transcript, "summarize_errors", {"log_type": "webhook", "since": "24h"})
                upstream.faults.append(Fault(status=503))
                await call(client, transcript, "search_logs", {"log_type": "webhook"})
                upstream.faults.append(Fault(status=400, body=echo_body(400)))
                await call(client, transcript, "search_logs", {"log_type": "mcp"})
            stderr.seek(0)
            logged = stderr.read()
    assert "GET /log" in logged, "the server logged at DEBUG"
    assert [line for line in logged.splitlines() if leaks(line)] == []


async def test_the_demo_output_never_contains_the_token() -> None:
    output = await run_cli("demo", env=command_env())
    assert "summarize_errors" in output
    assert not leaks(output)


async def run_clis(*commands: tuple[list[str], dict[str, str]]) -> list[str]:
    """Run independent ``truto-log-mcp`` commands at once (each is a process start); their outputs in order."""
    outputs = [""] * len(commands)

    async def run(index: int, arguments: list[str], env: dict[str, str]) -> None:
        outputs[index] = await run_cli(*arguments, env=env)

    async with anyio.create_task_group() as group:
        for index, (arguments, env) in enumerate(commands):
            group.start_soon(run, index, arguments, env)
    return outputs


async def test_the_call_command_output_never_contains_the_token(upstream: Sandbox) -> None:
    async with serving(upstream) as url:
        env = command_env(TRUTO_BASE_URL=url)
        # None of these meets a fault: they may run at once. The last never reaches the upstream.
        outputs = await run_clis(
            (["call", "search_logs", '{"log_type": "webhook", "limit": 3}'], env),
            (["call", "--json", "summarize_errors", '{"log_type": "webhook"}'], env),
            (["call", "search_logs", '{"log_type": "webhooks"}'], env),
            (["call", "search_logs", "{}"], {**env, "TRUTO_CALL_DEADLINE_S": "soon"}),
        )
        upstream.faults.append(Fault(status=401))
        outputs.append(await run_cli("call", "search_logs", '{"log_type": "webhook"}', env=env))
    assert "webhook: 3 rows" in outputs[0]
    assert "[auth_failed]" in outputs[4]
    assert [output[:300] for output in outputs if leaks(output)] == []


async def test_the_call_command_never_prints_a_token_echoed_by_the_upstream(upstream: Sandbox) -> None:
    async with serving(upstream) as url:
        upstream.faults.append(Fault(status=400, body=echo_body(400)))
        output = await run_cli("call", "search_logs", '{"log_type": "webhook"}', env=command_env(TRUTO_BASE_URL=url))
    assert "[upstream_rejected]" in output
    assert not leaks(output)
