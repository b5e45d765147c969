"""The ids each principal's recent answers named: what an id argument's prefix is resolved against first.

An analysis answer prints ids (runs, jobs, accounts, webhooks, MCP servers), some shortened in its
text; the next call may pass one back as it was printed, an 8-character prefix. Remembering the full
ids an answer named, per owner (the principal that owns the caller's handles), resolves such a
prefix without reading the upstream again, and only among ids that owner was shown.

Bounded: at most ``per_owner`` ids an owner (its least recently named dropped first) and at most
``max_owners`` owners (the least recently active dropped whole); only ids that an argument can
carry (8 to 64 letters, digits, ``-`` or ``_``) are kept, so an entry is small whatever a row holds.
Held in memory for the process's lifetime, behind two methods a shared store can implement too.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Protocol

ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""What an id argument accepts (``tools/arguments.py``): ids of another shape are not remembered."""
PER_OWNER = 1000
"""Ids kept per owner: those of the last few answers at least (a summary or a listing names up to ~300)."""
MAX_OWNERS = 100
"""Owners kept: in multi-user mode, the most recently active principals (1,000 x 100 x ~250 bytes: ~25 MB at most)."""


class IdMemory(Protocol):
    """What the tools need of the record of named ids (this module's ``NamedIds``, or a shared store)."""

    def remember(self, owner: str, kind: str, ids: Iterable[str | None]) -> None: ...

    def candidates(self, owner: str, kind: str, prefix: str) -> list[str]: ...


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
        for value in ids:
            if value is None or not ID_SHAPE.fullmatch(value):
                continue
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
