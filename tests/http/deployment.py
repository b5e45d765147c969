"""The deployment under test: the upstream (a Truto that knows two users), the servers (real CLI
subprocesses) and the clients that speak to them."""

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

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import Receive, Scope, Send

from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from truto_log_mcp.settings import TOKEN_HEADER

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


def start(args: list[str], env: dict[str, str], logs: Path, python: list[str] | None = None) -> Served:
    """``python`` replaces ``python -m truto_log_mcp`` (e.g. with a lowered file limit: ``slowloris.limited_files``)."""
    log = Path(tempfile.mkstemp(dir=logs, suffix=".log")[1])
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    command = python or [sys.executable, "-m", "truto_log_mcp"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "serve", "--transport", "http", "--port", "0", *args],
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
    sessions: Served
    """--demo --multi-user with room for 2 MCP sessions per principal."""
    replicas: list[Served]
    """Two --stateless --demo replicas, as behind a load balancer."""
    logs: Path


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
