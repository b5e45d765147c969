"""The ids each principal's recent answers named: what an id argument's prefix is resolved against first.

An analysis answer prints ids (runs, jobs, accounts, webhooks, MCP servers), some shortened in its
text; the next call may pass one back as it was printed, an 8-character prefix. Remembering the full
ids an answer named, per owner (the principal that owns the caller's handles), resolves such a
prefix without reading the upstream again, and only among ids that owner was shown.

Bounded: at most ``per_owner`` ids an owner (its least recently named dropped first) and at most
``max_owners`` owners (the least recently active dropped whole); only ids that an argument can
carry (8 to 64 letters, digits, ``-`` or ``_``) are kept, so an entry is small whatever a row holds.

``NamedIds`` is the record in this process's memory (``memory://``); ``StoredIds`` is what the tools
use, over the state store (``StateStore.remember_ids``/``named_ids``): with sqlite a prefix printed by
one ``truto-log-mcp call`` resolves in the next; with Redis on every replica. A shared store keeps
``PER_OWNER`` ids an owner too, and forgets an owner ``SHARED_TTL_S`` after its last answer (instead
of ``MAX_OWNERS``). One round trip per answer to remember, one per resolution; a store that is down
costs nothing but the shortcut: remembering is skipped (a warning), a prefix is looked up upstream.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from truto_log_mcp.errors import StateUnavailable
from truto_log_mcp.state.store import StateStore

logger = logging.getLogger(__name__)

ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""What an id argument accepts (``tools/arguments.py``): ids of another shape are not remembered."""
PER_OWNER = 1000
"""Ids kept per owner: those of the last few answers at least (a summary or a listing names up to ~300)."""
MAX_OWNERS = 100
"""Owners kept: in multi-user mode, the most recently active principals (1,000 x 100 x ~250 bytes: ~25 MB at most)."""
SHARED_TTL_S = 7 * 24 * 3600.0
"""How long a shared store keeps an owner's ids after the last answer that named one."""


def id_pairs(named: Mapping[str, Iterable[str | None]]) -> list[tuple[str, str]]:
    """(kind, id) of every value of ``named`` that an id argument could carry, in order."""
    return [
        (kind, value) for kind, ids in named.items() for value in ids if value is not None and ID_SHAPE.fullmatch(value)
    ]


class StoredIds:
    """The record of named ids in the state store, best effort: a store that is down never fails an answer."""

    def __init__(self, store: StateStore, per_owner: int = PER_OWNER) -> None:
        self.store = store
        self.per_owner = per_owner

    async def remember(self, owner: str, named: Mapping[str, Iterable[str | None]]) -> None:
        """Record the ids (by kind) an answer to ``owner`` named, in one round trip."""
        pairs = id_pairs(named)
        if not pairs:
            return
        try:
            await self.store.remember_ids(owner, pairs, self.per_owner)
        except StateUnavailable:
            logger.warning("The state store is unavailable: the ids of an answer are not remembered.")

    async def candidates(self, owner: str, kind: str, prefix: str) -> list[str]:
        """Ids of ``kind`` named to ``owner`` starting with ``prefix`` (most recent first); [] if the store is down."""
        try:
            return await self.store.named_ids(owner, kind, prefix)
        except StateUnavailable:
            logger.warning("The state store is unavailable: an id prefix is looked up upstream.")
            return []


class NamedIds:
    """Per owner, the ids of each kind (a field name: ``sync_job_run_id``...) its answers named, recent last."""

    def __init__(self, per_owner: int = PER_OWNER, max_owners: int = MAX_OWNERS) -> None:
        self.per_owner = per_owner
        self.max_owners = max_owners
        self._owners: OrderedDict[str, OrderedDict[tuple[str, str], None]] = OrderedDict()

    def __len__(self) -> int:
        return sum(len(named) for named in self._owners.values())

    def remember(self, owner: str, kind: str, ids: Iterable[str | None]) -> None:
        """Record that an answer to ``owner`` named ``ids`` (as ``kind``); None and ids of no id's shape are skipped."""
        named = self._owners.get(owner)
        if named is None:
            named = self._owners[owner] = OrderedDict()
            while len(self._owners) > self.max_owners:
                self._owners.popitem(last=False)
        else:
            self._owners.move_to_end(owner)
        for _, value in id_pairs({kind: ids}):
            key = (kind, value)
            named[key] = None
            named.move_to_end(key)
        while len(named) > self.per_owner:
            named.popitem(last=False)

    def candidates(self, owner: str, kind: str, prefix: str) -> list[str]:
        """The ids of ``kind`` named to ``owner`` that start with ``prefix``, most recently named first."""
        named = self._owners.get(owner)
        if named is None:
            return []
        return [value for named_kind, value in reversed(named) if named_kind == kind and value.startswith(prefix)]
