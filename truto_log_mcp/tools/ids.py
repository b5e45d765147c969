"""Id arguments: a full id is taken as it is; a unique prefix of 8 or more characters is resolved to one.

A full id is a UUID (Truto's ids are); any other value is looked up, in order:

1. the ids this principal's recent answers named (``state/named_ids.py``): no upstream request;
2. (``trace_sync_run``) the value as an exact id: the trace's own read, one request, whatever its shape;
3. the upstream, bounded: one scan of ``rapid_bridge``'s ``created`` events (one row per run, naming
   its run, job and account) over the window the call gives, or the 7 days before now, within the
   scan budget and the call's deadline. Its cost (rows, pages) is stated in the answer.

Several ids start with the prefix: ``[invalid_argument]`` naming them. None: ``[not_found]`` saying
where it looked and what to try. Values inside ``filters`` are never resolved: the upstream matches
them exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from truto_log_mcp.errors import InvalidArgument, NotFound, echo
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.tools.context import Call
from truto_log_mcp.tools.scans import scan_budget
from truto_log_mcp.upstream.client import Deadline
from truto_log_mcp.upstream.scanner import scan_window
from truto_log_mcp.upstream.windows import ScanRequest

PREFIX_MIN = 8
FULL_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""Truto's ids are UUIDs: one of this shape is whole, and is used without any look-up."""
LOOKUP_SPAN = timedelta(days=7)
"""How far back the upstream look-up reads when the call gives no window."""
LOOKUP_LOG_TYPE = LogType.RAPID_BRIDGE
LOOKUP_FILTERS = (("sync_job_run_event", "created"),)
"""The cheapest rows that name every run, job and account of a sync: each run's one ``created`` event."""
CANDIDATES_SHOWN = 5
CANDIDATES_KEPT = 50
"""Distinct matching ids a look-up keeps (bounded memory); beyond, they are only counted."""

NOUNS = {
    "sync_job_run_id": "sync run",
    "sync_job_id": "sync job",
    "integrated_account_id": "integrated account",
}
"""The id arguments that accept a prefix (their field names) and what each names."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """An id argument made whole."""

    value: str
    read: str | None = None
    """What the upstream look-up read, to be stated with the answer's coverage (None: no look-up)."""


class _Matches:
    """A sink keeping the distinct values of ``field`` that start with ``prefix`` (at most ``CANDIDATES_KEPT``)."""

    def __init__(self, field: str, prefix: str) -> None:
        self.field = field
        self.prefix = prefix
        self.found: dict[str, None] = {}
        self.more = 0

    def __call__(self, row: Row) -> None:
        value = row.get(self.field)
        if not isinstance(value, str) or not value.startswith(self.prefix) or value in self.found:
            return
        if len(self.found) < CANDIDATES_KEPT:
            self.found[value] = None
        else:
            self.more += 1


async def resolve_id(call: Call, field: str, value: str, window: Window | None, deadline: Deadline) -> Resolved:
    """``value`` of the id argument ``field`` made whole (see the module docstring); raises when it cannot be."""
    known = await known_id(call, field, value)
    return Resolved(known) if known is not None else await look_up_id(call, field, value, window, deadline)


async def known_id(call: Call, field: str, value: str) -> str | None:
    """``value`` made whole without reading the upstream: a full id as it is, or the one id of your recent
    answers it starts (``[invalid_argument]`` when it starts several); None when neither."""
    if FULL_ID.fullmatch(value):
        return value
    named = await call.services.named_ids.candidates(call.owner, field, value)
    return _one(field, value, named, 0, "named in your recent answers") if named else None


async def look_up_id(
    call: Call, field: str, value: str, window: Window | None, deadline: Deadline, tried: str = ""
) -> Resolved:
    """The one id that starts with ``value`` among those the upstream look-up reads; ``tried``: what the caller
    already read in vain (said in the ``[not_found]``)."""
    noun = NOUNS[field]
    searched = window or Window(call.services.clock() - LOOKUP_SPAN, call.services.clock())
    matches = _Matches(field, value)
    coverage = await scan_window(
        call.client(),
        ScanRequest(LOOKUP_LOG_TYPE, searched, LOOKUP_FILTERS),
        matches,
        budget=scan_budget(call.services, None),
        concurrency=call.services.settings.scan_concurrency,
        deadline=deadline,
    )
    partial = "" if coverage.complete else f", PARTIAL (stopped by the {coverage.stopped_by.replace('_', ' ')})"
    if not matches.found:
        if not coverage.complete:
            step = "Pass the id in full: the look-up could not read the whole window."
        elif window is not None:
            step = "Check the id, or widen the window (without one, the 7 days before now are searched)."
        else:
            step = "Check the id, or pass it in full, or a window (`since`/`start`) reaching further back."
        raise NotFound(
            f"No {noun} id {'is or ' if tried else ''}starts with `{value}`: {tried}none of your recent answers "
            f"named one, nor did any of the {coverage.rows_scanned} runs created in {searched.describe()}{partial} "
            f"(rapid_bridge `created` events, {coverage.pages} page(s) read).",
            step,
        )
    resolved = _one(field, value, list(matches.found), matches.more, "created in " + searched.describe())
    if not coverage.complete:
        # One match in the part read proves nothing: the unread part may hold another id of this prefix.
        raise InvalidArgument(
            f"`{value}` matches {resolved} among the runs created in the part of {searched.describe()} the "
            f"look-up could read{partial}; the rest may hold another {noun} of this prefix.",
            f"Pass the id in full (`{resolved}` if that is the one).",
        )
    await call.remember_ids({field: [resolved]})
    read = (
        f"rapid_bridge `created` events of {searched.describe()} (to find the {noun} of prefix {value}): "
        f"{coverage.rows_scanned} rows, {coverage.pages} page(s){partial}"
    )
    return Resolved(resolved, read)


def _one(field: str, prefix: str, candidates: list[str], more: int, where: str) -> str:
    """The one id ``prefix`` names among ``candidates`` (itself when it is one of them), or the ambiguity refused."""
    if prefix in candidates:
        return prefix
    if len(candidates) == 1:
        return candidates[0]
    noun = NOUNS[field]
    count = len(candidates) + more
    shown = ", ".join(candidates[:CANDIDATES_SHOWN])
    rest = count - min(len(candidates), CANDIDATES_SHOWN)
    raise InvalidArgument(
        f"`{field}` {echo(prefix)!r} is the start of {count} {noun} ids ({where}): {shown}"
        + (f" +{rest} more" if rest else "")
        + ".",
        "Pass one of them in full (or a prefix long enough to be unique).",
    )
