"""Page through ``GET /log`` for one query: the continuation state, the scan budget, the coverage.

``search_batch`` fills up to ``limit`` rows that pass ``match``, reading upstream pages in order
(newest first) and stopping at the page budget. Matching rows beyond ``limit`` are not lost: they
stay in the returned ``SearchState`` (``pending``), which a cursor handle stores, so the next call
continues exactly where this one stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from truto_log_mcp.errors import MalformedResponse
from truto_log_mcp.query.arguments import LogQuery, wire_params
from truto_log_mcp.rows import PageProgress, Row
from truto_log_mcp.rules import PAGE_LIMIT_MAX
from truto_log_mcp.upstream.client import Deadline, TrutoClient

StopReason = Literal["limit", "end", "scan_budget"]


@dataclass(frozen=True, slots=True)
class SearchState:
    """Where a search stands: enough to continue it exactly."""

    query: LogQuery
    upstream_cursor: str | None = None
    pending: tuple[Row, ...] = ()
    exhausted: bool = False
    rows_scanned: int = 0
    pages: int = 0
    """Totals over the whole search so far (all calls that continued it)."""
    arguments: tuple[tuple[str, str], ...] = ()
    """The query-defining tool arguments as first given (a cursor call may resend them unchanged)."""
    limit: int = 20
    """Rows per page the search was last asked for: a continuation keeps it unless given another."""

    @property
    def has_more(self) -> bool:
        return bool(self.pending) or not self.exhausted

    def with_pending_first(self, rows: list[Row]) -> SearchState:
        return replace(self, pending=(*rows, *self.pending))


@dataclass(frozen=True, slots=True)
class SearchBatch:
    rows: list[Row]
    state: SearchState
    rows_scanned: int
    pages: int
    stopped_by: StopReason


async def search_batch(
    client: TrutoClient,
    state: SearchState,
    limit: int,
    page_budget: int,
    deadline: Deadline,
    on_page: PageProgress | None = None,
) -> SearchBatch:
    query = state.query
    rows = list(state.pending[:limit])
    pending = list(state.pending[limit:])
    cursor, exhausted = state.upstream_cursor, state.exhausted
    used_cursors = {cursor} if cursor else set()
    pages = scanned = 0
    stopped_by: StopReason = "limit"
    while len(rows) < limit:
        if exhausted:
            stopped_by = "end"
            break
        if pages >= page_budget:
            stopped_by = "scan_budget"
            break
        # Without match conditions every row counts, so ask for just what is missing.
        page_size = PAGE_LIMIT_MAX if not query.match.is_empty else limit - len(rows)
        page = await client.fetch_page(
            wire_params(query.log_type, query.window, query.filters, min(page_size, PAGE_LIMIT_MAX), cursor),
            deadline,
        )
        pages += 1
        scanned += len(page.rows)
        if page.next_cursor is not None and page.next_cursor in used_cursors:
            raise MalformedResponse(
                f"Truto returned the same next_cursor again after {pages} page(s); paging would loop forever."
            )
        matched = [row for row in page.rows if query.match.accepts(row)]
        room = limit - len(rows)
        rows += matched[:room]
        pending += matched[room:]
        cursor = page.next_cursor
        if cursor:
            used_cursors.add(cursor)
        exhausted = cursor is None
        if on_page is not None:
            await on_page(pages, scanned)  # this call's: its total is this call's page budget
    if len(rows) >= limit and not pending and exhausted:
        stopped_by = "end"
    return SearchBatch(
        rows=rows,
        state=SearchState(
            query=query,
            upstream_cursor=cursor,
            pending=tuple(pending),
            exhausted=exhausted,
            rows_scanned=state.rows_scanned + scanned,
            pages=state.pages + pages,
            arguments=state.arguments,
            limit=state.limit,
        ),
        rows_scanned=scanned,
        pages=pages,
        stopped_by=stopped_by,
    )
