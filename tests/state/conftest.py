"""The state stores' fixtures: one opener per backend (memory, sqlite, redis), for every suite of ``state/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.redis_server import RedisServer
from truto_log_mcp.state.memory_store import MemoryStore
from truto_log_mcp.state.open import open_store
from truto_log_mcp.state.store import StateStore

BACKENDS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], StateStore]:
    """Opens a store of the backend; two stores opened by one opener share their state (except memory)."""
    if request.param == "memory":
        return MemoryStore
    if request.param == "sqlite":
        return lambda: open_store(f"sqlite://{tmp_path / 'state.sqlite3'}")
    redis: RedisServer = request.getfixturevalue("redis_server")
    return lambda: open_store(redis.url())


@pytest.fixture
async def store(opener: Callable[[], StateStore]) -> AsyncIterator[StateStore]:
    opened = opener()
    yield opened
    await opened.aclose()
