"""Shared fixtures: the sandbox upstream and the server wired to it, as clients see it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from mcp import Client

from tests.helpers import server_on
from tests.redis_server import RedisServer, redis_server_or_skip
from truto_log_mcp.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def shared_sandbox() -> Sandbox:
    """One generated dataset for read-only tests (generation is the slow part)."""
    return Sandbox(SandboxConfig(rate_limit=None))


@pytest.fixture
def sandbox(shared_sandbox: Sandbox) -> Sandbox:
    """The shared dataset with a fresh request log and fault queue for this test."""
    shared_sandbox.requests.clear()
    shared_sandbox.faults.clear()
    return shared_sandbox


@pytest.fixture(params=["modern", "legacy"])
def client_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(sandbox: Sandbox, client_mode: str) -> AsyncIterator[Client]:
    server = server_on(sandbox)
    if client_mode == "legacy":
        async with Client(server, mode="legacy") as connected:
            yield connected
    else:
        async with Client(server) as connected:
            yield connected


@pytest.fixture(scope="session")
def redis_session() -> Iterator[RedisServer]:
    """One real redis-server for the test session (see tests/redis_server.py)."""
    server = redis_server_or_skip()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(redis_session: RedisServer) -> RedisServer:
    """The session's Redis, running and empty for this test."""
    if redis_session.process is None:
        redis_session.start()  # a test stopped it
    redis_session.flush()
    return redis_session


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`call` and `demo` keep their state in the user's cache directory: a test's is its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("TRUTO_STATE_URL", raising=False)
