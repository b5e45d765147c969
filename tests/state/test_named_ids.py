"""The record of the ids each owner's answers named: prefix look-ups, owners apart, kinds apart, bounded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.redis_server import free_port
from truto_log_mcp.state.named_ids import NamedIds, StoredIds
from truto_log_mcp.state.open import open_store
from truto_log_mcp.state.store import StateStore

Opener = Callable[[], StateStore]


RUN_A = "d8c33eba-40e6-4faf-baf6-ab319adbc836"
RUN_B = "d8c33eba-0000-4000-8000-000000000002"
JOB = "d8c33eba-1111-4000-8000-000000000003"


def test_the_ids_starting_with_a_prefix_are_found_most_recently_named_first() -> None:
    named = NamedIds()
    named.remember("alice", "sync_job_run_id", [RUN_A, "a1000000-0000-4000-8000-000000000001"])
    named.remember("alice", "sync_job_run_id", [RUN_B])
    assert named.candidates("alice", "sync_job_run_id", "d8c33eba") == [RUN_B, RUN_A]
    assert named.candidates("alice", "sync_job_run_id", "d8c33eba-40") == [RUN_A]


def test_another_owner_finds_nothing() -> None:
    named = NamedIds()
    named.remember("alice", "sync_job_run_id", [RUN_A])
    assert named.candidates("bob", "sync_job_run_id", "d8c33eba") == []


def test_kinds_are_apart() -> None:
    named = NamedIds()
    named.remember("alice", "sync_job_id", [JOB])
    named.remember("alice", "sync_job_run_id", [RUN_A])
    assert named.candidates("alice", "sync_job_id", "d8c33eba") == [JOB]


def test_naming_an_id_again_makes_it_the_most_recent() -> None:
    named = NamedIds(per_owner=2)
    named.remember("alice", "sync_job_run_id", [RUN_A, RUN_B])
    named.remember("alice", "sync_job_run_id", [RUN_A])
    named.remember("alice", "sync_job_id", [JOB])
    assert named.candidates("alice", "sync_job_run_id", "d8c33eba") == [RUN_A]


def test_an_owner_keeps_at_most_per_owner_ids_dropping_the_oldest() -> None:
    named = NamedIds(per_owner=3)
    ids = [f"{index:08d}-run" for index in range(5)]
    named.remember("alice", "sync_job_run_id", ids)
    assert len(named) == 3
    assert named.candidates("alice", "sync_job_run_id", "0000000") == ids[:1:-1]


def test_at_most_max_owners_are_kept_dropping_the_least_recently_active() -> None:
    named = NamedIds(max_owners=2)
    named.remember("alice", "sync_job_run_id", [RUN_A])
    named.remember("bob", "sync_job_run_id", [RUN_A])
    named.remember("alice", "sync_job_id", [JOB])  # alice is active again: bob is the least recent
    named.remember("carol", "sync_job_run_id", [RUN_B])
    assert named.candidates("bob", "sync_job_run_id", "d8c33eba") == []
    assert named.candidates("alice", "sync_job_run_id", "d8c33eba") == [RUN_A]


def test_values_no_id_argument_could_carry_are_not_kept() -> None:
    named = NamedIds()
    named.remember("alice", "sync_job_run_id", [None, "short", "x" * 65, "has space 1234", "ok_id-12"])
    assert len(named) == 1
    assert named.candidates("alice", "sync_job_run_id", "ok_id-12") == ["ok_id-12"]


# The same record in each state store (memory, sqlite, redis: the fixtures of tests/state/conftest.py).


@pytest.mark.anyio
async def test_a_store_finds_the_named_ids_of_a_prefix_most_recent_first(store: StateStore) -> None:
    named = StoredIds(store)
    await named.remember("alice", {"sync_job_run_id": [RUN_A, None, "short"], "sync_job_id": [JOB]})
    await named.remember("alice", {"sync_job_run_id": [RUN_B]})
    assert await named.candidates("alice", "sync_job_run_id", "d8c33eba") == [RUN_B, RUN_A]
    assert await named.candidates("alice", "sync_job_id", "d8c33eba") == [JOB]
    assert await named.candidates("bob", "sync_job_run_id", "d8c33eba") == []


@pytest.mark.anyio
async def test_a_store_keeps_per_owner_ids_dropping_the_least_recently_named(store: StateStore) -> None:
    named = StoredIds(store, per_owner=3)
    ids = [f"{index:08d}-run" for index in range(5)]
    await named.remember("alice", {"sync_job_run_id": ids})
    await named.remember("alice", {"sync_job_run_id": [ids[2]]})  # named again: the most recent
    await named.remember("bob", {"sync_job_run_id": ids})
    assert await named.candidates("alice", "sync_job_run_id", "0000000") == [ids[2], ids[4], ids[3]]


@pytest.mark.anyio
async def test_a_second_process_resolves_what_the_first_remembered_when_the_store_is_shared(opener: Opener) -> None:
    first, second = opener(), opener()
    try:
        await StoredIds(first).remember("alice", {"sync_job_run_id": [RUN_A]})
        expected = [RUN_A] if first.shared else []
        assert await StoredIds(second).candidates("alice", "sync_job_run_id", "d8c33eba") == expected
    finally:
        await first.aclose()
        await second.aclose()


@pytest.mark.anyio
async def test_a_store_that_is_down_remembers_nothing_and_finds_nothing_without_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = open_store(f"redis://127.0.0.1:{free_port()}/0")
    try:
        named = StoredIds(down)
        await named.remember("alice", {"sync_job_run_id": [RUN_A]})
        assert await named.candidates("alice", "sync_job_run_id", "d8c33eba") == []
    finally:
        await down.aclose()
    assert "ids of an answer are not remembered" in caplog.text
