"""Handle stores: short opaque handles, TTL, LRU bound, owner binding."""

from __future__ import annotations

import re

import pytest

from tests.helpers import FakeClock
from truto_log_mcp.state.handles import HandleStore


def store(max_items: int = 10, ttl_s: float = 60.0, clock: FakeClock | None = None) -> HandleStore[str]:
    return HandleStore("r", max_items=max_items, ttl_s=ttl_s, clock=clock or FakeClock())


def test_put_then_get_returns_the_value() -> None:
    refs = store()
    handle = refs.put("row-1")
    assert refs.get(handle) == "row-1"


def test_get_of_an_unknown_handle_is_none() -> None:
    assert store().get("r000000") is None


@pytest.mark.parametrize("prefix", ["r", "c", "ref_"])
def test_handle_is_prefix_instance_tag_and_a_base36_sequence(prefix: str) -> None:
    handles: HandleStore[int] = HandleStore(prefix, max_items=100, ttl_s=60.0, instance_tag="a1b")
    issued = [handles.put(number) for number in range(40)]
    assert issued[0] == f"{prefix}a1b0"
    assert issued[35] == f"{prefix}a1bz"
    assert issued[36] == f"{prefix}a1b10"
    assert all(re.fullmatch(re.escape(prefix) + "a1b[0-9a-z]+", handle) for handle in issued)


def test_an_evicted_handle_is_never_issued_again() -> None:
    handles: HandleStore[int] = HandleStore("r", max_items=2, ttl_s=60.0)
    first = handles.put(1)
    later = {handles.put(number) for number in range(100)}
    assert first not in later
    assert handles.get(first) is None


def test_a_handle_of_another_instance_is_recognised_as_foreign() -> None:
    here: HandleStore[int] = HandleStore("r", max_items=10, ttl_s=60.0, instance_tag="aaa")
    there: HandleStore[int] = HandleStore("r", max_items=10, ttl_s=60.0, instance_tag="bbb")
    assert here.issued_here(here.put(1))
    assert not here.issued_here(there.put(1))


def test_handles_are_distinct() -> None:
    refs = store(max_items=500)
    handles = {refs.put(str(number)) for number in range(200)}
    assert len(handles) == 200
    assert len(refs) == 200


def test_entry_lives_until_just_before_its_ttl() -> None:
    clock = FakeClock()
    refs = store(ttl_s=60.0, clock=clock)
    handle = refs.put("row")
    clock.now += 59.999
    assert refs.get(handle) == "row"


def test_entry_expires_at_its_ttl() -> None:
    clock = FakeClock()
    refs = store(ttl_s=60.0, clock=clock)
    handle = refs.put("row")
    clock.now += 60.0
    assert refs.get(handle) is None


def test_expired_entry_is_removed_on_lookup() -> None:
    clock = FakeClock()
    refs = store(ttl_s=60.0, clock=clock)
    handle = refs.put("row")
    clock.now += 61.0
    refs.get(handle)
    assert len(refs) == 0


def test_store_holds_max_items() -> None:
    refs = store(max_items=3)
    handles = [refs.put(str(number)) for number in range(3)]
    assert len(refs) == 3
    assert [refs.get(handle) for handle in handles] == ["0", "1", "2"]


def test_put_beyond_max_items_evicts_the_least_recently_used() -> None:
    refs = store(max_items=3)
    first, second, third = (refs.put(value) for value in ("a", "b", "c"))
    fourth = refs.put("d")
    assert len(refs) == 3
    assert refs.get(first) is None
    assert [refs.get(handle) for handle in (second, third, fourth)] == ["b", "c", "d"]


def test_get_refreshes_recency() -> None:
    refs = store(max_items=3)
    first, second, third = (refs.put(value) for value in ("a", "b", "c"))
    assert refs.get(first) == "a"
    refs.put("d")
    assert refs.get(first) == "a"
    assert refs.get(second) is None
    assert refs.get(third) == "c"


def test_other_owner_gets_none() -> None:
    refs = store()
    handle = refs.put("secret", owner="alice")
    assert refs.get(handle, owner="bob") is None


def test_anonymous_lookup_of_an_owned_entry_gets_none() -> None:
    refs = store()
    handle = refs.put("secret", owner="alice")
    assert refs.get(handle) is None


def test_other_owner_lookup_leaves_the_entry_to_its_owner() -> None:
    refs = store()
    handle = refs.put("secret", owner="alice")
    refs.get(handle, owner="bob")
    assert refs.get(handle, owner="alice") == "secret"


def test_owner_gets_its_own_entry() -> None:
    refs = store()
    handle = refs.put("mine", owner="alice")
    assert refs.get(handle, owner="alice") == "mine"


def test_the_store_keeps_within_its_byte_bound_by_evicting_the_oldest() -> None:
    sized: HandleStore[str] = HandleStore("r", max_items=100, ttl_s=60.0, max_bytes=1000, size_of=len)
    handles = [sized.put("x" * 300) for _ in range(5)]
    assert sized.bytes <= 1000
    assert sized.get(handles[0]) is None
    assert sized.get(handles[-1]) == "x" * 300


def test_an_expired_entry_gives_back_its_bytes() -> None:
    clock = FakeClock()
    sized: HandleStore[str] = HandleStore("r", max_items=10, ttl_s=1.0, clock=clock, max_bytes=1000, size_of=len)
    handle = sized.put("x" * 300)
    clock.now += 2
    assert sized.get(handle) is None
    assert sized.bytes == 0


# ---- fair shares between owners: one owner's use cannot evict another's entries -------------------------------


def test_an_owner_filling_the_store_evicts_its_own_entries_not_another_owner_s() -> None:
    refs = store(max_items=10)
    alice = [refs.put(f"a{number}", owner="alice") for number in range(3)]
    for number in range(100):
        refs.put(f"b{number}", owner="bob")
    assert [refs.get(handle, owner="alice") for handle in alice] == ["a0", "a1", "a2"]
    assert len(refs) == 10


def test_an_owner_filling_the_bytes_evicts_its_own_entries_not_another_owner_s() -> None:
    sized: HandleStore[str] = HandleStore("r", max_items=100, ttl_s=60.0, max_bytes=1000, size_of=len)
    alice = sized.put("a" * 200, owner="alice")
    for _ in range(20):
        sized.put("b" * 300, owner="bob")
    assert sized.get(alice, owner="alice") == "a" * 200
    assert sized.bytes <= 1000


def test_when_full_the_owner_holding_the_most_loses_its_least_recently_used_entry() -> None:
    refs = store(max_items=6)
    bob = [refs.put(f"b{number}", owner="bob") for number in range(2)]
    alice = [refs.put(f"a{number}", owner="alice") for number in range(4)]
    refs.put("c0", owner="carol")
    assert refs.get(alice[0], owner="alice") is None
    assert [refs.get(handle, owner="alice") for handle in alice[1:]] == ["a1", "a2", "a3"]
    assert [refs.get(handle, owner="bob") for handle in bob] == ["b0", "b1"]


def test_among_owners_holding_as_much_the_one_with_the_oldest_entry_loses_it() -> None:
    refs = store(max_items=4)
    alice_old = refs.put("a0", owner="alice")
    bob = [refs.put(f"b{number}", owner="bob") for number in range(2)]
    alice_new = refs.put("a1", owner="alice")
    refs.put("c0", owner="carol")
    assert refs.get(alice_old, owner="alice") is None
    assert refs.get(alice_new, owner="alice") == "a1"
    assert [refs.get(handle, owner="bob") for handle in bob] == ["b0", "b1"]
