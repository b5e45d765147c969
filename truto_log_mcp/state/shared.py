"""Handles on a shared backend (sqlite, redis): values serialised by pydantic, minted by the backend.

A shared handle is the space's prefix, the store's tag and a sequence number in base 36, e.g.
``r7k2q1a4``. The tag (4 base-36 characters) is drawn once when the store is created and kept in
it; the sequence is the store's own counter, so every process that shares the store mints
distinct handles, and a handle from another store (or from the same path after it was deleted)
is recognised as foreign instead of meaning another row. Values are JSON written by pydantic
from their declared type (no pickle: a store's content is data, never code).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError

from truto_log_mcp.state.store import Handles, HandleSpace

T = TypeVar("T")
U = TypeVar("U")


class HandleBackend(Protocol):
    """What a shared backend does for handles, in bytes."""

    tag: str | None
    """The store's tag once the store was reached (None before)."""

    async def mint(self, batches: Sequence[tuple[HandleSpace, Sequence[bytes]]], owner: str) -> list[list[str]]:
        """New handles for each batch's values in its space, all in one round trip."""
        ...

    async def fetch(self, space: HandleSpace, handle: str, owner: str) -> bytes | None: ...


class SharedHandles(Handles[T]):
    def __init__(self, backend: HandleBackend, space: HandleSpace, value_type: Callable[[], type[T]]) -> None:
        self._backend = backend
        self._space = space
        self._value_type = value_type
        self._adapter_built: TypeAdapter[T] | None = None

    @property
    def _adapter(self) -> TypeAdapter[T]:
        """Built on first use: the value type's module (and the adapter's schema) cost the start nothing."""
        if self._adapter_built is None:
            self._adapter_built = TypeAdapter(self._value_type())
        return self._adapter_built

    async def put_many(self, values: Sequence[T], owner: str) -> list[str]:
        if not values:
            return []
        [minted] = await self._backend.mint([(self._space, self._dump(values))], owner)
        return minted

    async def put_many_with(
        self, values: Sequence[T], other: Handles[U], other_values: Sequence[U], owner: str
    ) -> tuple[list[str], list[str]]:
        if (
            not isinstance(other, SharedHandles)
            or other._backend is not self._backend
            or not values
            or not other_values
        ):
            return await super().put_many_with(values, other, other_values, owner)
        mine, theirs = await self._backend.mint(
            [(self._space, self._dump(values)), (other._space, other._dump(other_values))], owner
        )
        return mine, theirs

    def _dump(self, values: Sequence[T]) -> list[bytes]:
        return [self._adapter.dump_json(value) for value in values]

    async def get(self, handle: str, owner: str) -> T | None:
        if not handle.startswith(self._space.prefix) or len(handle) > 32:
            return None
        blob = await self._backend.fetch(self._space, handle, owner)
        if blob is None:
            return None
        try:
            return self._adapter.validate_json(blob)
        except ValidationError:
            return None  # written by another version of this server: as good as expired

    def issued_here(self, handle: str) -> bool:
        tag = self._backend.tag
        return tag is not None and handle.startswith(self._space.prefix + tag)
