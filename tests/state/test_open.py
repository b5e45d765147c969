"""TRUTO_STATE_URL: the store each URL opens, each command's default, and the URLs refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from truto_log_mcp.settings import Settings
from truto_log_mcp.state.memory_store import MemoryStore
from truto_log_mcp.state.open import MEMORY_URL, default_state_url, open_store
from truto_log_mcp.state.redis_store import RedisStore
from truto_log_mcp.state.sqlite_store import SqliteStore


def test_serve_keeps_its_state_in_memory() -> None:
    assert default_state_url("serve", demo=False) == MEMORY_URL
    assert isinstance(open_store(MEMORY_URL), MemoryStore)


def test_call_and_demo_keep_theirs_in_a_file_of_the_user_s_cache_one_for_the_sandbox() -> None:
    truto, sandbox = default_state_url("call", demo=False), default_state_url("call", demo=True)
    assert truto == f"sqlite://{os.environ['XDG_CACHE_HOME']}/truto-log-mcp/state.sqlite3"  # tests/conftest.py
    assert sandbox.endswith("truto-log-mcp/demo-state.sqlite3")
    assert default_state_url("demo", demo=False) == sandbox
    store = open_store(truto)
    assert isinstance(store, SqliteStore) and store.path == Path(truto.removeprefix("sqlite://"))


def test_a_redis_url_opens_the_redis_store_without_connecting() -> None:
    assert isinstance(open_store("redis://127.0.0.1:1/0"), RedisStore)


@pytest.mark.parametrize("url", ["postgres://db/0", "sqlite://relative.db", "redis://", "memory"])
def test_an_unknown_or_incomplete_url_is_refused_saying_what_is_accepted(url: str) -> None:
    with pytest.raises(ValidationError, match="accepts"):
        Settings(state_url=url)


@pytest.mark.anyio
async def test_the_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = open_store(f"sqlite://{tmp_path / 'private' / 'state.sqlite3'}")
    await store.put("test", "key", b"a row", ttl_s=60)
    await store.aclose()
    assert (tmp_path / "private" / "state.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "private").stat().st_mode & 0o777 == 0o700
